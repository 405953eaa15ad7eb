"""Render a :class:`ResultRecord` for people: a self-contained HTML page, or coloured terminal text.

Both use the display rule of ``docs/result-schema.md``: colour by ``score / max|score|``
over the displayed prompt segments (BOS left out of the normalisation), a diverging map
for signed methods and a sequential one for unsigned methods.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping, Sequence
from typing import Any

from promptlight.salience.objective import quoted, unsigned_objective
from promptlight.segments import aggregate_result
from promptlight.types import ResultRecord, Segment

# Endpoints of the colour maps (RGB). Signed: blue (pulls the selection down) - white - red (pushes it up).
NEGATIVE = (33, 102, 172)
POSITIVE = (178, 24, 43)
UNSIGNED = (84, 39, 143)
WHITE = (255, 255, 255)


def display_segments(result: ResultRecord, granularity: str, method: str | None) -> list[Segment]:
    """Prompt segments with scores, BOS's own score left out (it would otherwise dominate the scale).

    Special tokens have empty spans at offset 0, so they always belong to the first segment.
    """
    name = method or result.method
    segments = aggregate_result(result, granularity, method=name)
    if result.methods.get(name, {}).get("level") != "tokens" or not segments:
        return segments
    bos = sum((t.scores.get(name) or 0.0) for t in result.tokens if t.special)
    first = segments[0]
    if not bos or first.score is None:
        return segments
    return [dataclasses.replace(first, score=first.score - bos), *segments[1:]]


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


def colour(value: float | None, *, signed: bool, intensity: float = 1.0) -> tuple[int, int, int] | None:
    """RGB for a normalised value in [-1, 1] (``None`` for unscored text)."""
    if value is None:
        return None
    v = max(-1.0, min(1.0, value * intensity))
    end = (POSITIVE if v >= 0 else NEGATIVE) if signed else UNSIGNED
    t = abs(v)
    return tuple(round(w + (e - w) * t) for w, e in zip(WHITE, end))  # type: ignore[return-value]


def objective_line(result: ResultRecord, method: str | None = None) -> str:
    """The objective sentence as shown for ``method``: an unsigned method's scores get no sign clause."""
    name = method or result.method
    if result.methods.get(name, {}).get("signed", True):
        return result.objective
    return unsigned_objective(result.objective, name)


def _text_colour(rgb: tuple[int, int, int]) -> str:
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return "#fff" if luminance < 140 else "#111"


