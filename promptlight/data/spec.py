"""``NAME:PATH`` config strings, shared by ``--datasets`` and ``--models``.

    parse_spec("demo:prompts.jsonl")          -> ("demo", "prompts.jsonl")
    parse_spec("prompts.jsonl")               -> ("prompts.jsonl", "prompts.jsonl")  # a bare PATH names itself
    parse_spec("https://host/dir/rows.jsonl") -> ("rows", "https://host/dir/rows.jsonl")
    parse_spec("mine:https://host/rows.csv")  -> ("mine", "https://host/rows.csv")

The string is split on the first colon, except that a bare URL (``scheme://...``) and a
bare Windows drive path written with a backslash (``C:\\...``) are kept whole
(``x:/path`` is NAME ``x`` with the POSIX path ``/path``). A bare URL is named after the last
component of its path without the extension (the whole URL if the path is empty).
A file name that itself contains a colon needs an explicit name: ``name:my:file.jsonl``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

__all__ = ["is_url", "parse_spec", "url_stem"]

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# Only the backslash form: ``t:/data/x.jsonl`` is NAME ``t`` with an absolute POSIX path.
_DRIVE_RE = re.compile(r"^[A-Za-z]:\\")


def is_url(text: str) -> bool:
    """True if ``text`` starts with ``scheme://`` (any scheme; loaders decide which they accept)."""
    return bool(_URL_RE.match(text))


def url_stem(url: str) -> str:
    """The last component of the URL's path without its extension, or ``""`` if there is none."""
    try:
        path = urlsplit(url).path
    except ValueError:  # e.g. an invalid IPv6 host; the loader reports it properly
        return ""
    name = PurePosixPath(unquote(path)).name
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return stem


def parse_spec(spec: str) -> tuple[str, str]:
    """Split a ``NAME:PATH`` config string into ``(name, path)``.

    Surrounding whitespace is ignored. Raises ``ValueError`` naming the spec if the name or
    the path is empty.
    """
    if not isinstance(spec, str):
        raise TypeError(f"A NAME:PATH spec must be a str, got {type(spec).__name__}.")
    text = spec.strip()
    if not text:
        raise ValueError(f"Empty spec {spec!r}: expected NAME:PATH or PATH, e.g. 'demo:prompts.jsonl'.")
    if is_url(text):
        return (url_stem(text) or text), text
    if _DRIVE_RE.match(text):
        return text, text
    if ":" not in text:
        return text, text
    name, path = (part.strip() for part in text.split(":", 1))
    if not name:
        raise ValueError(f"Spec {spec!r} has an empty NAME before the colon: write NAME:PATH or just PATH.")
    if not path:
        raise ValueError(f"Spec {spec!r} has an empty PATH after the colon: write NAME:PATH or just PATH.")
    return name, path
