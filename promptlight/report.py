"""Render a :class:`ResultRecord` for people: coloured terminal text, and the words every surface shares.

The terminal uses the display rule of ``docs/result-schema.md``: colour by ``score / max|score|``
over the displayed prompt segments (BOS left out of the normalisation), on the web app's
colour maps (:mod:`promptlight.colour`). The objective line, the method notes and the
faithfulness summary here are the ones the HTML report (:mod:`promptlight.report_html`) and
the web app print.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from promptlight.colour import colour_of_normalised
from promptlight.number_text import format_score, js_number, short_number, to_fixed
from promptlight.salience.objective import quoted, unsigned_objective
from promptlight.segments import aggregate_result
from promptlight.types import ResultRecord, Segment


def display_segments(result: ResultRecord, granularity: str, method: str | None) -> list[Segment]:
    """Prompt segments with scores, special tokens' own scores left out (BOS would otherwise dominate the scale)."""
    return aggregate_result(result, granularity, method=method or result.method, skip_special=True)


def normalised(segments: Sequence[Segment]) -> list[float | None]:
    """``score / max|score|`` over the scored segments, in [-1, 1]; ``None`` stays ``None``.

    Chat-template segments are kept off the scale (their value may exceed 1 in magnitude).
    """
    peak = max((abs(s.score) for s in segments if s.score is not None and not s.template), default=0.0)
    return [None if s.score is None else (s.score / peak if peak > 0 else 0.0) for s in segments]


def ranked(segments: Sequence[Segment], k: int, *, include_template: bool = False) -> list[Segment]:
    """The ``k`` scored segments with the largest ``|score|``, largest first (chat-template ones left out)."""
    scored = [s for s in segments if s.score is not None and (include_template or not s.template)]
    return sorted(scored, key=lambda s: -abs(s.score or 0.0))[:k]


def objective_line(result: ResultRecord, method: str | None = None) -> str:
    """The objective sentence as shown for ``method``: an unsigned method's scores get no sign clause."""
    name = method or result.method
    if result.methods.get(name, {}).get("signed", True):
        return result.objective
    return unsigned_objective(result.objective, name)


def method_notes(result: ResultRecord, method: str) -> list[str]:
    """What the method's metadata says next to its scores (steps, IG's gap, samples...), as the web app lists it."""
    meta = result.methods.get(method)
    if not meta:
        return []

    def number(key: str) -> float | None:
        value = meta.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    notes = []
    if not meta.get("signed", True):
        notes.append("unsigned: how strongly a part moves f, not in which direction")
    if (steps := number("steps")) is not None:
        auto = ""
        if meta.get("auto") is True:
            auto = " (auto: gap under tolerance)" if meta.get("converged") is True else " (auto: not converged)"
        notes.append(f"{js_number(steps)} steps{auto}")
    if (gap := number("relative_gap")) is not None:
        notes.append(f"relative gap {to_fixed(100 * gap, 2 if gap < 0.01 else 1)}%")
    if isinstance(meta.get("baseline"), str):
        notes.append(f"baseline: {meta['baseline']}")
    f_input, f_baseline = number("f_input"), number("f_baseline")
    if f_input is not None and f_baseline is not None:
        notes.append(f"f(input) − f(baseline) = {format_score(f_input - f_baseline)}")
    if (completeness := number("completeness_gap")) is not None:
        notes.append(f"completeness gap {format_score(completeness)}")
    if meta.get("exact") is True:
        notes.append("exact Shapley values")
    elif (samples := number("samples")) is not None:
        notes.append(f"{js_number(samples)} samples")
    if (lds := number("lds")) is not None:
        notes.append(f"held-out fit (LDS) {to_fixed(lds, 2)}")
    exact, estimated = number("segments_scored"), number("segments_estimated")
    if meta.get("hierarchical") is True and exact is not None and estimated is not None:
        notes.append(
            f"coarse to fine: {js_number(exact)} scored exactly, "
            f"{js_number(estimated)} estimated from their paragraph or sentence"
        )
    if (passes := number("forward_passes")) is not None:
        notes.append(f"{js_number(passes)} forward passes")
    origin = meta.get("from_record")
    if isinstance(origin, Mapping) and isinstance(origin.get("selected_span"), list | tuple):
        a, b = origin["selected_span"]
        whole = a == 0 and b == len(result.target_span)
        notes.append(
            f"answered from the run over {'the whole target' if whole else f'target chars {a}–{b}'}, no model call"
        )
        held = int(origin.get("held_fixed") or 0)
        if held > 0:
            notes.append(
                f"the {held} target {'token' if held == 1 else 'tokens'} before the selection held fixed, not scored"
            )
    return notes


