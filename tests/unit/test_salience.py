"""Salience methods on the tiny model and a toy model with a planted dependency.

Each test checks a property a reviewer can reason about: gradients against finite
differences and against an independent implementation, integrated gradients'
completeness, occlusion equal to explicit re-runs, batched equal to unbatched, the planted
token ranked first, and nothing left on the model after an error.
"""

from __future__ import annotations

import math

import pytest
import torch

from promptlight.models import LanguageModel
from promptlight.pipeline import explain
from promptlight.salience import list_methods
from tests.toy_models import PlantedCopyLM

pytestmark = pytest.mark.unit

PROMPT = "Taste-likes: cheese, tomatoes.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nAnalysis:"
TARGET = " The quiche has eggs. Recommendation: Avoid it."
METHODS = ("grad_l2", "grad_dot_input", "integrated_gradients", "occlusion", "kernel_shap", "lime", "context_cite")


def reference_objective(lm: LanguageModel, ids: torch.Tensor, first: int, last: int, embeds=None) -> torch.Tensor:
    """f computed independently: a plain full forward with full-vocabulary logits everywhere."""
    if embeds is None:
        embeds = lm.module.get_input_embeddings()(ids[None])
    logits = lm.module(inputs_embeds=embeds, use_cache=False).logits[0]  # [seq, vocab]
    logprobs = torch.log_softmax(logits.double(), dim=-1)
    return sum(logprobs[j - 1, ids[j]] for j in range(first, last))


def ids_of(result, lm):
    return torch.tensor(lm.tokenize(result.text).ids)


def test_every_method_is_listed_with_metadata():
    names = [m["name"] for m in list_methods()]
    assert sorted(names) == sorted(METHODS)
    for m in list_methods():
        assert m["reference"] and m["cost"] and m["description"]
        assert isinstance(m["signed"], bool)
    assert {m["name"]: m["signed"] for m in list_methods()}["grad_l2"] is False


def test_scored_positions_are_exactly_those_before_the_selected_tokens(tiny):
    start = TARGET.index("Recommendation")
    result = explain(tiny, PROMPT, target=TARGET, target_span=(start, len(TARGET)))
    first, last = result.target_token_span
    sel = result.selected_span
    assert result.tokens[first].end > sel.start and result.tokens[first - 1].end <= sel.start
    for i, tok in enumerate(result.tokens):
        for name in ("grad_l2", "grad_dot_input"):
            value = tok.scores[name]
            assert (value is not None) == (i < first), (i, name, value)
    assert result.tokens[0].special and result.tokens[0].scores["grad_l2"] is not None  # BOS is scored
    # f is the sum of log-probabilities of exactly the tokens in T.
    ref = reference_objective(tiny, ids_of(result, tiny), first, last)
    assert result.objective_value == pytest.approx(float(ref.detach()), abs=1e-4)


def _rms_norm_in_float64(self, x):
    """Gemma3RMSNorm.forward without its cast to float32, so a float64 model stays float64 throughout."""
    out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
    return out * (1.0 + self.weight.to(x.dtype))


