"""The ablation engine: ``f`` of the prompt with any set of segments left out, batched.

    f(keep) = objective on the prefix without the tokens of every segment k with keep[k] = False

A *mask* is one boolean per removable segment (True = kept). Removal is exactly what
occlusion does (the tokens go, nothing replaces them); special tokens (BOS, chat-template
tokens) are never removed. Variants are evaluated in batches through
``Objective.value_from_cache``, sorted by their first removed token so that each batch
reuses the key/value cache of the prefix its rows share: a variant costs only its suffix.

KernelSHAP, LIME, the ContextCite surrogate and the faithfulness check are built on
:func:`ablated_objectives`. When the model has no BOS, the first token is kept in every
variant (an empty prefix cannot be scored): a segment made of that token alone is not removable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from promptlight.progress import report

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import torch

    from promptlight.salience.base import SalienceInputs
    from promptlight.salience.variants import TokenRecorder, VariantLogprobs

DEFAULT_BATCH_SIZE = 8


@dataclasses.dataclass(frozen=True)
class Removable:
    """The segments an ablation can leave out: ``segments[j]`` is an index into ``inputs.segments``
    and ``ranges[j]`` the token ranges ``[a, b)`` leaving it out removes (ascending, disjoint)."""

    segments: tuple[int, ...]
    ranges: tuple[tuple[tuple[int, int], ...], ...]

    def __len__(self) -> int:
        return len(self.segments)


def removable_segments(inputs: SalienceInputs) -> Removable:
    """Every segment with at least one removable token (scored, not special, not a kept first token)."""
    from promptlight.segments import assign_tokens

    owner = assign_tokens(inputs.text, inputs.token_spans, inputs.segments)
    fixed = set(i for i in range(inputs.num_scored) if inputs.special[i])
    if not inputs.special[0]:
        fixed.add(0)  # no BOS: keep one token so that every variant can be scored
    by_segment: dict[int, list[tuple[int, int]]] = {}
    for i in range(inputs.num_scored):
        if i in fixed:
            continue
        runs = by_segment.setdefault(owner[i], [])
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    order = sorted(by_segment)
    return Removable(tuple(order), tuple(tuple(by_segment[k]) for k in order))


def masked_ids(prefix: torch.Tensor, removed: Sequence[tuple[int, int]]) -> torch.Tensor:
    """``[n] -> [n - removed tokens]``: the prefix without the token ranges ``removed`` (ascending)."""
    import torch

    pieces, at = [], 0
    for a, b in removed:
        pieces.append(prefix[at:a])
        at = b
    pieces.append(prefix[at:])
    return torch.cat(pieces)


def ablated_objectives(
    inputs: SalienceInputs,
    removable: Removable,
    masks: np.ndarray,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    recorder: TokenRecorder | None = None,
) -> tuple[float, list[float]]:
    """``f`` of the unchanged prefix, and of each mask's variant: ``masks`` is ``[rows, len(removable)]`` bool.

    One forward pass over the scored prefix gives the cache every variant reuses (as in
    occlusion). Rows are evaluated in order of their first removed token, ``batch_size`` at a time.
    ``recorder`` (made for ``rows`` rows) also collects the recorded target tokens'
    log-probabilities of each variant (:mod:`promptlight.salience.variants`).
    """
    import torch

    lm, objective, prefix = inputs.lm, inputs.objective, inputs.prefix_ids
    n = prefix.shape[0]
    removed = [
        sorted(r for j, keep in enumerate(row) if not keep for r in removable.ranges[j]) for row in masks.tolist()
    ]
    first = [rows[0][0] if rows else n for rows in removed]
    order = sorted(range(len(removed)), key=lambda r: first[r])
    results = [0.0] * len(removed)
    with torch.no_grad():
        _hidden, cache = lm.prefix_pass(prefix)
        del _hidden
        extra: dict[str, Any] = {"per_token": recorder.buffer} if recorder is not None else {}
        f_full = float(objective.value_from_cache(lm, cache, prefix, n - 1, [prefix], observe=True, **extra)[0])
        if recorder is not None:
            recorder.take_full()
        for lo in range(0, len(order), batch_size):
            rows = order[lo : lo + batch_size]
            shared = max(0, min(first[rows[0]], n) - 1)
            variants = [masked_ids(prefix, removed[r]) for r in rows]  # each [n - removed tokens]
            f = objective.value_from_cache(lm, cache, prefix, shared, variants, **extra)  # [rows]
            if recorder is not None:
                recorder.take_rows(rows)
            for j, r in enumerate(rows):
                results[r] = float(f[j])
            report(min(lo + batch_size, len(order)), len(order), "variants")
    return f_full, results


def run_ablations(
    inputs: SalienceInputs, removable: Removable, masks: np.ndarray, *, batch_size: int
) -> tuple[float, list[float], VariantLogprobs | None]:
    """:func:`ablated_objectives`, recording the variants when the objective records (a plain one does)."""
    from promptlight.salience.variants import TokenRecorder, VariantLogprobs, records

    recorder = TokenRecorder(len(masks)) if records(inputs.objective) else None
    f_full, values = ablated_objectives(inputs, removable, masks, batch_size=batch_size, recorder=recorder)
    return f_full, values, VariantLogprobs.of_run(recorder, inputs, players=removable.segments, masks=masks)


def random_masks(rows: int, size: int, keep_probability: float, rng: np.random.Generator) -> np.ndarray:
    """``[rows, size]`` bool: each segment kept independently with ``keep_probability``."""
    return rng.random((rows, size)) < keep_probability
