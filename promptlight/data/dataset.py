"""The :class:`Dataset` record and :class:`DatasetError`, the one error every loader raises."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from promptlight.types import Example

__all__ = ["Dataset", "DatasetError", "UnknownSourceError"]


class DatasetError(ValueError):
    """A dataset could not be loaded. ``str(error)`` is a complete message for a person.

    ``origin`` is the file, URL or dataset name involved (``None`` if there is none) and
    ``line`` the 1-based line (or row) number the problem was found at, when known.
    """

    def __init__(self, message: str, *, origin: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.origin = origin
        self.line = line


class UnknownSourceError(KeyError):
    """``Dataset.by_source`` found no row with that source. Prints its message without quotes."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A named, loaded set of examples.

    ``name`` is the NAME of the ``NAME:PATH`` spec, ``spec`` the string it was loaded from,
    ``description`` one line for people (may be empty).
    """

    name: str
    spec: str
    examples: tuple[Example, ...]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "examples", tuple(self.examples))

    def __len__(self) -> int:
        return len(self.examples)

    def __iter__(self) -> Iterator[Example]:
        return iter(self.examples)

    def __getitem__(self, index: int) -> Example:
        return self.examples[index]

    @property
    def sources(self) -> tuple[str, ...]:
        """The ``source`` of every example, in order."""
        return tuple(ex.source for ex in self.examples)

    def by_source(self, source: str) -> Example:
        """The first example whose ``source`` is ``source``; ``KeyError`` listing the available ones."""
        for ex in self.examples:
            if ex.source == source:
                return ex
        available = self.sources
        shown = ", ".join(available[:20])
        if len(available) > 20:
            shown += f", ... ({len(available) - 20} more)"
        raise UnknownSourceError(
            f"No example with source {source!r} in dataset {self.name!r}. Available: {shown or '(none)'}."
        )
