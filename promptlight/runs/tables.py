"""Result records -> the rows of ``results.parquet`` and ``segments.parquet`` (plain dicts; pyarrow writes them).

``results``: one row per example × method, done or failed. ``segments``: one row per prompt
segment of every done row at the run's granularity, ranked the way every surface ranks
(:meth:`promptlight.result.SalienceResult.top_segments`: BOS's own score left out,
chat-template segments unranked). ``part`` names the template field or section a segment
lies in (``None`` without a template, or for text outside every part).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["RESULT_COLUMNS", "SEGMENT_COLUMNS", "rows_of"]

#: Column name -> pyarrow type name, in order.
RESULT_COLUMNS = {
    "key": "string",
    "row": "int64",
    "source": "string",
    "method": "string",
    "granularity": "string",
    "status": "string",
    "error": "string",
    "f": "float64",
    "objective": "string",
    "target": "string",
    "selected": "string",
    "top_segment": "string",
    "top_score": "float64",
    "faithfulness_ratio": "float64",
    "seconds": "float64",
    "model": "string",
    "device": "string",
    "dtype": "string",
    "template": "string",
}
SEGMENT_COLUMNS = {
    "key": "string",
    "row": "int64",
    "source": "string",
    "method": "string",
    "granularity": "string",
    "start": "int64",
    "end": "int64",
    "text": "string",
    "score": "float64",
    "rank": "int64",
    "part": "string",
    "template_text": "bool_",
}


def rows_of(outcome: Mapping[str, Any], *, granularity: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``results`` row and the ``segments`` rows of one outcome (see :mod:`promptlight.runs.worker`)."""
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(
        key=outcome["key"],
        row=int(outcome["row"]),
        source=outcome["source"],
        method=outcome["method"],
        granularity=granularity,
        status=outcome["status"],
        error=outcome.get("error"),
        seconds=float(outcome.get("seconds") or 0.0),
        template=outcome.get("template"),
    )
    if outcome.get("record") is None:
        return row, []
    from promptlight.report import display_segments, ranked
    from promptlight.result import SalienceResult

    record = SalienceResult.from_dict(outcome["record"])
    segments = display_segments(record, granularity, outcome["method"])  # prompt segments only
    order = ranked(segments, len(segments))
    check = record.faithfulness or {}
    row.update(
        f=record.objective_value,
        objective=record.objective,
        target=record.target,
        selected=record.selected_text,
        top_segment=order[0].text if order else None,
        top_score=order[0].score if order else None,
        faithfulness_ratio=(check.get("top1") or {}).get("ratio"),
        model=record.model,
        device=record.device,
        dtype=record.dtype,
    )
    rank = {(s.start, s.end): k for k, s in enumerate(order, start=1)}
    parts = [(int(p["start"]), int(p["end"]), str(p["name"])) for p in record.fields]
    rows = []
    for s in segments:
        rows.append(
            {
                "key": outcome["key"],
                "row": int(outcome["row"]),
                "source": outcome["source"],
                "method": outcome["method"],
                "granularity": granularity,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "score": s.score,
                "rank": rank.get((s.start, s.end)),
                "part": next((name for a, b, name in parts if a <= s.start and s.end <= b), None),
                "template_text": s.template,
            }
        )
    return row, rows