def test_gradients_match_finite_differences(fresh_tiny, monkeypatch):
    from transformers.models.gemma3 import modeling_gemma3

    # Finite differences need float64 end to end; Gemma's norm otherwise rounds to float32.
    monkeypatch.setattr(modeling_gemma3.Gemma3RMSNorm, "forward", _rms_norm_in_float64)
    lm = fresh_tiny
    lm.module.double()
    result = explain(lm, PROMPT, target=TARGET, method="grad_dot_input")
    first, last = result.target_token_span
    ids = ids_of(result, lm)[:last]
    embeds = lm.embed(ids[None]).detach()  # [1, seq, d]
    g = torch.Generator().manual_seed(0)
    checked = 0
    for i in (0, 1, first // 2, first - 1):
        # Along e_i itself, the directional derivative is exactly grad . e_i = grad_dot_input.
        direction = embeds[0, i] / embeds[0, i].norm()
        h = 1e-4
        plus, minus = embeds.clone(), embeds.clone()
        plus[0, i] += h * direction
        minus[0, i] -= h * direction
        fd = (reference_objective(lm, ids, first, last, plus) - reference_objective(lm, ids, first, last, minus)) / (2 * h)
        expected = result.tokens[i].scores["grad_dot_input"] / float(embeds[0, i].norm())
        assert float(fd) == pytest.approx(expected, rel=1e-5, abs=1e-7), i
        # grad_l2 bounds every directional derivative and is reached along the gradient.
        rand = torch.randn(embeds.shape[-1], generator=g, dtype=torch.float64)
        rand /= rand.norm()
        plus, minus = embeds.clone(), embeds.clone()
        plus[0, i] += h * rand
        minus[0, i] -= h * rand
        fd_rand = (reference_objective(lm, ids, first, last, plus) - reference_objective(lm, ids, first, last, minus)) / (2 * h)
        assert abs(float(fd_rand)) <= result.tokens[i].scores["grad_l2"] * (1 + 1e-6)
        checked += 1
    assert checked == 4


def test_gradients_match_an_independent_autograd_reference(tiny):
    result = explain(tiny, PROMPT, target=TARGET, method="grad_l2")
    first, last = result.target_token_span
    ids = ids_of(result, tiny)
    embeds = tiny.module.get_input_embeddings()(ids[None]).detach().requires_grad_(True)
    f = reference_objective(tiny, ids, first, last, embeds)
    (grad,) = torch.autograd.grad(f, embeds)
    ref_l2 = grad[0, :first].norm(dim=-1)
    ref_dot = (grad[0, :first] * embeds[0, :first]).sum(-1)
    got_l2 = torch.tensor(result.token_scores("grad_l2")[:first])
    got_dot = torch.tensor(result.token_scores("grad_dot_input")[:first])
    torch.testing.assert_close(got_l2, ref_l2.float(), rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(got_dot, ref_dot.float(), rtol=1e-4, atol=1e-6)


def test_one_pass_serves_both_gradient_methods(tiny):
    a = explain(tiny, PROMPT, target=TARGET, method="grad_l2")
    b = explain(tiny, PROMPT, target=TARGET, method="grad_dot_input")
    assert set(a.methods) == set(b.methods) == {"grad_l2", "grad_dot_input"}
    assert a.token_scores("grad_dot_input") == b.token_scores("grad_dot_input")
    assert all(v is None or v >= 0 for v in a.token_scores("grad_l2"))
    assert any(v is not None and v < 0 for v in a.token_scores("grad_dot_input"))


@pytest.mark.parametrize("rule", ["geometric", "gauss_legendre"])
def test_integrated_gradients_completeness(tiny, rule):
    # The pad-token baseline: along this path f is smooth, so the quadrature converges.
    # (From the zero vector, RMSNorm makes f jump within a ~1e-8 neighbourhood of the
    # baseline; the gap is reported, see test_zero_baseline_gap_is_reported_honestly.)
    result = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps=64, baseline="pad", rule=rule)
    meta = result.methods["integrated_gradients"]
    first, _ = result.target_token_span
    total = sum(result.token_scores("integrated_gradients")[:first])
    difference = meta["f_input"] - meta["f_baseline"]
    assert abs(difference) > 1e-3  # the test means something
    assert meta["completeness_gap"] == pytest.approx(total - difference, abs=1e-6)
    assert abs(meta["completeness_gap"]) < 0.01 * abs(difference)
    assert meta["f_input"] == pytest.approx(result.objective_value)


def test_integrated_gradients_completeness_on_the_planted_model_from_zero(planted):
    prompt = "The quick brown fox likes cheese and jumps over the lazy dog"
    result = explain(planted, prompt, target=" cheese", method="integrated_gradients", steps=256)
    meta = result.methods["integrated_gradients"]
    difference = meta["f_input"] - meta["f_baseline"]
    assert meta["baseline"] == "zero" and abs(difference) > 1.0
    assert abs(meta["completeness_gap"]) < 0.01 * abs(difference)


def test_the_mean_baseline_is_the_vocabulary_s_mean_embedding_and_completeness_holds(tiny):
    from promptlight.salience.integrated_gradients import mean_embedding

    vocab = tiny.module.get_input_embeddings().weight.shape[0]
    with torch.no_grad():  # every token's embedding as the first layer receives it (scaled, for Gemma-style models)
        every = tiny.embed(torch.arange(vocab)[None])[0].double()  # [vocab, d]
    torch.testing.assert_close(mean_embedding(tiny).double(), every.mean(0), rtol=1e-5, atol=1e-6)
    result = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps=64, baseline="mean")
    meta = result.methods["integrated_gradients"]
    first, _ = result.target_token_span
    difference = meta["f_input"] - meta["f_baseline"]
    assert meta["baseline"] == "mean" and abs(difference) > 1e-3
    total = sum(result.token_scores("integrated_gradients")[:first])
    assert meta["completeness_gap"] == pytest.approx(total - difference, abs=1e-6)
    assert abs(meta["completeness_gap"]) < 0.01 * abs(difference)


