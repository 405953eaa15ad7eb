"""The contrastive objective: why the selection A rather than a foil B.

    f = log p(A | prompt, target[:s]) - log p(B | prompt, target[:s])

Checked against a toy model with a planted contrast (one token decides between the two
answers, another raises both), against two plain-objective calls, against explicit re-runs
for occlusion, and for integrated gradients' completeness.
"""

from __future__ import annotations

import pytest
import torch

from promptlight.errors import InvalidArgument
from promptlight.pipeline import explain
from tests.toy_models import PlantedContrastLM

pytestmark = pytest.mark.unit

METHODS = ("grad_l2", "grad_dot_input", "integrated_gradients", "occlusion")
PROMPT = "Taste-likes: cheese, tomatoes.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nRecommendation:"
TARGET = " Try it. It is good."


def _one(tiny, word: str) -> int:
    (token,) = tiny.tokenize(word, add_bos=False).ids
    return token


@pytest.fixture(scope="module")
def contrast(tiny):
    return PlantedContrastLM(
        tokenizer_of=tiny,
        vocab_size=tiny.module.config.vocab_size,
        decider=_one(tiny, " cheese"),
        raiser=_one(tiny, " dog"),
        answer_a=_one(tiny, " quiche"),
        answer_b=_one(tiny, " salmon"),
    )


def _token_scores(result, method):
    """``{token text: score}`` over the scored, non-special prompt tokens."""
    if method == "occlusion":
        values = result.segment_scores["occlusion"].values
        spans = result.boundaries["tokens"]
        return {result.text[s.start : s.end]: v for s, v in zip(spans, values) if v is not None}
    return {t.text: t.scores[method] for t in result.tokens if t.scores.get(method) is not None and not t.special}


@pytest.mark.parametrize("method", METHODS)
def test_the_deciding_token_ranks_first_and_the_token_that_raises_both_scores_zero(contrast, method):
    prompt = "The quick brown fox likes cheese and a dog sat down"
    contrastive = explain(contrast, prompt, target=" quiche", foil=" salmon", method=method, granularity="tokens")
    scores = _token_scores(contrastive, method)
    ranked = sorted(scores, key=lambda t: -abs(scores[t]))
    assert ranked[0] == " cheese", [(t, scores[t]) for t in ranked[:3]]
    assert abs(scores[" dog"]) < 1e-3 * abs(scores[" cheese"]), scores
    # Under the plain objective the same token is among the strongest: it raises log p(A).
    plain = _token_scores(explain(contrast, prompt, target=" quiche", method=method, granularity="tokens"), method)
    assert abs(plain[" dog"]) > 0.3 * max(abs(v) for v in plain.values()), plain


@pytest.mark.parametrize("method", METHODS)
def test_contrastive_f_is_the_difference_of_two_plain_objectives(tiny, method):
    start = TARGET.index("It is")
    span = (start, len(TARGET))
    foil = "It is bad."
    result = explain(tiny, PROMPT, target=TARGET, target_span=span, foil=foil, method=method, granularity="lines")
    with_a = explain(tiny, PROMPT, target=TARGET, target_span=span, method="grad_l2")
    with_b = explain(tiny, PROMPT, target=TARGET[:start] + foil, target_span=(start, start + len(foil)), method="grad_l2")
    assert result.f_target == pytest.approx(with_a.objective_value, abs=1e-4)
    assert result.f_foil == pytest.approx(with_b.objective_value, abs=1e-4)
    assert result.objective_value == pytest.approx(result.f_target - result.f_foil, abs=1e-4)
    assert result.foil == foil and result.objective_spec["kind"] == "contrastive"
    assert "versus the" in result.objective and "“It is bad.”" in result.objective


def test_occlusion_equals_explicit_reruns_of_both_sequences(tiny):
    foil = " Avoid it."
    result = explain(tiny, PROMPT, target=TARGET, foil=foil, method="occlusion", granularity="lines", batch_size=3)
    lines = result.boundaries["lines"]
    checked = 0
    for span, value in zip(lines, result.segment_scores["occlusion"].values):
        if value is None:
            continue
        shorter = PROMPT[: span.start] + PROMPT[span.end :]
        # The explicit re-run: both sequences without the line, each a plain full forward pass.
        a = explain(tiny, shorter, target=TARGET, method="grad_l2").objective_value
        b = explain(tiny, shorter, target=foil, method="grad_l2").objective_value
        assert value == pytest.approx(result.objective_value - (a - b), abs=2e-4), PROMPT[span.start : span.end]
        checked += 1
    assert checked >= 3


