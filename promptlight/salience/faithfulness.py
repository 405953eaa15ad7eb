"""The faithfulness check: does removing what a heatmap ranks highest lower ``f`` more than chance?

    drop(S) = f(full prompt) - f(prompt without the segments S)          (nats; > 0: f fell)

At the result's granularity, the method's top-1 and top-3 segments are removed (a signed
method ranks by score, highest first: those push the selection up the most; an unsigned one
by magnitude), and so are ``random_sets`` seeded random sets of the same sizes drawn from the
same segments. A faithful heatmap's drops are well above the random medians; a drop at or
below them means the ranking is no better than chance for this prompt, whatever the colours
suggest. Removal is the ablation engine's (occlusion's removal), so the check costs
``2 + 2 * random_sets`` forward passes over suffixes, reusing one prefix cache.

The ranked segments are the ones every surface ranks (``report.display_segments``: prompt
segments, BOS's own score left out, chat-template segments excluded).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from promptlight.salience.ablation import ablated_objectives, removable_segments

if TYPE_CHECKING:  # pragma: no cover
    from promptlight.salience.base import SalienceInputs

RANDOM_SETS = 8
SIZES = (1, 3)


def rank_for_check(scores: Sequence[tuple[int, float]], *, signed: bool) -> list[int]:
    """``[(segment index, score)]`` -> indices, most important first: by score (signed) or by magnitude."""
    key = (lambda p: -p[1]) if signed else (lambda p: -abs(p[1]))
    return [index for index, _ in sorted(scores, key=key)]


def check_faithfulness(
    inputs: SalienceInputs,
    scores: Sequence[tuple[int, float]],
    *,
    signed: bool,
    seed: int = 0,
    random_sets: int = RANDOM_SETS,
    batch_size: int = 8,
) -> dict[str, Any] | None:
    """The check's record entry (see ``docs/result-schema.md``), or ``None`` with nothing to remove.

    ``scores``: ``(index into inputs.segments, score)`` for each segment the surfaces rank.
    """
    import numpy as np

    removable = removable_segments(inputs)
    column = {k: j for j, k in enumerate(removable.segments)}
    candidates = [(k, s) for k, s in scores if k in column]
    if not candidates:
        return None
    order = rank_for_check(candidates, signed=signed)
    pool = [k for k, _ in candidates]
    rng = np.random.default_rng(seed)
    sets: list[tuple[str, int, list[int]]] = []  # (kind, size, segment indices)
    for size in SIZES:
        size = min(size, len(pool))
        sets.append(("top", size, order[:size]))
        for _ in range(random_sets):
            sets.append(("random", size, [int(k) for k in rng.choice(pool, size=size, replace=False)]))
    masks = np.ones((len(sets), len(removable)), dtype=bool)
    for row, (_kind, _size, chosen) in enumerate(sets):
        for k in chosen:
            masks[row, column[k]] = False
    f_full, values = ablated_objectives(inputs, removable, masks, batch_size=batch_size)
    out: dict[str, Any] = {
        "granularity": inputs.granularity,
        "ranked_by": "score" if signed else "magnitude",
        "f": f_full,
        "random_sets": random_sets,
        "seed": seed,
        "segments_ranked": len(pool),
        "forward_passes": len(sets) + 1,
    }
    for wanted in SIZES:
        size = min(wanted, len(pool))
        rows = [r for r, (_kind, s, _) in enumerate(sets) if s == size]
        top = next(r for r in rows if sets[r][0] == "top")
        random_rows = [r for r in rows if sets[r][0] == "random"]
        random_drops = [f_full - values[r] for r in random_rows]
        random = [{"segments": sets[r][2], "drop": d} for r, d in zip(random_rows, random_drops)]
        drop = f_full - values[top]
        median = statistics.median(random_drops) if random_drops else None
        out[f"top{wanted}"] = {
            "size": size,
            "segments": sets[top][2],
            "drop": drop,
            "random_median": median,
            "random": random,
            "ratio": drop / median if median is not None and median > 1e-9 else None,
            "above_random": bool(median is not None and drop > median),
        }
    return out
