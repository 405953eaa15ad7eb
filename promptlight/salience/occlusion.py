"""``occlusion``: leave one segment out and measure how much the objective drops.

    score_k = f(full sequence) - f(sequence without the tokens of segment k)     (signed)

Exact leave-one-out at the chosen granularity (tokens, words, sentences, lines,
paragraphs, or a regex). A segment's tokens are the prompt tokens assigned to it (by the
rule in ``docs/result-schema.md``); special tokens (BOS) are never removed. Variants are
evaluated in batches, and each batch reuses the key/value cache of the prefix its rows
share with the full sequence, so a variant costs only its suffix. Positive means the
segment pushes the selected text up. Reference: Zeiler & Fergus (2014), "Visualizing and
Understanding Convolutional Networks"; for text, Li, Monroe & Jurafsky (2016),
"Understanding Neural Networks through Representation Erasure".
"""

from __future__ import annotations

import copy

from promptlight.salience.base import MethodOutput, SalienceInputs, check_options, register_method
from promptlight.salience.objective import prediction_positions, target_logprob

DEFAULT_BATCH_SIZE = 8


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
    """``[seq] -> [seq - (b - a)]``: the sequence without tokens ``[a, b)``."""
    import torch

    a, b = removed
    return torch.cat([ids[:a], ids[b:]])


def _prefix_cache(full_cache, prefix_len: int, batch: int):
    """A copy of the full sequence's cache cut to ``prefix_len`` tokens, repeated ``batch`` times.

    ``None`` (recompute from scratch) when there is no prefix or the cache cannot be cut
    back (a sliding-window layer that already dropped states).
    """
    if prefix_len == 0 or full_cache is None:
        return None
    cache = copy.deepcopy(full_cache)
    try:
        cache.crop(prefix_len - cache.get_seq_length())  # a negative count removes that many tokens
    except (RuntimeError, ValueError):
        return None
    if batch > 1:
        cache.batch_repeat_interleave(batch)
    return cache


def _pad_rows(rows, pad_id: int):
    """``[len_r] ...`` -> ``[rows, max len]``, right-padded with ``pad_id``."""
    import torch

    batch = torch.full((len(rows), max(r.shape[0] for r in rows)), pad_id, dtype=rows[0].dtype)
    for j, row in enumerate(rows):
        batch[j, : row.shape[0]] = row
    return batch


def _target_objective(lm, hidden, ends, target_ids):
    """``f`` per row from hidden states whose row ``j`` ends (at ``ends[j]``) with the target tokens.

    ``[rows, width, d], [rows], [k] -> [rows]``; each target is predicted one position earlier.
    """
    import torch

    k = target_ids.shape[0]
    where = prediction_positions(ends[:, None] - k + torch.arange(k)[None])  # [rows, k]
    picked = hidden.gather(1, where[..., None].expand(-1, -1, hidden.shape[-1]))  # [rows, k, d]
    return target_logprob(lm.logits_from_hidden(picked), target_ids)  # [rows]


def occluded_objectives(
    inputs: SalienceInputs, removed: list[tuple[int, int]], *, batch_size: int
) -> tuple[float, list[float]]:
    """``f`` of the full sequence, and of each variant (the sequence without ``removed[r]``).

    One forward pass over the full sequence gives its ``f`` and the cache the variants reuse.
    Rows of a batch share the prefix before the earliest removed range; each row's suffix is
    right-padded, so causal attention never lets a real token see padding.
    """
    import torch

    lm, ids = inputs.lm, inputs.ids
    target_ids = ids[inputs.target_positions]  # [k]
    pad_id = lm.tokenizer.pad_token_id or 0
    order = sorted(range(len(removed)), key=lambda r: removed[r][0])
    with torch.no_grad():
        full = lm.backbone(ids[None], use_cache=True)
        f_full = float(_target_objective(lm, full.last_hidden_state, torch.tensor([ids.shape[0]]), target_ids)[0])
        full_cache = full.past_key_values if getattr(full.past_key_values, "is_croppable", False) else None
        results = [0.0] * len(removed)
        for lo in range(0, len(order), batch_size):
            rows = order[lo : lo + batch_size]
            # Keep one shared token in the batch: it predicts the first target when a row's removal ends there.
            prefix = max(0, removed[rows[0]][0] - 1) if full_cache is not None else 0
            cache = _prefix_cache(full_cache, prefix, len(rows))
            if cache is None:
                prefix = 0
            suffixes = [variant_ids(ids, removed[r])[prefix:] for r in rows]  # each [len_r]
            hidden = lm.backbone(_pad_rows(suffixes, pad_id), past_key_values=cache).last_hidden_state
            ends = torch.tensor([s.shape[0] for s in suffixes])  # [rows]
            f = _target_objective(lm, hidden, ends, target_ids)  # [rows]
            for j, r in enumerate(rows):
                results[r] = float(f[j])
    return f_full, results


@register_method(
    "occlusion",
    signed=True,
    level="segments",
    cost="1 forward pass per segment, each reusing the shared prefix's cache (batched)",
    reference="Zeiler & Fergus 2014, arXiv:1311.2901; Li et al. 2016, arXiv:1612.08220",
    description="f(full) - f(prompt without the segment), at the chosen granularity; exact leave-one-out.",
    options={"batch_size": f"variants per forward batch (default {DEFAULT_BATCH_SIZE})"},
)
def occlusion(inputs: SalienceInputs, *, batch_size: int = DEFAULT_BATCH_SIZE, **options) -> MethodOutput:
    check_options("occlusion", options, ())
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    ranges = removable_ranges(inputs)
    present = [r for r in ranges if r is not None]
    f_full, dropped = occluded_objectives(inputs, present, batch_size=batch_size)
    values: list[float | None] = []
    it = iter(dropped)
    for r in ranges:
        values.append(None if r is None else f_full - next(it))
    return MethodOutput(
        objective_value=f_full,
        segment_scores={"occlusion": values},
        info={"occlusion": {"segments_scored": len(present), "batch_size": batch_size}},
    )
