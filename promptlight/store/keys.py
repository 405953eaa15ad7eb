"""Content-hash keys for the results cache.

A key is the SHA-256 of a canonical JSON encoding of everything that determines a result:
sorted keys, no whitespace, UTF-8, and floats written the way Python's ``repr`` writes
them. Two requests that would compute the same thing get the same key; changing any
input (one character of the prompt, one option, the model's files) changes the key.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any


def canonical_json(value: Any) -> str:
    """One JSON text per value: sorted keys, compact, tuples as lists, no NaN/Infinity."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def cache_key(kind: str, **parts: Any) -> str:
    """``sha256(canonical_json({"kind": kind, **parts}))`` as 64 hex digits."""
    if "kind" in parts:
        raise ValueError("cache_key: 'kind' is given positionally; do not pass it again as a part.")
    return hashlib.sha256(canonical_json({"kind": kind, **parts}).encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise TypeError(f"cache key parts need string dict keys, got {k!r}.")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cache key parts must be finite numbers, got {value!r}.")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cache key parts must be JSON values, got {type(value).__name__}.")
