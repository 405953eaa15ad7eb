"""A new selection inside the same target, answered from a perturbation result's record: no model call.

    new = reselect(result, target_span=(start, end))     # chars of the target, as explain takes them

Occlusion and the ablation family keep, for each variant they evaluated, the log-probability
of every target token from the first selected one to the end of the target
(``result.variants``, :mod:`promptlight.salience.variants`). A selection whose tokens lie in
that range has ``f`` of each variant as a sum over the record; the method's own fit (the
``refit`` it registered, the same function its run uses) gives the scores. For a selection
that starts at the first run's first selected token this equals a new run exactly (to float
rounding); for one that starts later, the target tokens between are context in both, but were
never left out, so they are not scored here (a new run would score them too), and the
ablation family's players stay the first run's segments.

Gradient methods, the contrastive objective (the foil's sequence depends on where the
selection starts) and coarse-to-fine occlusion (which segments are refined depends on the
selection) keep no record and need a model call; so does the faithfulness check.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from promptlight.errors import InvalidArgument
from promptlight.result import SalienceResult
from promptlight.types import Span


def can_reselect(result: SalienceResult) -> bool:
    """Whether ``result`` keeps what :func:`reselect` needs (its method's variant record)."""
    return result.method in result.variants


def reselect(result: SalienceResult, *, target_span: tuple[int, int]) -> SalienceResult:
    """``result`` for the selection ``target_span`` (char range of the target), computed from its record.

    The new result has the new selection, objective and scores, the alternatives of the tokens
    it covers, no faithfulness check (that needs the model), and ``methods[m]["from_record"]``
    saying what it was answered from. :class:`~promptlight.errors.InvalidArgument` (field
    ``target_span``) when the selection's tokens are not all recorded, or (field ``method``)
    when the result keeps no record.
    """
    from promptlight.pipeline import selected_char_span, target_token_range
    from promptlight.salience import get_method
    from promptlight.salience.objective import describe_objective
    from promptlight.salience.variants import VariantLogprobs, fit_scores

    method = result.method
    if method not in result.variants:
        raise InvalidArgument(
            f"This {method} result keeps no per-token record of its variants, so a new selection needs a model call "
            "(records are kept by occlusion, kernel_shap, lime and context_cite on the plain objective, "
            "not by gradient methods, a foil or coarse-to-fine occlusion).",
            field="method",
        )
    info = get_method(method)
    if info.refit is None:
        raise InvalidArgument(f"Method {method!r} has no refit to answer a new selection with.", field="method")
    record = VariantLogprobs.from_dict(result.variants[method])
    selected = selected_char_span(result.prompt, result.target, target_span)
    spans = tuple(Span(t.start, t.end) for t in result.tokens)
    first, last = target_token_range(spans, tuple(t.special for t in result.tokens), selected)
    lo, hi = record.first_token, record.first_token + record.num_tokens
    if not 1 <= lo < hi <= len(result.tokens):
        raise InvalidArgument(
            f"The record's tokens [{lo}, {hi}) do not lie in this result's {len(result.tokens)} tokens.",
            field="variants",
        )
    if first < lo or last > hi:
        recorded = Span(result.tokens[lo].start, result.tokens[hi - 1].end)
        raise InvalidArgument(
            f"target_span {list(target_span)} reaches tokens this run did not record: it recorded the target from "
            f"char {recorded.start - result.target_span.start} to {recorded.end - result.target_span.start} "
            "(its selection to the end of the target). Select inside that, or run the method again.",
            field="target_span",
        )
    if record.granularity not in result.boundaries:
        raise InvalidArgument(
            f"The record's granularity {record.granularity!r} has no boundaries in this result.", field="variants"
        )
    num_segments = len(result.boundaries[record.granularity])
    if any(not 0 <= k < num_segments for k in record.players):
        raise InvalidArgument(
            f"The record's players must index the {num_segments} {record.granularity} segments.", field="variants"
        )
    f_full, values = record.values(first, last)
    try:
        scores, fit_info = fit_scores(
            info.refit, record.players, record.masks(), values, f_full, result.options, num_segments
        )
    except (ValueError, IndexError, KeyError, TypeError, ArithmeticError) as exc:  # a record edited by hand
        raise InvalidArgument(
            f"The {method} record does not fit this result's options ({exc!r}); it was not written by this method.",
            field="variants",
        ) from None
    if first > lo:  # a segment partly in the held-fixed tokens was only partly left out: no score of its own
        from promptlight.segments import assign_tokens

        owner = assign_tokens(result.text, spans, result.boundaries[record.granularity])
        for i in range(lo, first):
            if not result.tokens[i].special:
                scores[owner[i]] = None
    selected_text = result.text[selected.start : selected.end]
    meta: dict[str, Any] = {k: v for k, v in result.methods[method].items() if k != "forward_passes"}
    meta.update(fit_info)
    run = result.selected_span  # the run the record was made by (a reselected result keeps naming it)
    origin = result.methods[method].get("from_record") or {
        "selected_span": [run.start - result.target_span.start, run.end - result.target_span.start]
    }
    meta["from_record"] = {"selected_span": list(origin["selected_span"]), "held_fixed": first - lo}
    spec = {**result.objective_spec, "selected_text": selected_text, "target_tokens": last - first}
    return dataclasses.replace(
        result,
        selected_span=selected,
        objective=describe_objective(last - first, selected_text),
        objective_value=f_full,
        target_token_span=(first, last),
        methods={**result.methods, method: meta},
        segment_scores={
            **result.segment_scores,
            method: dataclasses.replace(result.segment_scores[method], values=tuple(scores)),
        },
        objective_spec=spec,
        alternatives=tuple(a for a in result.alternatives if first <= int(a["token_index"]) < last),
        faithfulness=None,
    )


__all__ = ["can_reselect", "reselect"]
