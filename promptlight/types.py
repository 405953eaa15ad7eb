"""Frozen records shared by every layer: datasets, models, salience, store, server, UI.

Every span is half-open ``[start, end)``. A field named ``*_span`` or ``start``/``end``
counts characters of a Python ``str`` (code points) unless its name says ``token``.

From :class:`ResultRecord` on, everything is plain Python / JSON: no tensors. This module
imports nothing from the rest of the package, so every layer can import it.
The JSON form of a result is documented in ``docs/result-schema.md`` and versioned by
:data:`RESULT_SCHEMA_VERSION`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Self

RESULT_SCHEMA_VERSION = 2
#: Versions :meth:`ResultRecord.from_dict` reads (version 1 has no ``faithfulness``).
READABLE_SCHEMA_VERSIONS = (1, 2)

#: Granularities every result carries boundaries for (``regex:<pattern>`` is computed on demand).
GRANULARITIES = ("tokens", "words", "sentences", "lines", "paragraphs")


@dataclasses.dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` into some text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise ValueError(f"Invalid span [{self.start}, {self.end}): need 0 <= start <= end.")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        """True if the two spans share at least one character."""
        return self.start < other.end and other.start < self.end

    def to_list(self) -> list[int]:
        return [self.start, self.end]


@dataclasses.dataclass(frozen=True)
class Example:
    """One dataset row: a prompt, an optional target (expected output) and where it came from.

    ``fields`` keeps any extra columns of the row, read-only. Two of them mean something to
    promptlight: ``messages`` (the row is a chat) and ``stop`` (see :attr:`stop`).
    """

    prompt: str
    target: str = ""
    source: str = ""
    fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.prompt, str):
            raise TypeError(f"Example.prompt must be a str, got {type(self.prompt).__name__}.")
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    @property
    def stop(self) -> tuple[str, ...]:
        """The stop strings this row suggests for generating from its prompt (its ``stop`` column).

        A few-shot prompt carries ``"\\n\\n"`` so generation ends with its answer instead of
        inventing the next example. Used when the user gives no stop strings of their own.
        """
        return stop_strings(self.fields.get("stop"))

    def to_dict(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "target": self.target, "source": self.source, **dict(self.fields)}


def stop_strings(value: Any) -> tuple[str, ...]:
    """A ``stop`` column's value as stop strings: a string is one, a list of strings is several.

    None or ``""`` (an empty CSV cell) is none. Raises ``ValueError`` naming the value for
    anything else (a number, a list holding an empty string, ...).
    """
    if value is None or value == "":
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(s, str) and s for s in items):
        raise ValueError(
            f'"stop" must be a non-empty string or a list of non-empty strings (e.g. "\\n\\n"), got {value!r}.'
        )
    return tuple(items)


@dataclasses.dataclass(frozen=True)
class Generation:
    """What the model wrote after a prompt.

    ``token_ids[i]`` covers ``text[token_spans[i].start:token_spans[i].end]``; the spans are
    in order and together cover ``text`` exactly (a token whose bytes complete a character
    started by the previous token gets an empty span). ``finish_reason`` is one of
    ``"eos"``, ``"length"`` or ``"stop"`` (a stop string was reached; it is cut from ``text``).
    """

    prompt: str
    text: str
    token_ids: tuple[int, ...]
    token_spans: tuple[Span, ...]
    finish_reason: str
    model: str = ""

    def tokens(self) -> list[dict[str, Any]]:
        """The ``[{"id", "text", "start", "end"}]`` list the CLI and API print."""
        return [
            {"id": tid, "text": self.text[s.start : s.end], "start": s.start, "end": s.end}
            for tid, s in zip(self.token_ids, self.token_spans)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "prompt": self.prompt,
            "text": self.text,
            "finish_reason": self.finish_reason,
            "tokens": self.tokens(),
        }


@dataclasses.dataclass(frozen=True)
class Segment:
    """A piece of text at some granularity, with its score (sum of its tokens' scores).

    ``score`` is ``None`` when none of the segment's tokens is scored (for example the
    segment lies in the target). ``template`` marks a segment of a chat prompt made only of
    chat-template text (role markers, turn delimiters): scored, but off the display scale
    and out of top lists by default.
    """

    start: int
    end: int
    text: str
    score: float | None = None
    template: bool = False


@dataclasses.dataclass(frozen=True)
class TokenScores:
    """One token of the explained sequence and its score under each method.

    ``special`` marks tokens with no characters of their own (the tokenizer's BOS).
    ``scores[method]`` is ``None`` where the position is not scored (the target span and
    anything after it). ``template`` marks a prompt token of a chat prompt that comes from
    the chat template, not from any message's content.
    """

    text: str
    start: int
    end: int
    scores: Mapping[str, float | None]
    special: bool = False
    template: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "start": self.start, "end": self.end, "scores": dict(self.scores)}
        if self.special:
            d["special"] = True
        if self.template:
            d["template"] = True
        return d


@dataclasses.dataclass(frozen=True)
class SegmentScores:
    """Scores a method computed directly per segment (occlusion), not per token.

    ``values[k]`` belongs to ``boundaries[granularity][k]`` of the result; ``None`` where the
    segment was not scored.
    """

    granularity: str
    values: tuple[float | None, ...]


@dataclasses.dataclass(frozen=True)
class ResultRecord:
    """Sequence salience of one prompt + target, for one selected target span: the data alone.

    :class:`promptlight.result.SalienceResult` adds aggregation and rendering on top; this
    record is what the store, the API and the exports read and write.

    ``text`` is ``prompt + target``. ``prompt_span``, ``target_span`` and ``selected_span``
    are char ranges into ``text`` (the selected span lies inside the target span).
    ``boundaries[g]`` lists the segments of granularity ``g`` as ``Span`` s that partition
    ``text``; any client can re-aggregate token scores without a model call.
    ``methods[m]`` holds metadata of method ``m`` (``signed``, ``level`` and any
    method-specific numbers such as integrated gradients' ``completeness_gap``).
    ``messages`` is empty for a plain prompt; for a chat prompt (rendered with the model's
    chat template, ``text`` starting with the rendered prompt) it lists each message as
    ``{"role", "start", "end"}``, the char range of its content in ``text``.
    ``fields`` is empty unless the prompt was filled from a template; then it lists each
    filled field and template section as ``{"name", "start", "end"}`` (char ranges into
    ``text``; see :mod:`promptlight.data.template`), and ``boundaries["fields"]`` segments by them.
    """

    model: str
    text: str
    prompt_span: Span
    target_span: Span
    selected_span: Span
    objective: str
    objective_value: float
    method: str
    tokens: tuple[TokenScores, ...]
    target_token_span: tuple[int, int]
    boundaries: Mapping[str, tuple[Span, ...]]
    methods: Mapping[str, Mapping[str, Any]]
    segment_scores: Mapping[str, SegmentScores] = dataclasses.field(default_factory=dict)
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    device: str = ""
    dtype: str = ""
    objective_spec: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    foil: str | None = None
    f_target: float | None = None
    f_foil: float | None = None
    alternatives: tuple[Mapping[str, Any], ...] = ()
    messages: tuple[Mapping[str, Any], ...] = ()
    faithfulness: Mapping[str, Any] | None = None
    fields: tuple[Mapping[str, Any], ...] = ()
    variants: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)

    @property
    def prompt(self) -> str:
        return self.text[self.prompt_span.start : self.prompt_span.end]

    @property
    def target(self) -> str:
        return self.text[self.target_span.start : self.target_span.end]

    @property
    def selected_text(self) -> str:
        return self.text[self.selected_span.start : self.selected_span.end]

    def token_scores(self, method: str | None = None) -> list[float | None]:
        """Per-token scores of ``method`` (default: the result's primary method), ``None`` where unscored."""
        name = method or self.method
        if name not in self.methods:
            raise KeyError(f"Method {name!r} is not in this result. Available: {', '.join(sorted(self.methods))}.")
        return [t.scores.get(name) for t in self.tokens]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "model": self.model,
            "text": self.text,
            "prompt_span": self.prompt_span.to_list(),
            "target_span": self.target_span.to_list(),
            "selected_span": self.selected_span.to_list(),
            "objective": self.objective,
            "objective_value": self.objective_value,
            "method": self.method,
            "methods": {k: dict(v) for k, v in self.methods.items()},
            "tokens": [t.to_dict() for t in self.tokens],
            "target_token_span": list(self.target_token_span),
            "boundaries": {g: [s.to_list() for s in spans] for g, spans in self.boundaries.items()},
            "segment_scores": {
                m: {"granularity": s.granularity, "values": list(s.values)} for m, s in self.segment_scores.items()
            },
            "options": dict(self.options),
            "device": self.device,
            "dtype": self.dtype,
            "objective_spec": dict(self.objective_spec),
            "foil": self.foil,
            "f_target": self.f_target,
            "f_foil": self.f_foil,
            "alternatives": [dict(a) for a in self.alternatives],
            "messages": [dict(m) for m in self.messages],
            "faithfulness": None if self.faithfulness is None else dict(self.faithfulness),
            "fields": [dict(f) for f in self.fields],
            "variants": {m: dict(v) for m, v in self.variants.items()},
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        version = d.get("schema_version")
        if version not in READABLE_SCHEMA_VERSIONS:
            raise ValueError(
                f"Unsupported result schema_version {version!r}; this promptlight reads versions "
                f"{', '.join(map(str, READABLE_SCHEMA_VERSIONS))}."
            )
        return cls(
            model=d["model"],
            text=d["text"],
            prompt_span=Span(*d["prompt_span"]),
            target_span=Span(*d["target_span"]),
            selected_span=Span(*d["selected_span"]),
            objective=d["objective"],
            objective_value=float(d["objective_value"]),
            method=d["method"],
            methods={k: dict(v) for k, v in d["methods"].items()},
            tokens=tuple(
                TokenScores(
                    t["text"],
                    t["start"],
                    t["end"],
                    dict(t["scores"]),
                    bool(t.get("special", False)),
                    bool(t.get("template", False)),
                )
                for t in d["tokens"]
            ),
            target_token_span=(d["target_token_span"][0], d["target_token_span"][1]),
            boundaries={g: tuple(Span(*s) for s in spans) for g, spans in d["boundaries"].items()},
            segment_scores={
                m: SegmentScores(s["granularity"], tuple(s["values"])) for m, s in d.get("segment_scores", {}).items()
            },
            options=dict(d.get("options", {})),
            device=str(d.get("device", "")),
            dtype=str(d.get("dtype", "")),
            objective_spec=dict(d.get("objective_spec", {})),
            foil=d.get("foil"),
            f_target=None if d.get("f_target") is None else float(d["f_target"]),
            f_foil=None if d.get("f_foil") is None else float(d["f_foil"]),
            alternatives=tuple(dict(a) for a in d.get("alternatives", ())),
            messages=tuple(dict(m) for m in d.get("messages", ())),
            faithfulness=None if d.get("faithfulness") is None else dict(d["faithfulness"]),
            fields=tuple(dict(f) for f in d.get("fields", ())),
            variants={m: dict(v) for m, v in (d.get("variants") or {}).items()},
        )

    @classmethod
    def from_json(cls, text: str) -> Self:
        return cls.from_dict(json.loads(text))


def spans_from_pairs(pairs: Sequence[Sequence[int]]) -> tuple[Span, ...]:
    """``[(s, e), ...] -> (Span(s, e), ...)``."""
    return tuple(Span(int(a), int(b)) for a, b in pairs)
