"""The faithfulness check: its drops are explicit re-runs, its ranking follows the method's sign.

Each drop (top-1, top-3 and every random set) is compared with a plain full forward of the ids
without those segments' tokens (no cache); under occlusion the top-1 drop is the largest
occlusion score by construction; on the planted toy the check says the heatmap beats chance.
"""

from __future__ import annotations

import pytest
import torch

from promptlight.pipeline import explain
from promptlight.report import check_summary as summary
from promptlight.salience.faithfulness import rank_for_check
from promptlight.segments import assign_tokens
from promptlight.types import Span
from tests.reruns import reference_f
from tests.toy_models import PlantedCopyLM

pytestmark = pytest.mark.unit

PROMPT = "Taste-likes: cheese, tomatoes.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nServed: cold.\nAnalysis:"
TARGET = " The quiche has eggs. Avoid it."


def _dropped(lm, result, segments: list[int]) -> float:
    granularity = result.faithfulness["granularity"]
    ids = torch.tensor(lm.tokenize(result.text).ids)
    first, last = result.target_token_span
    owner = assign_tokens(result.text, [Span(t.start, t.end) for t in result.tokens], result.boundaries[granularity])
    keep = [i for i in range(last) if not (i < first and owner[i] in segments and not result.tokens[i].special)]
    k = last - first
    return reference_f(lm, ids[:last], k) - reference_f(lm, ids[keep], k)


@pytest.mark.parametrize("method", ["grad_l2", "grad_dot_input", "occlusion", "kernel_shap"])
def test_every_drop_equals_an_explicit_rerun(tiny, method):
    result = explain(tiny, PROMPT, target=TARGET, method=method, granularity="lines", check=True)
    check = result.faithfulness
    assert check["granularity"] == "lines" and check["forward_passes"] == 2 + 2 * 8 + 1
    assert check["f"] == pytest.approx(result.objective_value, abs=1e-4)
    for name in ("top1", "top3"):
        entry = check[name]
        assert entry["drop"] == pytest.approx(_dropped(tiny, result, entry["segments"]), abs=1e-4)
        assert len(entry["random"]) == 8
        for row in entry["random"][:3]:
            assert row["drop"] == pytest.approx(_dropped(tiny, result, row["segments"]), abs=1e-4)
    assert check["top1"]["size"] == 1 and check["top3"]["size"] == 3


def test_the_ranking_follows_the_sign_of_the_method(tiny):
    signed = explain(tiny, PROMPT, target=TARGET, method="occlusion", granularity="lines", check=True)
    scores = signed.segment_scores["occlusion"].values
    best = max((v, k) for k, v in enumerate(scores) if v is not None)
    assert signed.faithfulness["ranked_by"] == "score"
    assert signed.faithfulness["top1"]["segments"] == [best[1]]
    assert signed.faithfulness["top1"]["drop"] == pytest.approx(best[0], abs=1e-4)  # the same removal
    unsigned = explain(tiny, PROMPT, target=TARGET, method="grad_l2", granularity="lines", check=True)
    assert unsigned.faithfulness["ranked_by"] == "magnitude"
    assert rank_for_check([(0, -3.0), (1, 2.0), (2, 0.5)], signed=True) == [1, 2, 0]
    assert rank_for_check([(0, -3.0), (1, 2.0), (2, 0.5)], signed=False) == [0, 1, 2]


def test_the_record_keeps_the_check_through_json(tiny):
    from promptlight.result import SalienceResult

    result = explain(tiny, PROMPT, target=TARGET, method="grad_l2", granularity="words", check=True)
    again = SalienceResult.from_json(result.to_json())
    assert again.faithfulness == result.faithfulness and again.to_dict()["schema_version"] == 2
    old = {**result.to_dict(), "schema_version": 1}
    old.pop("faithfulness")
    assert SalienceResult.from_dict(old).faithfulness is None  # version-1 records still read
    assert explain(tiny, PROMPT, target=TARGET, method="grad_l2").faithfulness is None  # off unless asked


def test_on_the_planted_toy_the_check_says_the_heatmap_beats_chance(tiny):
    planted = tiny.tokenize(" cheese").ids[-1]
    toy = PlantedCopyLM(tokenizer_of=tiny, vocab_size=tiny.module.config.vocab_size, planted_id=planted)
    prompt = "The quick brown fox likes cheese and jumps over the lazy dog"
    result = explain(toy, prompt, target=" cheese", method="grad_l2", granularity="words", check=True)
    top = result.faithfulness["top1"]
    assert result.text[result.boundaries["words"][top["segments"][0]].start :].startswith("cheese")
    assert top["above_random"] and top["drop"] > 10 * max(abs(top["random_median"]), 1e-3)
    line = summary(result.faithfulness)
    assert line.startswith("Removing the top word lowers f by ") and "a random word:" in line
