"""Named datasets and :func:`load_dataset`, the one entry point every surface calls.

The built-in ``sample_prompts`` is registered here with :func:`register_dataset`, the same
call a user or plugin makes.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import promptlight.data.loaders as loaders
from promptlight.data.dataset import Dataset, DatasetError
from promptlight.data.sample_prompts import sample_prompts
from promptlight.data.spec import is_url, parse_spec
from promptlight.types import Example

__all__ = ["load_dataset", "list_datasets", "register_dataset"]

#: What a factory may return: a Dataset, or rows (``Example`` s or mappings with a ``prompt``).
FactoryResult = Dataset | Iterable[Example | Mapping[str, Any]]


@dataclasses.dataclass(frozen=True)
class _Entry:
    factory: Callable[[], FactoryResult]
    description: str


_REGISTRY: dict[str, _Entry] = {}


def register_dataset(
    name: str, factory: Callable[[], FactoryResult], *, description: str | None = None, replace: bool = False
) -> None:
    """Make ``load_dataset(name)`` call ``factory()``.

    ``factory`` takes no arguments and returns a :class:`Dataset` or an iterable of
    ``Example`` s (or mappings with a ``prompt`` key, validated like a .jsonl row).
    ``description`` defaults to the first line of the factory's docstring. Registering a
    name twice is an error unless ``replace=True``.
    """
    if not isinstance(name, str) or not name.strip() or name != name.strip() or ":" in name:
        raise ValueError(f"Invalid dataset name {name!r}: use a non-empty name without colons or surrounding spaces.")
    if not callable(factory):
        raise TypeError(f"The factory for dataset {name!r} must be callable, got {type(factory).__name__}.")
    if name in _REGISTRY and not replace:
        raise ValueError(f"A dataset named {name!r} is already registered. Pass replace=True to replace it.")
    if description is None:
        doc = (getattr(factory, "__doc__", None) or "").strip()
        description = doc.splitlines()[0].strip() if doc else ""
    _REGISTRY[name] = _Entry(factory, description)


def list_datasets() -> dict[str, str]:
    """``{name: one-line description}`` of every registered dataset, in registration order."""
    return {name: entry.description for name, entry in _REGISTRY.items()}


def _valid_choices() -> str:
    names = ", ".join(_REGISTRY) or "(none registered)"
    return f"a {loaders.FORMATS_TEXT} file, an http(s) URL, or a built-in dataset name from list_datasets(): {names}"


def _from_registry(name: str, key: str, spec: str, template: str | None = None) -> Dataset:
    entry = _REGISTRY[key]
    try:
        result = entry.factory()
    except DatasetError:
        raise
    except Exception as exc:  # a third-party factory failed: say which one
        raise DatasetError(f"Dataset {key!r} failed to load: {type(exc).__name__}: {exc}", origin=key) from exc
    if isinstance(result, Dataset):
        examples = result.examples
    else:
        rows = list(result)
        if all(isinstance(r, Example) for r in rows) and rows and template is None:
            examples = tuple(r for r in rows if isinstance(r, Example))
        else:
            examples = loaders.rows_to_examples(
                _registry_rows(rows, key), origin=f"dataset {key!r}", stem=key, what="row", template=template
            )
    return Dataset(name=name, spec=spec, examples=examples, description=entry.description)


def _registry_rows(rows: list[Any], key: str) -> Iterable[tuple[str, int | None, Mapping[str, Any]]]:
    for i, row in enumerate(rows, start=1):
        if isinstance(row, Example):
            row = row.to_dict()
        if not isinstance(row, Mapping):
            raise DatasetError(
                f"dataset {key!r}, row {i}: expected an Example or a mapping with a 'prompt', "
                f"got {type(row).__name__}.",
                origin=key,
                line=i,
            )
        yield f"row {i}", i, row


def load_dataset(spec: str | os.PathLike[str], *, template: str | None = None) -> Dataset:
    """Load a dataset from a ``NAME:PATH`` spec (or a bare ``PATH``).

    ``PATH`` is looked up in this order: a registered name (``sample_prompts``, see
    :func:`list_datasets`); an ``http(s)://`` URL; a local ``.jsonl``, ``.csv`` or ``.txt``
    file (formats in ``promptlight/data/loaders.py``). A ``Path`` object is always a file
    path (no NAME: part). ``template`` (a template's text) fills every row's prompt from its
    columns (:mod:`promptlight.data.template`). Every problem raises :class:`DatasetError`
    with a message for people.
    """
    if isinstance(spec, os.PathLike):
        spec_text = os.fspath(spec)
        name = path = spec_text
    else:
        spec_text = spec
        try:
            name, path = parse_spec(spec)
        except (TypeError, ValueError) as exc:
            raise DatasetError(f"{exc} Valid PATH values: {_valid_choices()}.") from None

    if path in _REGISTRY and not isinstance(spec, os.PathLike):
        return _from_registry(name, path, spec_text, template)

    if is_url(path):
        scheme = path.split(":", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise DatasetError(f"{path}: unsupported URL scheme {scheme!r}. Valid: {_valid_choices()}.", origin=path)
        examples = loaders.load_url(path, template=template)
        return Dataset(name=name, spec=spec_text, examples=examples)

    p = Path(path).expanduser()
    suffix = p.suffix.lower()
    if suffix in loaders.FORMATS or p.is_dir():
        return Dataset(name=name, spec=spec_text, examples=loaders.load_file(path, template=template))
    if p.suffix or p.is_file():
        hint = ""
        if suffix == ".json":
            hint = " For JSON, write one object per line and name the file .jsonl."
        elif suffix in (".tsv", ".tab"):
            hint = " Save tab-separated data as comma-separated .csv."
        fmt = p.suffix or "(no extension)"
        raise DatasetError(f"{path}: unknown dataset format {fmt!r}. Valid: {_valid_choices()}.{hint}", origin=path)
    close = difflib.get_close_matches(path, list(_REGISTRY), n=1)
    did_you_mean = f" Did you mean {close[0]!r}?" if close else ""
    raise DatasetError(
        f"Unknown dataset {path!r}.{did_you_mean} Built-in datasets: {', '.join(_REGISTRY) or '(none)'}. "
        f"Otherwise give a {loaders.FORMATS_TEXT} file or an http(s) URL.",
        origin=path,
    )


register_dataset("sample_prompts", sample_prompts)
