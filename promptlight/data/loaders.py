"""Read prompts from your own files and URLs.

Give promptlight a dataset as ``NAME:PATH`` (or just ``PATH``), for example
``promptlight serve --datasets mine:prompts.jsonl``. ``PATH`` can be a built-in name (see
``list_datasets()``; ``sample_prompts`` is always there), a local file ending in ``.jsonl``,
``.csv`` or ``.txt`` (upper case works too), or an ``http://`` / ``https://`` URL.

Every example has a ``prompt`` (required, not empty), a ``target`` (the expected output;
optional, default ``""``: the model's own generation is explained instead), and a
``source`` (an id shown in the UI; optional, default ``"<file stem>#<n>"`` where ``n``
counts the examples from 1). Any other key or column is kept in ``Example.fields``.
Files must be UTF-8 (a leading byte-order mark is fine).

.jsonl (JSON Lines): one JSON object per line; blank lines are skipped::

    {"prompt": "Q: What is 7 x 8?\\nA:", "target": " 56", "source": "times-table"}
    {"prompt": "Translate to French: good morning\\n", "level": "easy"}

  ``prompt`` must be a string; ``target`` and ``source`` must be strings when present
  (``null`` counts as missing). The file is not one big JSON array: one object per line.

.csv: a header row naming the columns, one of which is ``prompt``; ``target`` and
  ``source`` columns are optional (column names are matched ignoring case and surrounding
  spaces). Comma-separated, with standard double-quote quoting, so a quoted cell can span
  several lines::

    prompt,target,source
    "Q: What is 7 x 8?
    A:"," 56",times-table

  Rows whose cells are all empty are skipped; a row with more cells than the header is an
  error, and so is a quote that is never closed. Columns with an empty header are named
  ``column_<n>``.

.txt: the whole file is one prompt. To put several prompts in one file, separate them
  with a line holding only ``---``; the line break just before and just after each
  separator belongs to the separator, not to the prompts. One final line break at the end
  of the file is dropped (editors add it), and Windows line breaks (CRLF) become ``\\n``.
  The source is the file stem, or ``<stem>#<n>`` when the file holds several prompts::

    Write a haiku about autumn rain.
    ---
    Q: What is the capital of Peru?
    A:

URLs: fetched with a 10 second timeout (no authentication). The format comes from the
extension of the URL's path (``.jsonl``, ``.csv``, ``.txt``), or else from the
``Content-Type`` the server sends (``application/jsonl``, ``application/x-ndjson``,
``text/csv``, ``text/plain``, ...). Downloads larger than 50 MB are refused.

Every problem is reported as a :class:`DatasetError` whose message names the file or URL,
the line or row, what is wrong and what would be valid.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from promptlight.data.dataset import DatasetError
from promptlight.data.spec import url_stem
from promptlight.jsonshape import depth_problem
from promptlight.types import Example, stop_strings

__all__ = [
    "FORMATS",
    "FORMATS_TEXT",
    "MAX_URL_BYTES",
    "URL_TIMEOUT_S",
    "decode_utf8",
    "load_file",
    "load_url",
    "parse_bytes",
    "parse_csv",
    "parse_jsonl",
    "parse_txt",
    "rows_to_examples",
]

URL_TIMEOUT_S = 10.0
MAX_URL_BYTES = 50 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_KNOWN_KEYS = ("prompt", "target", "source")

Parser = Callable[..., tuple[Example, ...]]


# --- shared helpers ---------------------------------------------------------------------


def _fail(origin: str, where: str | None, problem: str, *, line: int | None = None) -> DatasetError:
    place = f"{origin}, {where}" if where else origin
    return DatasetError(f"{place}: {problem}", origin=origin, line=line)


def decode_utf8(data: bytes, *, origin: str) -> str:
    """``data`` as text; a leading UTF-8 byte-order mark is dropped. Bad bytes -> DatasetError."""
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        line = data[:offset].count(b"\n") + 1
        raise _fail(
            origin,
            f"line {line}",
            f"not valid UTF-8: byte 0x{data[offset]:02x} at byte offset {offset} cannot be decoded "
            f"({exc.reason}). Save the file as UTF-8.",
            line=line,
        ) from None


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def rows_to_examples(
    rows: Iterable[tuple[str, int | None, Mapping[str, Any]]],
    *,
    origin: str,
    stem: str,
    what: str,
    template: str | None = None,
) -> tuple[Example, ...]:
    """Validate ``(where, line, row)`` triples into examples.

    ``where`` names the place for messages (``"line 3"``, ``"row 2 (line 3)"``), ``line`` is
    the 1-based line number (or ``None``).

    ``row`` maps column names to values; ``prompt`` is required, ``target``/``source``
    optional strings (``None`` counts as missing), the rest goes to ``Example.fields``.
    ``what`` names a row in hints ("line", "row").

    A row with no ``prompt`` but a ``template`` column, or any row when ``template`` (a
    template's text) is given, gets its prompt by filling the template from its columns
    (:mod:`promptlight.data.template`); the template's text is kept in ``fields["template"]``.
    """
    from promptlight.chat import check_messages, preview
    from promptlight.data.template import PromptTemplate, TemplateError
    from promptlight.errors import InvalidArgument

    parsed: dict[str, PromptTemplate] = {}
    examples: list[Example] = []
    for where, line, row in rows:
        own = row.get("template") if isinstance(row.get("template"), str) else None
        if (template is not None or own) and "prompt" in row:
            problem = (
                'has a "prompt" and a template to fill one; give the prompt as the template\'s fields '
                '(drop the "prompt" column) or drop the template.'
            )
            raise _fail(origin, where, problem, line=line)
        if template is not None or own:
            text = template if template is not None else str(own)
            try:
                if text not in parsed:
                    parsed[text] = PromptTemplate.parse(
                        text, origin="the template" if own is None else 'its "template"'
                    )
                filled = parsed[text].fill(row, where="it")
            except TemplateError as exc:
                raise _fail(origin, where, str(exc), line=line) from None
            row = {**row, "prompt": filled.text, "template": text}
        if "messages" in row and "prompt" not in row:  # a chat row: its prompt is a readable preview
            try:
                checked = check_messages(row["messages"])
            except InvalidArgument as exc:
                raise _fail(origin, where, str(exc), line=line) from None
            row = {**row, "prompt": preview(checked), "messages": [m.to_dict() for m in checked]}
        if "prompt" not in row:
            keys = ", ".join(repr(k) for k in row) or "none"
            problem = f'missing the required "prompt" (found: {keys}). Every {what} needs a prompt (or "messages").'
            raise _fail(origin, where, problem, line=line)
        values: dict[str, str] = {}
        for key in _KNOWN_KEYS:
            value = row.get(key)
            if value is None:
                value = ""
            if not isinstance(value, str):
                problem = f'"{key}" must be a string, got {_type_name(value)}: {_short(value)}.'
                raise _fail(origin, where, problem, line=line)
            if _has_surrogates(value):
                problem = f'"{key}" contains an unpaired surrogate (\\ud800-\\udfff), which is not text.'
                raise _fail(origin, where, problem, line=line)
            values[key] = value
        if not values["prompt"].strip():
            problem = f"the prompt is empty. Write the prompt text, or delete this {what}."
            raise _fail(origin, where, problem, line=line)
        extra = {k: v for k, v in row.items() if k not in _KNOWN_KEYS}
        try:
            stop_strings(extra.get("stop"))
        except ValueError as exc:
            raise _fail(origin, where, str(exc), line=line) from None
        shape = depth_problem(extra)
        if shape:
            raise _fail(origin, where, f"its extra columns {shape}.", line=line)
        n = len(examples) + 1
        examples.append(
            Example(
                prompt=values["prompt"],
                target=values["target"],
                source=values["source"] or f"{stem}#{n}",
                fields=extra,
            )
        )
    if not examples:
        raise _fail(origin, None, f"contains no examples. Add at least one {what} with a prompt.")
    return tuple(examples)


def _short(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- .jsonl ------------------------------------------------------------------------------


def parse_jsonl(data: bytes, *, origin: str, stem: str, template: str | None = None) -> tuple[Example, ...]:
    """Examples from JSON Lines bytes (see the module docstring)."""
    text = decode_utf8(data, origin=origin)
    if not text.strip():
        raise _fail(origin, None, 'is empty. A .jsonl file needs one JSON object per line, e.g. {"prompt": "..."}.')

    def rows() -> Iterable[tuple[str, int | None, Mapping[str, Any]]]:
        # Split on "\n" only: JSON strings may hold raw U+2028 etc., which splitlines() would cut.
        for number, raw in enumerate(text.split("\n"), start=1):
            if not raw.strip():
                continue
            where = f"line {number}"
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                hint = ""
                if raw.strip() in ("[", "]") or raw.lstrip().startswith("[{"):
                    hint = " A .jsonl file is not one JSON array: write one object per line."
                raise _fail(
                    origin,
                    where,
                    f"invalid JSON: {exc.msg} (column {exc.colno}). "
                    f'Each line must be one JSON object, e.g. {{"prompt": "..."}}.{hint}',
                    line=number,
                ) from None
            except (ValueError, RecursionError) as exc:  # e.g. integers longer than 4300 digits, deep nesting
                raise _fail(origin, where, f"cannot read this JSON: {exc}", line=number) from None
            if not isinstance(obj, dict):
                raise _fail(
                    origin,
                    where,
                    f'expected a JSON object like {{"prompt": "..."}}, got {_type_name(obj)}: {_short(obj)}.',
                    line=number,
                )
            if "\\ud" in raw.lower() and _has_surrogates(json.dumps(obj, ensure_ascii=False)):
                raise _fail(
                    origin,
                    where,
                    "contains an unpaired surrogate escape (\\ud800-\\udfff), which is not text. "
                    "Escape characters outside the BMP as a surrogate pair, or write them as UTF-8.",
                    line=number,
                )
            yield where, number, obj

    return rows_to_examples(rows(), origin=origin, stem=stem, what="line", template=template)


# --- .csv --------------------------------------------------------------------------------


def parse_csv(data: bytes, *, origin: str, stem: str, template: str | None = None) -> tuple[Example, ...]:
    """Examples from CSV bytes with a header row (see the module docstring)."""
    text = decode_utf8(data, origin=origin)
    if not text.strip():
        raise _fail(
            origin, None, "is empty. A .csv file needs a header row with a 'prompt' column, then one row per example."
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)

    def read_row() -> tuple[list[str], int] | None:
        """The next row and the line it starts on; ``None`` at the end."""
        start = reader.line_num + 1
        try:
            return next(reader), start
        except StopIteration:
            return None
        except csv.Error as exc:
            hint = (
                "A cell is at most 131072 characters."
                if "field limit" in str(exc)
                else 'Check the double quotes: a cell that starts with " must end with ", '
                'and a " inside it is written "".'
            )
            raise _fail(origin, f"line {start}", f"not valid CSV: {exc}. {hint}", line=start) from None

    first = read_row()
    while first is not None and not any(cell.strip() for cell in first[0]):
        first = read_row()
    if first is None:  # pragma: no cover - text.strip() was non-empty, so some row has content
        raise _fail(origin, None, "is empty.")
    header_cells, header_line = first
    columns: list[str] = []
    for i, cell in enumerate(header_cells):
        name = cell.strip() or f"column_{i + 1}"
        if name.lower() in _KNOWN_KEYS:
            name = name.lower()
        if name in columns:
            problem = f"the header names the column {name!r} twice. Column names must be unique."
            raise _fail(origin, f"line {header_line}", problem, line=header_line)
        columns.append(name)
    if "prompt" not in columns and template is None and "template" not in columns:
        found = ", ".join(repr(c) for c in columns)
        hint = ""
        if len(columns) == 1 and any(sep in header_cells[0] for sep in (";", "\t", "|")):
            hint = " The file looks separated by ';', tabs or '|': promptlight reads comma-separated files."
        raise _fail(
            origin,
            f"line {header_line}",
            f"the header row has no 'prompt' column (columns found: {found}). "
            f"The first row must name the columns, e.g. prompt,target,source.{hint}",
            line=header_line,
        )

    def rows() -> Iterable[tuple[str, int | None, Mapping[str, Any]]]:
        number = 0
        while (item := read_row()) is not None:
            cells, line = item
            if not any(cell.strip() for cell in cells):
                continue
            number += 1
            where = f"row {number} (line {line})"
            if len(cells) > len(columns):
                raise _fail(
                    origin,
                    where,
                    f"has {len(cells)} cells but the header has {len(columns)} columns. "
                    'Quote cells that contain commas ("like, this").',
                    line=line,
                )
            cells = cells + [""] * (len(columns) - len(cells))
            yield where, line, dict(zip(columns, cells))

    return rows_to_examples(rows(), origin=origin, stem=stem, what="row", template=template)


# --- .txt --------------------------------------------------------------------------------


def parse_txt(data: bytes, *, origin: str, stem: str, template: str | None = None) -> tuple[Example, ...]:
    if template is not None:
        raise _fail(
            origin, None, "is a .txt file of whole prompts; a template is filled from columns: give a .jsonl or .csv."
        )
    """Prompts from a text file: the whole file, or pieces between ``---`` lines."""
    text = decode_utf8(data, origin=origin).replace("\r\n", "\n")
    if not text.strip():
        raise _fail(origin, None, "is empty. Write a prompt in the file (separate several prompts with a '---' line).")
    if text.endswith("\n"):
        text = text[:-1]
    pieces: list[tuple[int, list[str]]] = [(1, [])]  # (first line number, lines)
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip() == "---":
            pieces.append((number + 1, []))
        else:
            pieces[-1][1].append(line)
    several = len(pieces) > 1
    examples = []
    for n, (first_line, lines) in enumerate(pieces, start=1):
        prompt = "\n".join(lines)
        if not prompt.strip():
            raise _fail(
                origin,
                f"prompt {n} (line {first_line})",
                "is empty. Remove the extra '---' separator line or write a prompt there.",
                line=first_line,
            )
        examples.append(Example(prompt=prompt, source=f"{stem}#{n}" if several else stem))
    return tuple(examples)


PARSERS: dict[str, Parser] = {".jsonl": parse_jsonl, ".csv": parse_csv, ".txt": parse_txt}
FORMATS = tuple(PARSERS)
#: ".jsonl, .csv or .txt", for messages.
FORMATS_TEXT = ", ".join(FORMATS[:-1]) + " or " + FORMATS[-1]

_CONTENT_TYPES = {
    "application/jsonl": ".jsonl",
    "application/jsonlines": ".jsonl",
    "application/json-lines": ".jsonl",
    "application/x-jsonlines": ".jsonl",
    "application/x-ndjson": ".jsonl",
    "application/ndjson": ".jsonl",
    "text/jsonl": ".jsonl",
    "text/csv": ".csv",
    "application/csv": ".csv",
    "text/plain": ".txt",
}


def parse_bytes(data: bytes, *, fmt: str, origin: str, stem: str, template: str | None = None) -> tuple[Example, ...]:
    """Examples from ``data`` in format ``fmt`` (one of :data:`FORMATS`)."""
    parser = PARSERS.get(fmt.lower())
    if parser is None:
        raise _fail(origin, None, f"unknown format {fmt!r}. Valid: {', '.join(FORMATS)}.")
    return parser(data, origin=origin, stem=stem, template=template)


# --- files and URLs ----------------------------------------------------------------------


#: The largest dataset file read (a file that never ends, like /dev/zero, stops here).
MAX_DATASET_BYTES = 512 * 2**20


def _readable_dir(p: Path) -> bool:
    try:
        next(iter(p.iterdir()), None)
    except OSError:
        return False
    return True


def load_file(path: str | Path, *, template: str | None = None) -> tuple[Example, ...]:
    """Examples from a local ``.jsonl``, ``.csv`` or ``.txt`` file."""
    p = Path(path).expanduser()
    origin = str(path)
    fmt = p.suffix.lower()
    if p.is_dir():
        inside = sorted(q.name for q in p.iterdir() if q.suffix.lower() in PARSERS)[:5] if _readable_dir(p) else []
        found = f" (found: {', '.join(inside)})" if inside else ""
        raise _fail(origin, None, f"is a directory, not a file. Give a {FORMATS_TEXT} file inside it{found}.")
    if fmt not in PARSERS:
        raise _fail(origin, None, f"unknown file extension {p.suffix or '(none)'!r}. Valid: {', '.join(FORMATS)}.")
    if not p.exists():
        raise _fail(origin, None, f"file not found (looked for {p.absolute()}). Check the path.")
    from promptlight.files import FileProblem, read_regular_file

    try:
        data = read_regular_file(p, what="The dataset file", max_bytes=MAX_DATASET_BYTES)
    except FileProblem as exc:
        raise _fail(origin, None, str(exc)) from None
    return parse_bytes(data, fmt=fmt, origin=origin, stem=p.stem, template=template)


def load_url(url: str, *, timeout: float = URL_TIMEOUT_S, template: str | None = None) -> tuple[Example, ...]:
    """Examples from an ``http(s)`` URL; the format comes from the path's extension or the Content-Type."""
    request = urllib.request.Request(url, headers={"User-Agent": "promptlight", "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            data = response.read(MAX_URL_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise _fail(url, None, f"the server answered HTTP {exc.code} {exc.reason}. Check the URL.") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise _fail(url, None, f"no answer within {timeout:g} s. Check the URL and your network.") from None
        raise _fail(url, None, f"cannot reach the URL: {reason}. Check the address and your network.") from None
    except TimeoutError:
        raise _fail(url, None, f"no answer within {timeout:g} s. Check the URL and your network.") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise _fail(url, None, f"cannot download: {exc or type(exc).__name__}. Check the URL.") from None
    if len(data) > MAX_URL_BYTES:
        raise _fail(url, None, f"is larger than {MAX_URL_BYTES // (1024 * 1024)} MB. Download it and load the file.")
    stem = url_stem(url) or "url"
    try:
        name = urllib.parse.urlsplit(url).path
    except ValueError:  # pragma: no cover - urlopen already rejected such URLs
        name = ""
    fmt = Path(urllib.parse.unquote(name)).suffix.lower()
    if fmt not in PARSERS:
        fmt = _CONTENT_TYPES.get(content_type, "")
    if not fmt:
        raise _fail(
            url,
            None,
            f"cannot tell the format: the path has no {FORMATS_TEXT} extension and the server sent "
            f"Content-Type {content_type!r}. Use a URL ending in {FORMATS_TEXT}.",
        )
    return parse_bytes(data, fmt=fmt, origin=url, stem=stem, template=template)
