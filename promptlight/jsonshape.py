"""Bounds on the shape of user JSON (a datapoint's ``fields``, a dataset row's extra columns).

A few kilobytes nested hundreds deep are enough to make ``json`` and pydantic recurse past
Python's limit; such a value is refused where it comes in, with the limit named, so it never
reaches the store and never breaks a listing. Stdlib only; no recursion.
"""

from __future__ import annotations

from typing import Any

#: How deep ``fields`` may nest (an object or list inside another counts one level).
MAX_JSON_DEPTH = 32


def json_depth(value: Any) -> int:
    """The nesting depth of a JSON-like value: 0 for a scalar, 1 for a flat object or list."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, (list, tuple)):
            children = list(item)
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_JSON_DEPTH:  # enough to refuse it: stop walking a hostile value
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def depth_problem(value: Any) -> str | None:
    """A sentence naming the limit when ``value`` nests deeper than :data:`MAX_JSON_DEPTH`, else ``None``."""
    depth = json_depth(value)
    if depth > MAX_JSON_DEPTH:
        return f"nests more than {MAX_JSON_DEPTH} levels deep (objects and lists inside each other); the limit is {MAX_JSON_DEPTH}"
    return None
