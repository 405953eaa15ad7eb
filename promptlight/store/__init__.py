"""Persistence: user datapoints and cached model results, in one SQLite file.

    from promptlight.store import Store, cache_key
    store = Store("promptlight.db")             # default path: default_db_path()
    dp = store.create_datapoint(dataset="scratch", prompt="Hello", target=" world")
    store.put_result(cache_key("generate", model="tiny", prompt="Hello"), "generate", {...})

Two tables (see :mod:`promptlight.store.migrations` for the exact schema):

- ``datapoints``: examples a user created or edited; they survive restarts.
- ``results``: a cache of generations and salience results keyed by a content hash of
  everything that determines them (:func:`cache_key`); safe to delete at any time.

The file is in WAL mode with ``synchronous=FULL``: a write that returned has reached the
disk, so it survives ``kill -9`` of the server and also a power cut or OS crash.
"""

from __future__ import annotations

from promptlight.store.keys import cache_key, canonical_json
from promptlight.store.sqlite import Datapoint, Store, StoreError, default_db_path

__all__ = ["Datapoint", "Store", "StoreError", "cache_key", "canonical_json", "default_db_path"]