def test_zero_baseline_gap_is_reported_honestly(tiny):
    result = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps=32)
    meta = result.methods["integrated_gradients"]
    total = sum(v for v in result.token_scores("integrated_gradients") if v is not None)
    assert meta["completeness_gap"] == pytest.approx(total - (meta["f_input"] - meta["f_baseline"]), abs=1e-5)
    assert meta["relative_gap"] == pytest.approx(
        abs(meta["completeness_gap"]) / abs(meta["f_input"] - meta["f_baseline"]), rel=1e-6
    )


def test_integrated_gradients_batched_equals_unbatched(tiny):
    one = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps=12, batch_size=1)
    many = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps=12, batch_size=5)
    torch.testing.assert_close(
        torch.tensor(one.token_scores()[: one.target_token_span[0]]),
        torch.tensor(many.token_scores()[: many.target_token_span[0]]),
        rtol=1e-4,
        atol=1e-6,
    )


@pytest.mark.parametrize("granularity", ["tokens", "words", "lines"])
def test_occlusion_equals_an_explicit_rerun(tiny, granularity):
    from promptlight.segments import assign_tokens

    result = explain(tiny, PROMPT, target=TARGET, method="occlusion", granularity=granularity)
    first, last = result.target_token_span
    ids = ids_of(result, tiny)[:last]
    spans = [type(result.prompt_span)(t.start, t.end) for t in result.tokens][:last]
    segments = result.boundaries[granularity]
    owner = assign_tokens(result.text, spans, segments)
    f_full = float(reference_objective(tiny, ids, first, last))
    values = result.segment_scores["occlusion"].values
    assert len(values) == len(segments)
    scored = 0
    for k, value in enumerate(values):
        removed = [i for i in range(first) if owner[i] == k and not result.tokens[i].special]
        if not removed:
            assert value is None
            continue
        keep = torch.tensor([i for i in range(last) if i not in removed])
        shrunk = ids[keep]
        n = len(removed)
        f_without = float(reference_objective(tiny, shrunk, first - n, last - n))
        assert value == pytest.approx(f_full - f_without, abs=2e-4), (k, result.text[segments[k].start : segments[k].end])
        scored += 1
    assert scored >= 3


def test_occlusion_batched_equals_unbatched(tiny):
    one = explain(tiny, PROMPT, target=TARGET, method="occlusion", granularity="words", batch_size=1)
    many = explain(tiny, PROMPT, target=TARGET, method="occlusion", granularity="words", batch_size=6)
    a = one.segment_scores["occlusion"].values
    b = many.segment_scores["occlusion"].values
    assert [x is None for x in a] == [x is None for x in b]
    for x, y in zip(a, b):
        if x is not None:
            assert x == pytest.approx(y, abs=1e-4)


@pytest.fixture(scope="module")
def planted(tiny):
    ids = tiny.tokenize(" cheese").ids
    planted_id = ids[-1]
    toy = PlantedCopyLM(tokenizer_of=tiny, vocab_size=tiny.module.config.vocab_size, planted_id=planted_id)
    assert isinstance(toy, LanguageModel)  # it implements the protocol, nothing more
    return toy


@pytest.mark.parametrize("method", METHODS)
def test_planted_dependency_is_ranked_first(planted, method):
    prompt = "The quick brown fox likes cheese and jumps over the lazy dog"
    result = explain(planted, prompt, target=" cheese", method=method, granularity="tokens")
    top = result.top_segments("tokens", k=3)
    assert top[0].text == " cheese", [(s.text, s.score) for s in top]
    assert abs(top[0].score) > 5 * abs(top[1].score)


def test_nothing_is_left_on_the_model_after_an_error(fresh_tiny):
    lm = fresh_tiny
    layer = lm.module.get_decoder().layers[1]
    lm.module.train()
    before = [p.requires_grad for p in lm.module.parameters()]

    def boom(*_args, **_kwargs):
        raise RuntimeError("planted failure")

    handle = layer.register_forward_hook(boom)
    try:
        for method in METHODS:
            with pytest.raises(RuntimeError, match="planted failure"):
                explain(lm, PROMPT, target=TARGET, method=method)
    finally:
        handle.remove()
    assert [p.requires_grad for p in lm.module.parameters()] == before
    assert lm.module.training is True
    assert all(p.grad is None for p in lm.module.parameters())
    assert not any(m._forward_hooks or m._backward_hooks or m._forward_pre_hooks for m in lm.module.modules())
    assert lm.lock.acquire(blocking=False)  # the lock was released
    lm.lock.release()


