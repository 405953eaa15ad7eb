"""A new selection inside the same target, answered from a perturbation result's record.

Properties a reviewer can check: for a selection that starts where the first run's did, the
record's answer equals a new run (every method, scores and f); for one that starts later,
occlusion's scores still equal explicit re-runs without any cache, and the target segments
held fixed are unscored; what cannot be answered says so, naming the field. (Tolerance 1e-4:
a run sums its float32 per-token log-probabilities in float32, the record in float64.)
"""

from __future__ import annotations

import pytest

from promptlight.errors import InvalidArgument
from promptlight.pipeline import explain
from promptlight.reselect import can_reselect, reselect
from promptlight.result import SalienceResult
from tests.reruns import assert_occlusion_equals_reruns

pytestmark = pytest.mark.unit

PERTURBATION = ("occlusion", "kernel_shap", "lime", "context_cite")
PROMPT = "Taste-likes: cheese, tomatoes.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nAnalysis:"
TARGET = " The quiche has eggs. Avoid it."


def _scores(result, method):
    return result.segment_scores[method].values


@pytest.mark.parametrize("method", PERTURBATION)
@pytest.mark.parametrize("span", [(0, 15), (0, 4), (1, len(TARGET))])
def test_a_selection_starting_where_the_run_did_equals_a_new_run(tiny, method, span):
    whole = explain(tiny, PROMPT, target=TARGET, method=method, granularity="words")
    answered = reselect(whole, target_span=span)
    fresh = explain(tiny, PROMPT, target=TARGET, target_span=span, method=method, granularity="words")
    assert answered.target_token_span == fresh.target_token_span
    assert answered.selected_span == fresh.selected_span
    assert answered.objective == fresh.objective
    assert answered.objective_value == pytest.approx(fresh.objective_value, abs=1e-4)
    a, b = _scores(answered, method), _scores(fresh, method)
    assert [x is None for x in a] == [y is None for y in b]
    assert [x for x in a if x is not None] == pytest.approx([y for y in b if y is not None], abs=1e-4)
    assert answered.methods[method]["from_record"] == {"selected_span": [0, len(TARGET)], "held_fixed": 0}
    assert "forward_passes" not in answered.methods[method]
    assert answered.faithfulness is None
    assert [a["token_index"] for a in answered.alternatives] == [a["token_index"] for a in fresh.alternatives]


@pytest.mark.parametrize("granularity", ["words", "lines"])
def test_occlusion_of_a_later_selection_equals_explicit_reruns(tiny, granularity):
    whole = explain(tiny, PROMPT, target=TARGET, method="occlusion", granularity=granularity)
    later = (TARGET.index("Avoid"), len(TARGET))
    answered = reselect(whole, target_span=later)
    assert assert_occlusion_equals_reruns(tiny, answered, granularity) >= 3
    fresh = explain(tiny, PROMPT, target=TARGET, target_span=later, method="occlusion", granularity=granularity)
    first, _ = answered.target_token_span
    lo = whole.target_token_span[0]
    assert answered.methods["occlusion"]["from_record"]["held_fixed"] == first - lo > 0
    # Every prompt segment equals the new run's; the target segments held fixed are unscored here.
    for segment, x, y in zip(whole.boundaries[granularity], _scores(answered, "occlusion"), _scores(fresh, "occlusion")):
        if segment.end <= len(PROMPT):
            assert x == pytest.approx(y, abs=1e-4)
        else:
            assert x is None


def test_a_record_survives_json_and_a_reselected_result_answers_again(tiny):
    whole = explain(tiny, PROMPT, target=TARGET, method="lime", granularity="words", samples=24)
    again = SalienceResult.from_json(whole.to_json())
    assert can_reselect(again)
    once = reselect(again, target_span=(0, 20))
    twice = reselect(once, target_span=(0, 10))
    direct = reselect(whole, target_span=(0, 10))
    assert _scores(twice, "lime") == _scores(direct, "lime")
    assert twice.methods["lime"]["from_record"]["selected_span"] == [0, len(TARGET)]


def test_what_keeps_no_record_says_it_needs_a_model_call(tiny):
    for result in (
        explain(tiny, PROMPT, target=TARGET, method="grad_l2"),
        explain(tiny, PROMPT, target=TARGET, method="occlusion", foil=" Try it."),
        explain(tiny, PROMPT, target=TARGET, method="occlusion", hierarchical=True, granularity="words"),
    ):
        assert not can_reselect(result)
        with pytest.raises(InvalidArgument) as err:
            reselect(result, target_span=(0, 5))
        assert err.value.field == "method"
        assert "model call" in str(err.value)


def test_a_selection_before_the_recorded_tokens_is_refused_with_the_recorded_range(tiny):
    start = TARGET.index("Avoid")
    later = explain(tiny, PROMPT, target=TARGET, target_span=(start, len(TARGET)), method="occlusion")
    with pytest.raises(InvalidArgument) as err:
        reselect(later, target_span=(0, 10))
    assert err.value.field == "target_span"
    assert f"from char {start - 1}" in str(err.value) or f"from char {start}" in str(err.value)
    with pytest.raises(InvalidArgument) as err:
        reselect(later, target_span=(5, 500))
    assert err.value.field == "target_span"


def test_unembedding_the_tail_in_chunks_changes_nothing(tiny, monkeypatch):
    """The recorded tail is unembedded ``LOGIT_CHUNK`` positions at a time: chunks of 3 give the same record."""
    from promptlight.salience import objective

    whole = explain(tiny, PROMPT, target=TARGET, target_span=(1, 12), method="occlusion", granularity="words")
    monkeypatch.setattr(objective, "LOGIT_CHUNK", 3)
    chunked = explain(tiny, PROMPT, target=TARGET, target_span=(1, 12), method="occlusion", granularity="words")
    a, b = whole.variants["occlusion"], chunked.variants["occlusion"]
    assert len(a["full"]) > 3 * 2  # several chunks
    assert a["full"] == pytest.approx(b["full"], abs=1e-5)
    assert [x for row in a["logprobs"] for x in row] == pytest.approx([x for row in b["logprobs"] for x in row], abs=1e-5)
    assert _scores(whole, "occlusion") == pytest.approx(_scores(chunked, "occlusion"), abs=1e-5)
    assert [[t["id"] for t in r["top"]] for r in whole.alternatives] == [
        [t["id"] for t in r["top"]] for r in chunked.alternatives
    ]
    assert [t["prob"] for r in whole.alternatives for t in r["top"]] == pytest.approx(
        [t["prob"] for r in chunked.alternatives for t in r["top"]], abs=1e-6
    )


def test_a_record_edited_by_hand_is_refused_naming_the_field(tiny):
    whole = explain(tiny, PROMPT, target=TARGET, method="kernel_shap", granularity="words", samples=8)
    record = whole.variants["kernel_shap"]
    broken = [
        {**record, "players": [999]},
        {**record, "first_token": 10_000},
        {**record, "removed": record["removed"][:-1]},
        {**record, "logprobs": [row[:1] for row in record["logprobs"]]},
        {k: v for k, v in record.items() if k != "full"},
    ]
    for variants in broken:
        edited = SalienceResult.from_dict({**whole.to_dict(), "variants": {"kernel_shap": variants}})
        with pytest.raises(InvalidArgument) as err:
            reselect(edited, target_span=(0, 5))
        assert err.value.field == "variants", variants
