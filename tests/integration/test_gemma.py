"""The real default model, Gemma 3 270M from its PyPI package: conversion cache, generation,
salience against an independent reference, and the menu walkthrough end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch

from promptlight.models.cache import MANIFEST, model_cache_dir
from promptlight.pipeline import explain

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_cache_is_a_standard_folder_and_is_reused(gemma):
    folder = model_cache_dir("gemma3-270m")
    assert gemma.path == str(folder)
    for name in ("config.json", "model.safetensors", "tokenizer.json", MANIFEST):
        assert (folder / name).is_file(), name
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config
    manifest_before = (folder / MANIFEST).read_text()
    from promptlight.models import load_model

    again = load_model("gemma3-270m", reuse=False)
    assert again is not gemma and again.path == gemma.path
    assert (folder / MANIFEST).read_text() == manifest_before  # read, not rebuilt
    assert load_model("gemma3-270m") is gemma  # one set of weights per process


def test_greedy_generation_is_deterministic_and_offsets_slice_the_text(gemma, sample_prompts):
    prompt = sample_prompts.by_source("fewshot-mistake").prompt
    a = gemma.generate(prompt, max_new_tokens=24)
    b = gemma.generate(prompt, max_new_tokens=24)
    assert a == b
    assert a.finish_reason in {"length", "eos"} and len(a.token_ids) == 24
    assert "".join(a.text[s.start : s.end] for s in a.token_spans) == a.text
    assert gemma.decode(a.token_ids) == a.text
    stopped = gemma.generate(prompt, max_new_tokens=48, stop=["\n"])
    assert stopped.finish_reason == "stop" and "\n" not in stopped.text
    assert a.text.startswith(stopped.text)


def test_sampling_is_reproducible_with_a_seed(gemma):
    prompt = "Three ideas for a rainy afternoon:\n1."
    one = gemma.generate(prompt, max_new_tokens=12, temperature=0.9, top_p=0.95, top_k=50, seed=7)
    two = gemma.generate(prompt, max_new_tokens=12, temperature=0.9, top_p=0.95, top_k=50, seed=7)
    assert one.text == two.text


def test_cli_explain_tokens_agree_with_an_independent_reference(gemma, sample_prompts, tmp_path):
    prompt = sample_prompts.by_source("fewshot-fixed").prompt
    target = " The quiche is made with eggs, which you cannot eat.\nRecommendation: Better to avoid this one."
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text(prompt)
    proc = subprocess.run(
        [sys.executable, "-m", "promptlight", "explain", "--model", "gemma3-270m", "--prompt-file", str(prompt_file),
         "--target", target, "--method", "grad_l2", "--granularity", "tokens", "--format", "json"],
        capture_output=True, text=True, timeout=600, env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    first, last = result["target_token_span"]
    # Every prompt token is scored (the whole target is explained, so T starts at the target).
    assert result["tokens"][first]["start"] >= len(prompt) - 1
    assert all(t["scores"]["grad_l2"] is not None for t in result["tokens"][:first])

    # Independent reference: plain HF forward with full logits, autograd on the embeddings.
    ids = torch.tensor([gemma.tokenize(prompt + target).ids])
    embeds = gemma.module.get_input_embeddings()(ids).detach().requires_grad_(True)
    with gemma.frozen():
        logits = gemma.module(inputs_embeds=embeds, use_cache=False).logits[0]
        logprobs = torch.log_softmax(logits.double(), dim=-1)
        f = logprobs[torch.arange(first - 1, last - 1), ids[0, first:last]].sum()
        (grad,) = torch.autograd.grad(f, embeds)
    reference = grad[0, :first].norm(dim=-1)
    got = torch.tensor([t["scores"]["grad_l2"] for t in result["tokens"][:first]])
    torch.testing.assert_close(got, reference.float(), rtol=2e-3, atol=1e-5)
    assert result["objective_value"] == pytest.approx(float(f.detach()), abs=2e-3)


def test_menu_walkthrough_heat_lands_on_the_first_example(gemma, sample_prompts):
    """The story of the product on the real model: generate, select the recommendation, look at lines."""
    prompt = sample_prompts.by_source("fewshot-mistake").prompt
    generation = gemma.generate(prompt, max_new_tokens=48, stop=["\n\n"])
    target = generation.text
    start = target.find("Recommendation:")
    assert start >= 0, target
    # Gemma 3 270M repeats the prompt's copy-paste mistake: it recommends the quiche despite the egg allergy.
    assert "You have to try it" in target[start:]

    result = explain(gemma, prompt, target=target, target_span=(start, len(target)), method="grad_l2", granularity="lines")
    lines = result.aggregate("lines")
    example_lines = [s for s in lines if s.score is not None and s.end <= prompt.index("\n\nTaste-likes: cheese")]
    first_example_end = prompt.index("\n\n")
    top_two = sorted(example_lines, key=lambda s: -s.score)[:2]
    # The heat lands on the first worked example: its analysis (dislikes the dish) and its
    # contradicting recommendation are the two most salient lines of all the examples.
    assert all(s.end <= first_example_end + 1 for s in top_two), [(s.text, s.score) for s in top_two]
    assert {s.text.split(":")[0] for s in top_two} == {"Analysis", "Recommendation"}

    # Leaving out any example's "You have to try it." line lowers the recommendation the most:
    # the model copies that line.
    occ = explain(gemma, prompt, target=target, target_span=(start, len(target)), method="occlusion", granularity="lines")
    scored = [s for s in occ.aggregate("lines") if s.score is not None and s.end <= len(prompt) - len("Analysis:")]
    top_three = sorted(scored, key=lambda s: -s.score)[:3]
    assert all(s.text.startswith("Recommendation: You have to try it.") for s in top_three), top_three


def test_a_damaged_cache_is_rebuilt(gemma, tmp_path, monkeypatch):
    """Copy the good cache elsewhere, truncate the weights, and load from there: it must rebuild."""
    root = tmp_path / "cache"
    good = model_cache_dir("gemma3-270m")
    shutil.copytree(good, root / "models" / "gemma3-270m")
    weights = root / "models" / "gemma3-270m" / "model.safetensors"
    with open(weights, "r+b") as f:
        f.truncate(weights.stat().st_size // 2)
    monkeypatch.setenv("PROMPTLIGHT_CACHE", str(root))
    from promptlight.models import load_model

    rebuilt = load_model("gemma3-270m", reuse=False)
    assert rebuilt.path == str(root / "models" / "gemma3-270m")
    assert weights.stat().st_size == (good / "model.safetensors").stat().st_size
    prompt = "Suggestion: Cheese and leek quiche\nAnalysis:"
    assert rebuilt.generate(prompt, max_new_tokens=8) == gemma.generate(prompt, max_new_tokens=8)