def result_to_html(
    result: ResultRecord, *, granularity: str = "words", method: str | None = None, title: str | None = None
) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no network) with the heatmap and a legend."""
    name = method or result.method
    signed = bool(result.methods.get(name, {}).get("signed", True))
    segments = display_segments(result, granularity, name)
    values = normalised(segments)
    spans = []
    for seg, value in zip(segments, values):
        rgb = colour(value, signed=signed)
        text = html.escape(seg.text)
        if seg.template:
            tip = html.escape(f"chat template; {name} = {seg.score:.6g}" if seg.score is not None else "chat template")
            spans.append(f'<span class="seg template" title="{tip}">{text}</span>')
        elif rgb is None:
            spans.append(f'<span class="seg">{text}</span>')
        else:
            tip = html.escape(f"{name} = {seg.score:.6g}", quote=True)
            style = f"background: rgb{rgb}; color: {_text_colour(rgb)}"
            spans.append(f'<span class="seg" style="{style}" title="{tip}">{text}</span>')
    prompt_end = result.prompt_span.end
    sel = result.selected_span
    target_html = (
        html.escape(result.text[prompt_end : sel.start])
        + f'<mark class="selected">{html.escape(result.text[sel.start : sel.end])}</mark>'
        + html.escape(result.text[sel.end : result.target_span.end])
    )
    top_rows = "".join(
        f"<tr><td>{i}</td><td class=num>{s.score:.4g}</td><td><code>{html.escape(s.text.strip()[:120])}</code></td></tr>"
        for i, s in enumerate(ranked(segments, 10), 1)
    )
    low, high = ("pulls the selection down", "pushes the selection up") if signed else ("low", "high")
    legend_stops = [colour(x / 4, signed=signed) for x in range(-4 if signed else 0, 5)]
    gradient = ", ".join(f"rgb{c}" for c in legend_stops)
    meta = result.methods.get(name, {})
    extra = ""
    if "completeness_gap" in meta:
        extra = (
            f"<p>Integrated gradients, {meta['steps']} steps, {meta['baseline']} baseline: "
            f"completeness gap {meta['completeness_gap']:.4g} "
            f"(f(input) - f(baseline) = {meta['f_input'] - meta['f_baseline']:.4g}).</p>"
        )
    page_title = html.escape(title or f"promptlight: {name} at {granularity} level")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{page_title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; max-width: 960px; margin: 2rem auto; padding: 0 1rem; }}
h1 {{ font-size: 1.3rem; }} h2 {{ font-size: 1.05rem; margin-top: 1.6rem; }}
.text {{ white-space: pre-wrap; font: 14px/1.7 ui-monospace, "SFMono-Regular", Menlo, monospace; border: 1px solid #ddd; border-radius: 6px; padding: 1rem; background: #fafafa; }}
.seg {{ border-radius: 3px; }}
.template {{ color: #6b6b6b; border: 1px dashed #bbb; }}
mark.selected {{ background: #ffe066; outline: 1px solid #c9a600; }}
.legend {{ display: flex; align-items: center; gap: .6rem; font-size: .85rem; }}
.bar {{ width: 220px; height: 12px; border: 1px solid #ccc; background: linear-gradient(to right, {gradient}); }}
table {{ border-collapse: collapse; font-size: .9rem; }} td {{ padding: .2rem .6rem; border-bottom: 1px solid #eee; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.meta {{ color: #555; font-size: .9rem; }}
.check {{ border-left: 3px solid #888; padding: .2rem .6rem; background: #f4f4f4; }}
</style></head><body>
<h1>{page_title}</h1>
<p class="meta">Model <b>{html.escape(result.model)}</b>. Method <b>{html.escape(name)}</b> ({"signed" if signed else "unsigned"}), granularity <b>{html.escape(granularity)}</b>. {html.escape(objective_line(result, name))} Value of f: {result.objective_value:.4f}.{"".join(" " + html.escape(line) + "." for line in contrast_lines(result))}</p>
{"".join(f'<p class="check">{html.escape(line)}</p>' for line in check_lines(result))}
{extra}
<div class="legend"><span>{low}</span><span class="bar"></span><span>{high}</span><span class="meta">colour = score / max |score| over the prompt; hover for raw values</span></div>
<h2>Prompt</h2>
<div class="text">{"".join(spans)}</div>
<h2>Target (explained selection highlighted)</h2>
<div class="text">{target_html}</div>
<h2>Top segments</h2>
<table><tr><th>#</th><th>score</th><th>segment</th></tr>{top_rows}</table>
<p class="meta">Made with promptlight (result schema v{result.to_dict()["schema_version"]}).</p>
</body></html>
"""


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
    line = f"Removing the top {what} {_moves(top['drop'])}; a random {unit}: {_signed(top['random_median'])}"
    if top["ratio"] is not None and top["drop"] > 0:
        line += f" (x{top['ratio']:.1f})"
    three = check["top3"]
    if 1 < three["size"] < check["segments_ranked"]:  # removing every segment compares nothing
        line += f". Top {three['size']}: {_signed(three['drop'])} vs {_signed(three['random_median'])} at random"
    if not top["above_random"]:
        line += ". The top segment does no better than a random one here: read this heatmap with care"
    return line + "."


def _moves(drop: float) -> str:
    return f"lowers f by {drop:.3g} nats" if drop >= 0 else f"raises f by {-drop:.3g} nats"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


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
    lines = [
        f"{name} ({'signed' if signed else 'unsigned'}) at {granularity} level, model {result.model}",
        objective_line(result, name),
        *contrast_lines(result),
        *check_lines(result),
        "",
    ]
    if color:
        pieces = []
        for seg, value in zip(segments, values):
            rgb = None if seg.template else colour(value, signed=signed)
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
