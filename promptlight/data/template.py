"""Prompt templates: ``{field}`` placeholders filled from a dataset row's columns.

A template is text with named placeholders, ``"Dislikes: {dislikes}\\nDish: {dish}\\nVerdict:"``;
``{{`` and ``}}`` stand for literal braces. Filling it from a row gives the prompt and, for
every character of it, where it came from: a field's value or one of the template's own
sections (the literal stretches between placeholders, numbered from 0 in order). That is
what the ``fields`` granularity segments by (:data:`promptlight.segments.FIELDS`), so a
dataset run can answer "which field drives the answer" across rows that share a template.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["FilledPrompt", "PromptTemplate", "TemplateError", "section_name"]

_NAME = r"[A-Za-z_][A-Za-z0-9_\-]*"
_TOKEN = re.compile(r"\{\{|\}\}|\{(" + _NAME + r")\}|\{|\}")


class TemplateError(ValueError):
    """A template that cannot be parsed or filled; the message names the place and the fix."""


def section_name(k: int) -> str:
    """The name of the template's ``k``-th literal section (0-based), as segments and tables show it."""
    return f"template#{k}"


@dataclasses.dataclass(frozen=True)
class FilledPrompt:
    """A filled template: ``text`` and its parts, in order, covering ``text`` exactly.

    ``parts`` is ``[{"name", "start", "end"}]`` (char ranges into ``text``); ``name`` is a
    field name for a filled placeholder and :func:`section_name` ``(k)`` for template text.
    Empty parts (an empty field value) are left out.
    """

    text: str
    parts: tuple[Mapping[str, Any], ...]


@dataclasses.dataclass(frozen=True)
class PromptTemplate:
    """A parsed template: ``pieces`` alternate literal text (``str``) and field names (``("field", name)``)."""

    source: str
    pieces: tuple[str | tuple[str, str], ...]

    @classmethod
    def parse(cls, text: str, *, origin: str = "the template") -> PromptTemplate:
        """Parse ``text``; :class:`TemplateError` for a lone brace or a placeholder with no valid name."""
        if not isinstance(text, str) or not text.strip():
            raise TemplateError(f"{origin} is empty; write the prompt text with {{field}} placeholders.")
        pieces: list[str | tuple[str, str]] = []
        literal: list[str] = []
        pos = 0
        for m in _TOKEN.finditer(text):
            literal.append(text[pos : m.start()])
            pos = m.end()
            token = m.group(0)
            if token in ("{{", "}}"):
                literal.append(token[0])
            elif m.group(1) is not None:
                pieces.append("".join(literal))
                literal = []
                pieces.append(("field", m.group(1)))
            else:
                line = text.count("\n", 0, m.start()) + 1
                raise TemplateError(
                    f"{origin} has a lone {token!r} on line {line} (char {m.start()}); write {{name}} for a field "
                    f"(letters, digits, _ or -, not starting with a digit) or {token * 2} for a literal brace."
                )
        literal.append(text[pos:])
        pieces.append("".join(literal))
        if not any(isinstance(p, tuple) for p in pieces):
            raise TemplateError(f"{origin} has no {{field}} placeholder; name a dataset column, e.g. {{question}}.")
        return cls(source=text, pieces=tuple(pieces))

    @property
    def field_names(self) -> tuple[str, ...]:
        """The placeholders' names, in order of first appearance."""
        return tuple(dict.fromkeys(p[1] for p in self.pieces if isinstance(p, tuple)))

    def fill(self, row: Mapping[str, Any], *, where: str = "the row") -> FilledPrompt:
        """The prompt for ``row``; :class:`TemplateError` naming a missing or non-text column."""
        out: list[str] = []
        parts: list[dict[str, Any]] = []
        at = 0
        section = 0
        for piece in self.pieces:
            if isinstance(piece, tuple):
                name = piece[1]
                value = row.get(name)
                if value is None:
                    found = ", ".join(repr(k) for k in row) or "none"
                    raise TemplateError(
                        f"{where} has no column {name!r} for the template's {{{name}}} (found: {found})."
                    )
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise TemplateError(
                        f"{where}: column {name!r} must be text or a number to fill {{{name}}}, "
                        f"got {type(value).__name__}."
                    )
                piece_text, label = str(value), name
            else:
                piece_text, label = piece, section_name(section)
                section += 1
            if piece_text:
                parts.append({"name": label, "start": at, "end": at + len(piece_text)})
                out.append(piece_text)
                at += len(piece_text)
        return FilledPrompt(text="".join(out), parts=tuple(parts))
