"""Coarse-to-fine occlusion: leave out paragraphs first, then refine only where it matters.

The shown segments (``inputs.segments``, say words) are grouped into a tree by the coarser
levels of the same text (paragraphs, then sentences, then the segments themselves): a node is
the run of shown segments that share their paragraph (and sentence, ...). Each level's nodes
under the ``keep`` highest-|score| nodes of the level above are left out exactly, as
``occlusion`` leaves a segment out; a node not refined hands its own leave-one-out score to its
shown segments in equal parts (an estimate that keeps the node's total). A node with one child
passes its score down unchanged (removing it removes the same tokens). With ``keep`` at least
the number of nodes on every level the result is exact occlusion.

The idea of pruning a hierarchy of leave-one-out attributions follows Liu et al. (2024),
"AttriBoT: A Bag of Tricks for Efficiently Approximating Leave-One-Out Context Attribution".
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

from promptlight.salience.base import SalienceInputs

# Coarse to fine; a shown granularity is grouped by the levels above it in this order.
LEVELS = ("paragraphs", "sentences", "words")
_RANK = {"tokens": 0, "words": 1, "sentences": 2, "lines": 2, "paragraphs": 3}


def coarser_levels(granularity: str) -> tuple[str, ...]:
    """The grouping levels above ``granularity`` (paragraphs only, for messages, fields and regex segments)."""
    rank = _RANK.get(granularity)
    if rank is None:
        return ("paragraphs",)
    return tuple(level for level in LEVELS if _RANK[level] > rank)


def tree_keys(inputs: SalienceInputs, levels: Sequence[str]) -> list[tuple[int, ...]]:
    """Per shown segment ``k``: its path in the tree, ``(paragraph, sentence, ..., k)``.

    A segment belongs to the coarser span holding its first character; prefixes of the path
    are the nodes, so a sentence crossing a paragraph break is split between the two paragraphs.
    """
    from promptlight.segments import segment

    starts = [[s.start for s in segment(inputs.text, level)] for level in levels]
    return [
        tuple(max(0, bisect.bisect_right(level_starts, seg.start) - 1) for level_starts in starts) + (k,)
        for k, seg in enumerate(inputs.segments)
    ]


def coarse_to_fine(
    inputs: SalienceInputs,
    ranges: Sequence[tuple[int, int] | None],
    *,
    keep: int,
    left_out: Callable[[list[tuple[int, int]]], tuple[float, list[float]]],
) -> tuple[float, list[float | None], dict[str, Any]]:
    """``f`` of the full input, a score per shown segment, and counts of the work done.

    ``ranges[k]`` is the token range leaving segment ``k`` out removes (``None``: nothing to
    remove, score ``None``). ``left_out(spans)`` gives f of the full input and of the input
    without each token range of ``spans`` (occlusion's batched, prefix-cached passes). Counts: ``segments_scored`` (left out exactly, or the only child of
    a node that was), ``segments_estimated`` and their indices ``estimated_segments``,
    ``forward_passes`` (each level's prefix pass plus one per variant).
    """
    levels = coarser_levels(inputs.granularity)
    keys = tree_keys(inputs, levels)
    present = [k for k, r in enumerate(ranges) if r is not None]
    values: list[float | None] = [None] * len(ranges)
    scores: dict[tuple[int, ...], float] = {}
    members_of: dict[tuple[int, ...], list[int]] = {(): present}
    parents: list[tuple[int, ...]] = [()]
    f_full = 0.0
    passes = exact = 0
    estimated: list[int] = []
    for depth in range(1, len(levels) + 2):
        children: dict[tuple[int, ...], list[int]] = {}
        for parent in parents:
            for k in members_of[parent]:
                children.setdefault(keys[k][:depth], []).append(k)
        new = [c for c in children if not (c[:-1] in scores and children[c] == members_of[c[:-1]])]
        for child in children:
            members_of[child] = children[child]
            if child not in new:
                scores[child] = scores[child[:-1]]  # the only child: the same tokens leave
        if new:
            spans = [(ranges[m[0]][0], ranges[m[-1]][1]) for m in (children[c] for c in new)]  # type: ignore[index]
            f_full, dropped = left_out(spans)
            passes += 1 + len(new)
            scores.update((c, f_full - f) for c, f in zip(new, dropped))
        if depth == len(levels) + 1:  # the shown segments themselves
            for child in children:
                values[child[-1]] = scores[child]
                exact += 1
            break
        ranked = sorted(children, key=lambda c: -abs(scores[c]))
        for child in ranked[keep:]:  # not refined: an equal share of the node's score
            share = scores[child] / len(children[child])
            for k in children[child]:
                values[k] = share
            estimated += children[child]
        parents = ranked[:keep]
    if not passes:  # nothing removable: f of the input still counts
        f_full, _ = left_out([])
        passes = 1
    counts = {"segments_scored": exact, "segments_estimated": len(estimated), "forward_passes": passes}
    return f_full, values, {**counts, "estimated_segments": sorted(estimated)}
