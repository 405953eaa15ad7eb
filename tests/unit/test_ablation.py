"""The ablation family (KernelSHAP, LIME, the ContextCite surrogate) and its engine.

Properties a reviewer can check: the engine's f of any mask equals an explicit re-run of the
shortened ids (no cache); on an objective that is exactly additive over segments KernelSHAP
recovers each segment's contribution and its scores sum to f(full) - f(empty); every method
ranks a planted token first; seeded runs repeat exactly; batched equals unbatched.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from promptlight.pipeline import explain
from promptlight.salience.ablation import ablated_objectives, removable_segments
from promptlight.salience.context_cite import lasso, spearman
from promptlight.salience.kernel_shap import coalitions, constrained_fit
from promptlight.salience.lime import weighted_ridge
from promptlight.salience.objective import TargetLogprob
from tests.reruns import reference_f
from tests.toy_models import PlantedCopyLM

pytestmark = pytest.mark.unit

ABLATIONS = ("kernel_shap", "lime", "context_cite")
PROMPT = "Taste-likes: cheese, tomatoes.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nAnalysis:"
TARGET = " The quiche has eggs. Avoid it."


class AdditiveObjective(TargetLogprob):
    """``f(prefix) = sum of weight[id]`` over the prefix's tokens: exactly additive over any segments."""

    def __init__(self, ids, *, selected_text, weights):
        super().__init__(ids, selected_text=selected_text)
        self.weights = weights  # [vocab] float64

    def value_from_cache(self, lm, cache, prefix_ids, shared, variants, *, observe=False):
        if observe:  # the pipeline reads the unchanged input's alternatives from this call
            super().value_from_cache(lm, cache, prefix_ids, shared, variants, observe=True)
        return torch.tensor([float(self.weights[v].sum()) for v in variants], dtype=torch.float64)


def _additive(tiny, seed=0):
    g = torch.Generator().manual_seed(seed)
    weights = torch.randn(tiny.module.config.vocab_size, generator=g, dtype=torch.float64)
    factory = lambda _lm, ids, chosen: AdditiveObjective(ids, selected_text=chosen, weights=weights)  # noqa: E731
    return weights, factory


@pytest.mark.parametrize(("granularity", "samples"), [("lines", 64), ("words", 64), ("words", 16)])
def test_kernel_shap_recovers_an_additive_objective_exactly(tiny, granularity, samples):
    weights, factory = _additive(tiny)
    result = explain(
        tiny, PROMPT, target=TARGET, method="kernel_shap", granularity=granularity, objective=factory, samples=samples
    )
    ids = torch.tensor(tiny.tokenize(result.text).ids)
    first, _last = result.target_token_span
    from promptlight.segments import assign_tokens
    from promptlight.types import Span

    owner = assign_tokens(result.text, [Span(t.start, t.end) for t in result.tokens], result.boundaries[granularity])
    expected = [0.0] * len(result.boundaries[granularity])
    for i in range(first):
        if not result.tokens[i].special:
            expected[owner[i]] += float(weights[ids[i]])
    values = result.segment_scores["kernel_shap"].values
    scored = [(v, e) for v, e in zip(values, expected) if v is not None]
    assert len(scored) >= 4
    for value, want in scored:
        assert value == pytest.approx(want, abs=1e-8)
    info = result.methods["kernel_shap"]
    assert sum(v for v, _ in scored) == pytest.approx(result.objective_value - info["f_empty"], abs=1e-8)
    assert info["exact"] is (granularity == "lines")


def test_kernel_shap_is_exact_shapley_on_a_non_additive_function():
    """With every coalition enumerated, the fit equals the Shapley value computed from its definition."""
    import itertools
    import math

    m = 4
    value = {z: float(np.sin(1 + 3 * sum(z)) + z[0] * z[2] * 2.0 - z[1] * z[3]) for z in itertools.product((0, 1), repeat=m)}
    masks, weights = coalitions(m, 64, np.random.default_rng(0))
    phi = constrained_fit(masks, weights, [value[tuple(int(b) for b in z)] for z in masks], value[(0,) * m], value[(1,) * m])
    for k in range(m):
        shapley = 0.0
        for z in itertools.product((0, 1), repeat=m):
            if z[k]:
                continue
            s = sum(z)
            with_k = tuple(1 if j == k else z[j] for j in range(m))
            shapley += math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m) * (value[with_k] - value[z])
        assert phi[k] == pytest.approx(shapley, abs=1e-10)


