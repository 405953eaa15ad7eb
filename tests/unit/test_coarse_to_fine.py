"""Coarse-to-fine occlusion (``occlusion`` with ``hierarchical=true``).

Checks a reviewer can redo: with ``keep`` above every level's size it is exact occlusion; with
a small ``keep`` every segment it calls exact equals an explicit re-run without the segment, and
every node it did not refine hands out shares that add up to that node's own re-run score; on a
planted dependency it still ranks the planted word first, with fewer forward passes.
"""

from __future__ import annotations

import pytest
import torch

from promptlight.pipeline import explain
from promptlight.salience.coarse_to_fine import coarser_levels
from promptlight.segments import assign_tokens, segment
from promptlight.types import Span
from tests.reruns import assert_occlusion_equals_reruns, reference_f
from tests.toy_models import PlantedCopyLM

pytestmark = pytest.mark.unit

PROMPT = (
    "Taste-likes: cheese, tomatoes. Spicy food too.\n\n"
    "Taste-dislikes: eggs. And mushrooms.\n\n"
    "Suggestion: quiche.\n\n"
    "Notes: a long day. Nothing else.\n\nAnalysis:"
)
TARGET = " The quiche has eggs."


def _hierarchical(lm, keep: int, granularity: str = "words", prompt: str = PROMPT, target: str = TARGET):
    options = {"hierarchical": True, "keep": keep}
    return explain(lm, prompt, target=target, method="occlusion", granularity=granularity, options=options)


def test_the_levels_above_each_granularity():
    assert coarser_levels("words") == ("paragraphs", "sentences")
    assert coarser_levels("tokens") == ("paragraphs", "sentences", "words")
    assert coarser_levels("lines") == ("paragraphs",) == coarser_levels("regex:[^,]+,?")
    assert coarser_levels("paragraphs") == ()


@pytest.mark.parametrize("granularity", ["words", "sentences"])
def test_keeping_every_node_is_exact_occlusion(tiny, granularity):
    exact = explain(tiny, PROMPT, target=TARGET, method="occlusion", granularity=granularity)
    tree = _hierarchical(tiny, keep=1000, granularity=granularity)
    meta = tree.methods["occlusion"]
    assert meta["segments_estimated"] == 0 and meta["estimated_segments"] == []
    assert meta["levels"][-1] == granularity
    got, want = tree.segment_scores["occlusion"].values, exact.segment_scores["occlusion"].values
    assert [v is None for v in got] == [v is None for v in want]
    assert [v for v in got if v is not None] == pytest.approx([v for v in want if v is not None], abs=1e-4)
    assert assert_occlusion_equals_reruns(tiny, tree, granularity) == meta["segments_scored"]


def test_a_pruned_tree_is_exact_where_it_says_and_keeps_each_node_s_total(tiny):
    tree = _hierarchical(tiny, keep=1)
    meta = tree.methods["occlusion"]
    values = tree.segment_scores["occlusion"].values
    words = tree.boundaries["words"]
    estimated = set(meta["estimated_segments"])
    scored = [k for k, v in enumerate(values) if v is not None]
    assert meta["segments_estimated"] == len(estimated) > 0
    assert meta["segments_scored"] + len(estimated) == len(scored)
    assert (
        meta["forward_passes"] < len(scored) + 1
        and meta["forward_passes_saved"] == len(scored) + 1 - meta["forward_passes"]
    )

    ids = torch.tensor(tiny.tokenize(tree.text).ids)
    first, last = tree.target_token_span
    n_target = last - first
    full = reference_f(tiny, ids[:last], n_target)
    owner = assign_tokens(tree.text, [Span(t.start, t.end) for t in tree.tokens], words)

    def left_out(segments: set[int]) -> float:
        keep = [i for i in range(last) if not (i < first and owner[i] in segments and not tree.tokens[i].special)]
        return full - reference_f(tiny, ids[keep], n_target)

    for k in scored:
        if k not in estimated:
            assert values[k] == pytest.approx(left_out({k}), abs=1e-4), k
    # Estimated words come in runs that share one unrefined node (a paragraph or a sentence):
    # each run's shares are equal and add up to that node's own leave-one-out score.
    paragraphs = segment(tree.text, "paragraphs")
    sentences = segment(tree.text, "sentences")

    def node(k: int) -> tuple[int, int]:
        start = words[k].start
        return (
            max(i for i, s in enumerate(paragraphs) if s.start <= start),
            max(i for i, s in enumerate(sentences) if s.start <= start),
        )

    runs: dict[tuple[int, ...], list[int]] = {}
    for k in sorted(estimated):
        p, s = node(k)
        same_paragraph = {j for j in scored if node(j)[0] == p}
        whole = same_paragraph <= estimated  # the whole paragraph was left unrefined
        runs.setdefault((p,) if whole else (p, s), []).append(k)
    for key, run in runs.items():
        assert values[run[0]] * len(run) == pytest.approx(left_out(set(run)), abs=1e-4), key
        assert all(values[k] == pytest.approx(values[run[0]]) for k in run)


def test_a_planted_word_is_found_with_fewer_forward_passes(tiny):
    planted = PlantedCopyLM(
        tokenizer_of=tiny, vocab_size=tiny.module.config.vocab_size, planted_id=tiny.tokenize(" cheese").ids[-1]
    )
    prompt = (
        "The fox ran over the hill. It was late.\n\n"
        "A dog slept by the door. The wind blew.\n\n"
        "The cook likes cheese and bread. The soup was hot.\n\n"
        "Rain fell all night. Nobody came."
    )
    tree = _hierarchical(planted, keep=1, prompt=prompt, target=" cheese")
    exact = explain(planted, prompt, target=" cheese", method="occlusion", granularity="words")
    assert tree.top_segments("words", k=1)[0].text.strip() == "cheese"
    assert exact.top_segments("words", k=1)[0].text.strip() == "cheese"
    assert tree.methods["occlusion"]["forward_passes"] < exact.methods["occlusion"]["segments_scored"] + 1
