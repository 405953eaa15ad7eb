"""``occlusion``: leave one segment out and measure how much the objective drops.

    score_k = f(full sequence) - f(sequence without the tokens of segment k)     (signed)

Exact leave-one-out at the chosen granularity (tokens, words, sentences, lines,
paragraphs, or a regex). A segment's tokens are the prompt tokens assigned to it (by the
rule in ``docs/result-schema.md``); special tokens (BOS) are never removed. Variants are
evaluated in batches through the objective, and each batch reuses the key/value cache of
the prefix its rows share with the full sequence, so a variant costs only its suffix. Positive means the
segment pushes the selected text up. Reference: Zeiler & Fergus (2014), "Visualizing and
Understanding Convolutional Networks"; for text, Li, Monroe & Jurafsky (2016),
"Understanding Neural Networks through Representation Erasure".

With ``hierarchical=true`` it goes coarse to fine (:mod:`promptlight.salience.coarse_to_fine`):
paragraphs first, then only inside the ``keep`` most important ones, down to the shown segments;
segments not refined get an equal share of their paragraph's (or sentence's) score.
"""

from __future__ import annotations

from typing import Any

from promptlight.progress import report
from promptlight.salience.base import MethodOutput, SalienceInputs, register_method
from promptlight.salience.options import Option
from promptlight.salience.variants import TokenRecorder, VariantLogprobs, fit_scores, records

DEFAULT_BATCH_SIZE = 8
DEFAULT_KEEP = 3


def removable_ranges(inputs: SalienceInputs) -> list[tuple[int, int] | None]:
    """Per segment, the token range ``[a, b)`` that leaving the segment out removes (or ``None``).

    Only scored, non-special tokens are removable; assignment is monotone, so each range is contiguous.
    """
    from promptlight.segments import assign_tokens

    owner = assign_tokens(inputs.text, inputs.token_spans, inputs.segments)
    ranges: list[tuple[int, int] | None] = [None] * len(inputs.segments)
    for i in range(inputs.num_scored):
        if inputs.special[i]:
            continue
        k = owner[i]
        current = ranges[k]
        ranges[k] = (i, i + 1) if current is None else (current[0], i + 1)
    return ranges


def variant_ids(ids, removed: tuple[int, int]):
    """``[n] -> [n - (b - a)]``: the sequence without tokens ``[a, b)``."""
    import torch

    a, b = removed
    return torch.cat([ids[:a], ids[b:]])


def occluded_objectives(
    inputs: SalienceInputs,
    removed: list[tuple[int, int]],
    *,
    batch_size: int,
    recorder: TokenRecorder | None = None,
) -> tuple[float, list[float]]:
    """``f`` of the full prefix, and of each variant (the prefix without ``removed[r]``).

    ``recorder`` (made for ``len(removed)`` rows) also collects the recorded target tokens'
    log-probabilities of the full prefix and of each variant (:mod:`promptlight.salience.variants`).

    One forward pass over the scored prefix gives the cache every variant reuses; the
    objective appends its tails to each row (see ``Objective.value_from_cache``). Rows of a
    batch share the prefix before the earliest removed range, less one token (it predicts
    the first tail token when a row's removal ends the prefix).
    """
    import torch

    lm, objective, prefix = inputs.lm, inputs.objective, inputs.prefix_ids
    order = sorted(range(len(removed)), key=lambda r: removed[r][0])
    results = [0.0] * len(removed)
    with torch.no_grad():
        _hidden, cache = lm.prefix_pass(prefix)
        del _hidden
        n = prefix.shape[0]
        extra: dict[str, Any] = {"per_token": recorder.buffer} if recorder is not None else {}
        f_full = float(objective.value_from_cache(lm, cache, prefix, n - 1, [prefix], observe=True, **extra)[0])
        if recorder is not None:
            recorder.take_full()
        for lo in range(0, len(order), batch_size):
            rows = order[lo : lo + batch_size]
            shared = max(0, removed[rows[0]][0] - 1)
            variants = [variant_ids(prefix, removed[r]) for r in rows]  # each [n - len(removed)]
            f = objective.value_from_cache(lm, cache, prefix, shared, variants, **extra)  # [rows]
            if recorder is not None:
                recorder.take_rows(rows)
            for j, r in enumerate(rows):
                results[r] = float(f[j])
            report(min(lo + batch_size, len(order)), len(order), "variants")
    return f_full, results


def leave_one_out(masks, values, f_full: float, options) -> tuple[Any, dict[str, Any]]:
    """Occlusion's refit: ``masks`` ``[m, m]`` (row ``j`` leaves player ``j`` out) -> ``f_full - values`` ``[m]``."""
    import numpy as np

    order = np.argmin(masks, axis=1) if masks.size else np.zeros(0, dtype=int)  # the player each row leaves out
    scores = np.zeros(masks.shape[1])
    scores[order] = f_full - np.asarray(values, dtype=np.float64)
    return scores, {"segments_scored": int(masks.shape[1])}


@register_method(
    "occlusion",
    signed=True,
    level="segments",
    cost="1 forward pass per segment, each reusing the shared prefix's cache (batched)",
    reference="Zeiler & Fergus 2014, arXiv:1311.2901; Li et al. 2016, arXiv:1612.08220",
    description="f(full) - f(prompt without the segment), at the chosen granularity; exact leave-one-out.",
    options=(
        Option("batch_size", int, DEFAULT_BATCH_SIZE, "variants per forward batch", minimum=1),
        Option(
            "hierarchical",
            bool,
            False,
            "coarse to fine: paragraphs first, then sentences and segments only inside the top ones",
        ),
        Option("keep", int, DEFAULT_KEEP, "with hierarchical: how many nodes of each level are refined", minimum=1),
    ),
    rows=lambda options, seq: options["batch_size"],
    refit=leave_one_out,
)
def occlusion(
    inputs: SalienceInputs,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    hierarchical: bool = False,
    keep: int = DEFAULT_KEEP,
) -> MethodOutput:
    ranges = removable_ranges(inputs)
    if hierarchical:
        from promptlight.salience.coarse_to_fine import coarse_to_fine, coarser_levels

        f_full, scores, counts = coarse_to_fine(
            inputs, ranges, keep=keep, left_out=lambda spans: occluded_objectives(inputs, spans, batch_size=batch_size)
        )
        exhaustive = sum(r is not None for r in ranges) + 1
        return MethodOutput(
            objective_value=f_full,
            segment_scores={"occlusion": scores},
            info={
                "occlusion": {
                    **counts,
                    "batch_size": batch_size,
                    "hierarchical": True,
                    "keep": keep,
                    "levels": [*coarser_levels(inputs.granularity), inputs.granularity],
                    "forward_passes_saved": exhaustive - counts["forward_passes"],
                }
            },
        )
    import numpy as np

    players = [k for k, r in enumerate(ranges) if r is not None]
    present = [r for r in ranges if r is not None]
    recorder = TokenRecorder(len(present)) if records(inputs.objective) else None
    f_full, dropped = occluded_objectives(inputs, present, batch_size=batch_size, recorder=recorder)
    masks = ~np.eye(len(players), dtype=bool)  # [m, m]: row j leaves player j out
    variants = VariantLogprobs.of_run(recorder, inputs, players=players, masks=masks)
    values, info = fit_scores(leave_one_out, players, masks, dropped, f_full, {}, len(inputs.segments))
    return MethodOutput(
        objective_value=f_full,
        segment_scores={"occlusion": values},
        info={"occlusion": {**info, "batch_size": batch_size}},
        variants={"occlusion": variants} if variants is not None else {},
    )