def _ansi_background(rgb: tuple[int, int, int]) -> str:
    """24-bit ANSI background ``rgb`` with black or white text, whichever reads better."""
    ink = 0 if sum(rgb) > 420 else 255
    return f"\x1b[48;2;{rgb[0]};{rgb[1]};{rgb[2]}m\x1b[38;2;{ink};{ink};{ink}m"


def contrast_lines(result: ResultRecord) -> list[str]:
    """For a contrastive result: both log-probabilities and the margin, in one line."""
    if result.foil is None or result.f_target is None or result.f_foil is None:
        return []
    return [
        f"log p(selection) = {result.f_target:.4f}, log p(foil {quoted(result.foil)}) = {result.f_foil:.4f}, "
        f"margin f = {result.f_target - result.f_foil:+.4f} nats"
    ]


_UNITS = {
    "tokens": "token",
    "words": "word",
    "sentences": "sentence",
    "lines": "line",
    "paragraphs": "paragraph",
    "messages": "message",
    "fields": "part",
}  # fmt: skip (frontend/src/salience.ts SEGMENT_UNITS)


def check_summary(check: Mapping[str, Any] | None) -> str:
    """One line for every surface: ``Removing the top line lowers f by 6.2 nats; a random line: 3.3 (x1.9).``"""
    if not check:
        return ""
    unit = _UNITS.get(check["granularity"], "segment")
    top = check["top1"]
    what = unit if top["size"] == 1 else f"{top['size']} {unit}s"
    line = f"Removing the top {what} {_moves(top['drop'])}; a random {unit}: {short_number(top['random_median'])}"
    if top["ratio"] is not None and top["drop"] > 0:
        line += f" (x{to_fixed(top['ratio'], 1)})"
    three = check["top3"]
    if 1 < three["size"] < check["segments_ranked"]:  # removing every segment compares nothing
        line += (
            f". Top {three['size']}: {short_number(three['drop'])} vs {short_number(three['random_median'])} at random"
        )
    if not top["above_random"]:
        line += ". The top segment does no better than a random one here: read this heatmap with care"
    return line + "."


def _moves(drop: float) -> str:
    return f"lowers f by {short_number(drop)} nats" if drop >= 0 else f"raises f by {short_number(-drop)} nats"


def check_lines(result: ResultRecord) -> list[str]:
    """The faithfulness check in one line (empty without a check)."""
    if not result.faithfulness:
        return []
    return [f"Faithfulness check at {result.faithfulness['granularity']}: {check_summary(result.faithfulness)}"]


def result_to_terminal(result: ResultRecord, *, granularity: str = "words", color: bool = True, top: int = 10) -> str:
    """The prompt with coloured heat (24-bit ANSI) and a ranked list of the top segments."""
    name = result.method
    signed = bool(result.methods.get(name, {}).get("signed", True))
    segments = display_segments(result, granularity, name)
    values = normalised(segments)
    notes = [n for n in method_notes(result, name) if not n.startswith("unsigned:")]  # the first line says so
    lines = [
        f"{name} ({'signed' if signed else 'unsigned'}) at {granularity} level, model {result.model}",
        *([f"{name}: {', '.join(notes)}"] if notes else []),
        objective_line(result, name),
        *contrast_lines(result),
        *check_lines(result),
        "",
    ]
    if color:
        pieces = []
        for seg, value in zip(segments, values):
            rgb = None if seg.template or value is None else colour_of_normalised(value, signed=signed)
            if seg.template:
                pieces.append(f"\x1b[2m{seg.text}\x1b[0m")  # dim: chat-template text
            else:
                pieces.append(seg.text if rgb is None else f"{_ansi_background(rgb)}{seg.text}\x1b[0m")
        lines.append("".join(pieces))
        sel = result.selected_span
        lines.append(
            result.text[result.prompt_span.end : sel.start]
            + f"\x1b[1;4m{result.text[sel.start : sel.end]}\x1b[0m"
            + result.text[sel.end : result.target_span.end]
        )
    else:
        lines.append(result.text)
    # The same ranking as SalienceResult.top_segments.
    top_list = ranked(segments, top)
    lines += ["", f"Top {len(top_list)} segments by |score|:"]
    for i, s in enumerate(top_list, 1):
        snippet = " ".join(s.text.split())
        snippet = snippet if len(snippet) <= 70 else snippet[:69] + "…"
        lines.append(f"{i:3}. {s.score:+.4g}  [{s.start}:{s.end}]  {snippet}")
    return "\n".join(lines)
