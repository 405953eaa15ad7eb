"""The self-contained HTML report of one result: the same page the web app's "HTML report" exports.

One template on two surfaces: ``frontend/src/report.ts`` builds it in the browser (with the
view's intensity and BOS choices), :func:`result_to_html` builds it here for the CLI and the
Python API. Both inline ``promptlight/report.css``, cut the text into the same pieces
(``buildDisplay`` in ``frontend/src/salience.ts``: special tokens, prompt segments cut at the
prompt's end and the selection, the target), colour them on the same scale
(:mod:`promptlight.colour`) and write numbers the same way (:mod:`promptlight.number_text`),
so for the same record and options the two pages are equal byte for byte.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache
from importlib import resources

from promptlight.colour import Scale, legend_gradient, legend_range, style_for
from promptlight.number_text import format_score, to_fixed
from promptlight.report import check_summary, method_notes, objective_line
from promptlight.segments import aggregate_result, is_template_segment, resolve_granularity, result_boundaries
from promptlight.types import ResultRecord

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def escape_html(text: str) -> str:
    """Escape text for element content and (double- or single-quoted) attribute values."""
    return "".join(_ESCAPES.get(c, c) for c in text)


@cache
def report_css() -> str:
    """The report's style sheet, shipped inside the package."""
    return resources.files("promptlight").joinpath("report.css").read_text(encoding="utf-8")


@dataclasses.dataclass(frozen=True)
class _Piece:
    text: str
    region: str  # "special" | "prompt" | "target"
    score: float | None
    selected: bool = False
    on_scale: bool = False
    template: bool = False


@dataclasses.dataclass(frozen=True)
class _Ranked:
    start: int
    text: str
    score: float


def _special_label(index: int, text: str) -> str:
    if text.strip():
        return text
    return "BOS" if index == 0 else "special"


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _display(
    result: ResultRecord, granularity: str, method: str, *, include_bos: bool, gain: float
) -> tuple[list[_Piece], Scale, list[_Ranked]]:
    """The pieces of ``result.text`` with their scores, the colour scale and the ranked prompt segments."""
    if method not in result.methods:
        raise ValueError(f"This result has no {method!r} scores. Available: {', '.join(sorted(result.methods))}.")
    signed = bool(result.methods[method].get("signed", True))
    spans = result_boundaries(result, resolve_granularity(granularity))
    # [n_segments] over the whole text; special tokens' scores left out (BOS would dominate the scale).
    values = [
        s.score for s in aggregate_result(result, granularity, method=method, prompt_only=False, skip_special=True)
    ]
    prompt_end = result.prompt_span.end
    sel_start, sel_end = result.selected_span.start, result.selected_span.end
    specials = [(t.start, i, t) for i, t in enumerate(result.tokens) if t.special]
    pieces: list[_Piece] = []
    next_special = 0

    def push_specials_up_to(pos: float) -> None:
        nonlocal next_special
        while next_special < len(specials) and specials[next_special][0] <= pos:
            start, index, token = specials[next_special]
            next_special += 1
            in_prompt = start < prompt_end or (start == 0 and prompt_end == 0)
            score = token.scores.get(method)
            pieces.append(
                _Piece(
                    _special_label(index, token.text),
                    "special",
                    score,
                    on_scale=in_prompt and include_bos and score is not None,
                )
            )

    for span, value in zip(spans, values):
        points = sorted(
            {span.start, span.end, *(c for c in (prompt_end, sel_start, sel_end) if span.start < c < span.end)}
        )
        for a, b in zip(points, points[1:]):
            push_specials_up_to(a)
            in_prompt = b <= prompt_end
            template = in_prompt and is_template_segment(result, a, b)
            pieces.append(
                _Piece(
                    result.text[a:b],
                    "prompt" if in_prompt else "target",
                    value if in_prompt else None,
                    selected=a >= sel_start and b <= sel_end and a < b,
                    on_scale=in_prompt and value is not None and (not template or include_bos),
                    template=template,
                )
            )
    push_specials_up_to(math.inf)

    peak = max((abs(p.score) for p in pieces if p.on_scale and _finite(p.score)), default=0.0)  # type: ignore[arg-type]
    ranked = []
    for span, value in zip(spans, values):
        if value is None or span.start >= prompt_end:
            continue
        end = min(span.end, prompt_end)
        if is_template_segment(result, span.start, end) and not include_bos:
            continue
        ranked.append(_Ranked(span.start, result.text[span.start : end], value))
    ranked.sort(key=lambda r: (-abs(r.score), r.start))
    return pieces, Scale(signed=signed, max_abs=peak, gain=gain), ranked


