"""One ranking on every surface: Python's ``top_segments``, the CLI's list and the display leave
special tokens' own scores (BOS) out of the segment that holds them."""

from __future__ import annotations

import re

import pytest

from promptlight.pipeline import explain
from promptlight.report import result_to_terminal

pytestmark = pytest.mark.unit

PROMPT = "Taste-likes: creamy rice dishes, garlic.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nAnalysis:"
TARGET = " It has eggs. Recommendation: Avoid it."


@pytest.mark.parametrize("method", ["grad_l2", "grad_dot_input"])
def test_python_and_the_cli_rank_the_same_segments_with_the_same_scores(tiny, method):
    result = explain(tiny, PROMPT, target=TARGET, method=method, granularity="lines")
    top = result.top_segments("lines", k=10)
    listed = re.findall(r"^\s*\d+\. ([+-][\d.e+-]+)\s+\[(\d+):(\d+)\]", result_to_terminal(result, granularity="lines", color=False), re.M)
    assert [(s.start, s.end) for s in top] == [(int(a), int(b)) for _, a, b in listed]
    assert [float(f"{s.score:+.4g}") for s in top] == [float(v) for v, _, _ in listed]
    # The first line holds BOS; its ranked score is its own tokens' sum, without BOS's.
    bos = sum(t.scores[method] for t in result.tokens if t.special)
    first = result.aggregate("lines", method=method)[0]
    ranked_first = next(s for s in top if s.start == first.start)
    assert abs(bos) > 1e-6
    assert ranked_first.score == pytest.approx(first.score - bos, abs=1e-9)