def test_weights_get_no_gradients_and_flags_are_restored(tiny):
    explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps=4)
    assert all(p.grad is None for p in tiny.module.parameters())
    assert all(p.requires_grad for p in tiny.module.parameters())
    assert tiny.module.training is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "ig"}, "Unknown salience method 'ig'. Available: context_cite, grad_dot_input, grad_l2, integrated_gradients, kernel_shap, lime, occlusion."),
        ({"granularity": "sentence"}, "Unknown granularity 'sentence'"),
        ({"target_span": (5, 500)}, "not a non-empty range inside the target"),
        ({"target_span": (4, 4)}, "not a non-empty range inside the target"),
        ({"target_span": (0, 1)}, "selects only whitespace"),
        ({"method": "integrated_gradients", "steps": 0}, "steps must be a positive integer"),
        ({"method": "integrated_gradients", "baseline": "noise"}, "Unknown baseline 'noise'. Available: zero, pad, mean."),
        ({"method": "occlusion", "stepz": 3}, "Unknown option(s) 'stepz' for method 'occlusion'"),
        ({"target": ""}, "The target is empty"),
    ],
)
def test_bad_input_gets_a_clear_error(tiny, kwargs, message):
    args = {"target": TARGET, **kwargs}
    with pytest.raises(ValueError) as info:
        explain(tiny, PROMPT, **args)
    assert message in str(info.value)


def test_generated_target_when_none_is_given(tiny):
    result = explain(tiny, PROMPT, generation={"max_new_tokens": 5})
    gen = tiny.generate(PROMPT, max_new_tokens=5)
    assert result.target == gen.text
    assert result.prompt == PROMPT


def test_result_round_trips_through_json(tiny):
    from promptlight.result import SalienceResult

    result = explain(tiny, PROMPT, target=TARGET, method="occlusion", granularity="lines")
    again = SalienceResult.from_json(result.to_json())
    assert again == result
    assert again.aggregate("lines") == result.aggregate("lines")
    assert not math.isnan(result.objective_value)


def test_integrated_gradients_auto_steps_meet_the_tolerance_and_say_what_they_tried(tiny):
    result = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps="auto", rule="geometric")
    meta = result.methods["integrated_gradients"]
    tries = meta["tries"]
    assert meta["auto"] is True and meta["tolerance"] == 0.01
    assert [t["steps"] for t in tries] == [16 * 2**i for i in range(len(tries))]
    assert meta["steps"] == tries[-1]["steps"] <= 128
    assert meta["converged"] is (meta["relative_gap"] < 0.01)
    assert meta["converged"], tries  # geometric from zero converges on the tiny model within 128 steps
    assert all(t["relative_gap"] >= 0.01 for t in tries[:-1])  # it stopped at the first try under the tolerance
    # The scores are those of a plain run at the steps it settled on.
    plain = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps=meta["steps"], rule="geometric")
    torch.testing.assert_close(
        torch.tensor(result.token_scores()[: result.target_token_span[0]]),
        torch.tensor(plain.token_scores()[: plain.target_token_span[0]]),
    )
    capped = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps="auto", max_steps=4,
                     tolerance=1e-6).methods["integrated_gradients"]  # fmt: skip
    assert capped["steps"] == 4 and [t["steps"] for t in capped["tries"]] == [4]


def test_integrated_gradients_keeps_special_tokens_fixed_on_the_path(tiny):
    result = explain(tiny, PROMPT, target=TARGET, method="integrated_gradients", steps=16)
    meta = result.methods["integrated_gradients"]
    assert meta["fixed_tokens"] == 1 and result.tokens[0].special
    assert result.tokens[0].scores["integrated_gradients"] == 0.0  # BOS does not move, so it gets no credit
    # f(baseline) is the objective with every scored token at zero except BOS at its own embedding.
    ids = ids_of(result, tiny)
    first, last = result.target_token_span
    embeds = tiny.module.get_input_embeddings()(ids[None]).detach().clone()
    embeds[0, 1:first] = 0.0
    with torch.no_grad():
        expected = reference_objective(tiny, ids, first, last, embeds=embeds)
    assert meta["f_baseline"] == pytest.approx(float(expected), abs=1e-3)