def _span_html(piece: _Piece, scale: Scale) -> str:
    e = escape_html
    tip = "" if piece.score is None else f' title="{e(f"score {format_score(piece.score)}")}"'
    if piece.region == "special":
        return f'<span class="special"{tip}>{e(piece.text)}</span>'
    if piece.region == "target":
        return f'<span class="{"target selected" if piece.selected else "target"}">{e(piece.text)}</span>'
    style = style_for(piece.score, scale) if piece.on_scale else None
    colours = f' style="background:{style[0]};color:{style[1]}"' if style else ""
    return f'<span class="{"seg template" if piece.template else "seg"}"{colours}{tip}>{e(piece.text)}</span>'


def _facts(result: ResultRecord, granularity: str, method: str) -> list[tuple[str, str]]:
    notes = method_notes(result, method)
    sel = result.selected_span
    rows = [
        ("model", result.model),
        ("method", method + (f" ({', '.join(notes)})" if notes else "")),
        ("granularity", granularity),
        ("selected target", result.text[sel.start : sel.end]),
        ("objective", objective_line(result, method)),
        ("f", f"{format_score(result.objective_value)} nats"),
    ]
    if isinstance(result.foil, str) and result.f_target is not None and result.f_foil is not None:
        rows += [
            ("versus (foil)", result.foil),
            ("log p(selection), log p(foil)", f"{format_score(result.f_target)}, {format_score(result.f_foil)} nats"),
        ]
    if result.faithfulness:
        rows.append((f"faithfulness ({result.faithfulness['granularity']})", check_summary(result.faithfulness)))
    return rows


def _section(result: ResultRecord, granularity: str, method: str, *, include_bos: bool, gain: float) -> str:
    """The report's body: the facts, the heatmap with its legend, the top segments."""
    e = escape_html
    pieces, scale, ranked = _display(result, granularity, method, include_bos=include_bos, gain=gain)
    spans = "".join(_span_html(p, scale) for p in pieces)
    low, high = legend_range(scale)
    if scale.signed:
        labels = [f"{format_score(low)} pulls the selection down", f"{format_score(high)} pushes it up"]
    else:
        labels = ["0", f"{format_score(high)} (unsigned: more influence)"]
    top = "".join(
        f'<tr><td class="num">{i}</td><td class="num">{e(format_score(r.score))}</td><td class="text">{e(r.text)}</td></tr>'
        for i, r in enumerate(ranked[:10], 1)
    )
    facts = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _facts(result, granularity, method))
    bos = "" if include_bos else " (BOS left out)"
    return f"""<dl>{facts}</dl>

<h2>Salience over the prompt</h2>
<div class="legend"><span>{e(labels[0])}</span><span class="bar" style="background:{legend_gradient(scale.signed)}"></span>{"".join(f"<span>{e(label)}</span>" for label in labels[1:])}</div>
<p class="meta">Colour = score / max |score| over the prompt {e(granularity)}{bos}, intensity ×{e(to_fixed(gain, 2))}. Hover a segment for its raw score. The selected target is underlined.</p>
<div class="heatmap">{spans}</div>
<h2>Top segments</h2>
<table><thead><tr><th>#</th><th>score</th><th>segment</th></tr></thead><tbody>{top}</tbody></table>"""


def result_to_html(
    result: ResultRecord,
    *,
    granularity: str = "words",
    method: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    include_bos: bool = False,
    gain: float = 1.0,
) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no network) showing ``method`` at ``granularity``.

    ``gain`` is the intensity (2: half of max |score| already gets full colour); ``include_bos``
    puts special tokens and chat-template text on the colour scale and in the ranking.
    Raises ``ValueError`` for a method the result lacks, or a segment-level method asked at
    another granularity than it was run at.
    """
    if not (math.isfinite(gain) and gain > 0):
        raise ValueError(f"gain must be a positive number, got {gain!r}.")
    name = method or result.method
    page_title = title if title is not None else f"promptlight salience: {result.model}"
    body = _section(result, granularity, name, include_bos=include_bos, gain=gain)
    e = escape_html
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(page_title)}</title>
<style>
{report_css()}</style>
</head>
<body>
<h1>{e(page_title)}</h1>
{f'<p class="meta">{e(subtitle)}</p>' if subtitle else ""}
{body}
<footer>Made with promptlight. Result schema version {e(str(result.to_dict()["schema_version"]))}.</footer>
</body>
</html>
"""
