"""The reference occlusion is checked against: explicit re-runs, each a plain full forward of
the shortened ids (full logits everywhere, no cache)."""

from __future__ import annotations

import pytest
import torch

from promptlight.segments import assign_tokens
from promptlight.types import Span


def reference_f(lm, ids: torch.Tensor, k: int) -> float:
    """f of the last ``k`` tokens of ``ids`` by a plain full forward (full logits everywhere, no cache)."""
    with torch.no_grad():
        logprobs = torch.log_softmax(lm.module(input_ids=ids[None]).logits[0].double(), dim=-1)
    n = ids.shape[0]
    return float(sum(logprobs[j - 1, ids[j]] for j in range(n - k, n)))


def assert_occlusion_equals_reruns(lm, result, granularity: str, *, abs_tol: float = 1e-4) -> int:
    """Each occlusion score of ``result`` equals f(full) - f(re-run without the segment's prompt tokens).

    Also checks the objective value against the full re-run. Returns how many segments were checked.
    """
    ids = torch.tensor(lm.tokenize(result.text).ids)
    first, last = result.target_token_span
    k = last - first
    full = reference_f(lm, ids[:last], k)
    assert result.objective_value == pytest.approx(full, abs=abs_tol)
    owner = assign_tokens(result.text, [Span(t.start, t.end) for t in result.tokens], result.boundaries[granularity])
    checked = 0
    for segment, value in enumerate(result.segment_scores["occlusion"].values):
        if value is None:
            continue
        keep = [i for i in range(last) if not (i < first and owner[i] == segment and not result.tokens[i].special)]
        assert value == pytest.approx(full - reference_f(lm, ids[keep], k), abs=abs_tol), segment
        checked += 1
    return checked