def test_the_engine_equals_explicit_reruns_without_cache(tiny):
    result = explain(tiny, PROMPT, target=TARGET, method="occlusion", granularity="words")
    from promptlight.salience.base import SalienceInputs

    tok = tiny.tokenize(result.text)
    first, last = result.target_token_span
    ids = torch.tensor(tok.ids[:last])
    inputs = SalienceInputs(
        lm=tiny, text=result.text, ids=ids, token_spans=tok.spans[:last], special=tok.special[:last],
        target_positions=torch.arange(first, last), granularity="words", segments=result.boundaries["words"],
        objective=TargetLogprob(ids[first:last], selected_text=result.selected_text),
    )  # fmt: skip
    removable = removable_segments(inputs)
    masks = np.random.default_rng(3).random((10, len(removable))) < 0.5
    masks[0] = False  # everything removed but BOS
    f_full, values = ablated_objectives(inputs, removable, masks, batch_size=3)
    k = last - first
    assert f_full == pytest.approx(reference_f(tiny, ids, k), abs=1e-4)
    for row, got in zip(masks, values):
        gone = {i for j, keep in enumerate(row) if not keep for a, b in removable.ranges[j] for i in range(a, b)}
        kept = torch.tensor([i for i in range(last) if i not in gone])
        assert got == pytest.approx(reference_f(tiny, ids[kept], k), abs=1e-4)


@pytest.fixture(scope="module")
def planted(tiny):
    planted_id = tiny.tokenize(" cheese").ids[-1]
    return PlantedCopyLM(tokenizer_of=tiny, vocab_size=tiny.module.config.vocab_size, planted_id=planted_id)


@pytest.mark.parametrize("method", ABLATIONS)
@pytest.mark.parametrize("granularity", ["tokens", "words"])
def test_the_planted_token_is_ranked_first(planted, method, granularity):
    prompt = "The quick brown fox likes cheese and jumps over the lazy dog"
    result = explain(planted, prompt, target=" cheese", method=method, granularity=granularity)
    top = result.top_segments(granularity, k=3)
    assert top[0].text.strip() == "cheese", [(s.text, s.score) for s in top]
    assert top[0].score > 0 and top[0].score > 5 * abs(top[1].score)


@pytest.mark.parametrize("method", ABLATIONS)
def test_seeded_runs_repeat_and_batching_changes_nothing(tiny, method):
    run = lambda **o: explain(tiny, PROMPT, target=TARGET, method=method, granularity="words", **o)  # noqa: E731
    a = run(seed=5, batch_size=8).segment_scores[method].values
    assert run(seed=5, batch_size=8).segment_scores[method].values == a
    b = run(seed=5, batch_size=1).segment_scores[method].values
    assert np.allclose([x for x in a if x is not None], [x for x in b if x is not None], atol=1e-4)
    assert run(seed=6, batch_size=8).segment_scores[method].values != a  # words: too many for exact enumeration


def test_context_cite_reports_a_held_out_fit_quality(tiny):
    result = explain(tiny, PROMPT, target=TARGET, method="context_cite", granularity="lines", samples=48, holdout=24)
    info = result.methods["context_cite"]
    assert info["forward_passes"] == 48 + 24 + 1
    assert info["lds"] is not None and -1.0 <= info["lds"] <= 1.0
    assert info["lds"] > 0.5  # four lines, close to additive on this model: the surrogate should predict well


def test_lasso_and_ridge_on_known_linear_data():
    rng = np.random.default_rng(0)
    x = rng.random((200, 6)) < 0.5
    w_true = np.array([3.0, 0.0, -2.0, 0.0, 0.0, 1.0])
    y = 0.5 + x @ w_true
    w, b = lasso(x, y, 0.0)
    assert np.allclose(w, w_true, atol=1e-6) and b == pytest.approx(0.5, abs=1e-6)
    w_sparse, _ = lasso(x, y, 0.2)
    assert np.count_nonzero(w_sparse) == 3 and np.all(np.sign(w_sparse[[0, 2, 5]]) == np.sign(w_true[[0, 2, 5]]))
    w_ridge, b_ridge = weighted_ridge(x, y, np.ones(200), 0.0)
    assert np.allclose(w_ridge, w_true, atol=1e-8) and b_ridge == pytest.approx(0.5, abs=1e-8)
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