def test_integrated_gradients_completeness_holds_for_the_contrastive_f(tiny):
    result = explain(
        tiny, PROMPT, target=TARGET, foil=" Avoid it.", method="integrated_gradients", steps=64, baseline="pad"
    )
    meta = result.methods["integrated_gradients"]
    first, _ = result.target_token_span
    total = sum(result.token_scores("integrated_gradients")[:first])
    difference = meta["f_input"] - meta["f_baseline"]
    assert meta["f_input"] == pytest.approx(result.f_target - result.f_foil, abs=1e-4)
    assert abs(difference) > 1e-2
    assert abs(total - difference) <= 0.05 * abs(difference)


@pytest.mark.parametrize("method", METHODS)
def test_a_foil_equal_to_the_selection_gives_zero(tiny, method):
    result = explain(tiny, PROMPT, target=TARGET, foil=TARGET, method=method, granularity="words")
    assert result.objective_value == pytest.approx(0.0, abs=1e-6)
    values = result.segment_scores[method].values if method == "occlusion" else result.token_scores(method)
    assert all(v is None or abs(v) < 1e-5 for v in values)


@pytest.mark.parametrize("foil", ["", "   ", "\n"])
def test_an_empty_foil_is_refused_with_its_field(tiny, foil):
    with pytest.raises(InvalidArgument) as info:
        explain(tiny, PROMPT, target=TARGET, foil=foil)
    assert info.value.field == "foil" and "empty" in str(info.value)


def test_the_foil_round_trips_through_json(tiny):
    from promptlight.result import SalienceResult

    result = explain(tiny, PROMPT, target=TARGET, foil=" Avoid it.", method="grad_dot_input")
    again = SalienceResult.from_json(result.to_json())
    assert again == result and again.f_foil == result.f_foil
    assert torch.isfinite(torch.tensor([again.f_target, again.f_foil])).all()


@pytest.mark.parametrize("method", METHODS)
def test_alternatives_are_a_softmax_of_a_plain_forward_at_each_target_position(tiny, method):
    result = explain(tiny, PROMPT, target=TARGET, method=method, granularity="lines")
    ids = torch.tensor(tiny.tokenize(result.text).ids)
    with torch.no_grad():
        probs = torch.softmax(tiny.module(input_ids=ids[None]).logits[0].double(), dim=-1)  # [seq, vocab]
    first, last = result.target_token_span
    assert [a["token_index"] for a in result.alternatives] == list(range(first, last))
    for alt in result.alternatives:
        row = probs[alt["token_index"] - 1]  # the logits one position earlier predict the token
        expected = torch.topk(row, 5)
        assert [t["id"] for t in alt["top"]] == expected.indices.tolist()
        assert [t["prob"] for t in alt["top"]] == pytest.approx(expected.values.tolist(), rel=1e-4, abs=1e-7)
        assert alt["prob"] == pytest.approx(float(row[alt["id"]]), rel=1e-4, abs=1e-7)
        assert alt["text"] == result.text[alt["start"] : alt["end"]]
        listed = {t["id"]: t["prob"] for t in alt["top"]}
        if alt["id"] in listed:  # the actual token, when in the top 5, carries its own probability
            assert listed[alt["id"]] == pytest.approx(alt["prob"], rel=1e-6)


def test_the_actual_token_heads_its_alternatives_when_the_model_predicts_it(tiny):
    from tests.toy_models import PlantedCopyLM

    planted = _one(tiny, " cheese")
    toy = PlantedCopyLM(tokenizer_of=tiny, vocab_size=tiny.module.config.vocab_size, planted_id=planted)
    result = explain(toy, "The quick brown fox likes cheese and jumps over the lazy dog", target=" cheese")
    (alt,) = result.alternatives
    assert alt["top"][0]["id"] == alt["id"] == planted and alt["top"][0]["text"] == " cheese"
    assert alt["top"][0]["prob"] == pytest.approx(alt["prob"], rel=1e-6) and alt["prob"] > 0.5
