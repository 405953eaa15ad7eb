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

Storage that cannot be used right now (a lock another program holds past the busy timeout, a
file made read-only, a full disk, an I/O error) raises :class:`StorageUnavailable`, which the
server answers with 503 and ``Retry-After``; a ``-wal``/``-shm`` file that cannot be written is
refused when the store opens (SQLite would map it read-only and die of SIGBUS on the first write).
"""

from __future__ import annotations

from promptlight.store.keys import cache_key, canonical_json
from promptlight.store.sqlite import Datapoint, StorageUnavailable, Store, StoreError, default_db_path

__all__ = ["Datapoint", "StorageUnavailable", "Store", "StoreError", "cache_key", "canonical_json", "default_db_path"]
