"""Model loading and generation on the tiny preset: specs, the cache, generation options."""

from __future__ import annotations

import json
import threading

import pytest

from promptlight.models import ModelLoadError, load_model
from promptlight.models.cache import MANIFEST, check_cache, model_cache_dir
from promptlight.models.generation import token_char_spans

pytestmark = pytest.mark.unit


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMPTLIGHT_CACHE", str(tmp_path))
    return tmp_path


def test_tiny_builds_into_a_standard_cached_folder(private_cache):
    lm = load_model("tiny", reuse=False)
    folder = model_cache_dir("tiny")
    assert folder.parent.parent == private_cache
    assert check_cache(folder, required=("config.json", "model.safetensors", "tokenizer.json")) is None
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temporary folders left
    assert lm.tokenizer.is_fast and lm.bos_token_id is not None


@pytest.mark.parametrize("damage", ["truncate", "no-manifest", "bad-manifest", "missing-file"])
def test_a_damaged_cache_is_detected_and_rebuilt(private_cache, damage, tiny):
    from promptlight.models import _resolve_folder

    # Build the cache without keeping a model on it (a loaded model maps the weights file).
    folder = model_cache_dir("tiny")
    assert _resolve_folder("tiny", spec="tiny") == str(folder)
    if damage == "truncate":
        with open(folder / "model.safetensors", "r+b") as f:
            f.truncate(100)
    elif damage == "no-manifest":
        (folder / MANIFEST).unlink()
    elif damage == "bad-manifest":
        (folder / MANIFEST).write_text("{not json")
    else:
        (folder / "tokenizer.json").unlink()
    assert check_cache(folder, required=("model.safetensors",)) is not None
    again = load_model("tiny", reuse=False)
    assert check_cache(folder, required=("model.safetensors",)) is None
    prompt = "Suggestion: quiche"
    # The rebuilt model is the same deterministic build as the session's tiny model.
    assert again.generate(prompt, max_new_tokens=6) == tiny.generate(prompt, max_new_tokens=6)


def test_two_concurrent_first_loads_both_get_a_whole_model(private_cache):
    results, errors = [], []

    def load():
        try:
            results.append(load_model("tiny", reuse=False))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 2
    manifest = json.loads((model_cache_dir("tiny") / MANIFEST).read_text())
    assert set(manifest["files"]) >= {"config.json", "model.safetensors", "tokenizer.json"}


def test_a_local_folder_and_a_name_prefix_load(tiny):
    lm = load_model(f"mine:{tiny.path}", reuse=False)
    assert lm.name == "mine" and lm.path == tiny.path


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nonexistent-preset", "Unknown model 'nonexistent-preset'"),
        ("/no/such/model.gguf", "Model file not found: '/no/such/model.gguf'"),
        (":tiny", "Spec ':tiny' has an empty NAME"),
    ],
)
def test_bad_specs_get_clear_errors(spec, message):
    with pytest.raises(ModelLoadError) as info:
        load_model(spec)
    assert message in str(info.value)


def test_a_folder_without_config_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="no config.json"):
        load_model(str(tmp_path))


def test_a_truncated_gguf_is_a_clear_error(tmp_path, private_cache):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 20)
    with pytest.raises(ModelLoadError) as info:
        load_model(str(bad), reuse=False)
    assert "broken.gguf" in str(info.value)
    assert not list((private_cache / "models").glob("gguf-broken-*"))  # nothing half-written kept


def test_greedy_generation_is_deterministic_and_spans_cover_the_text(tiny):
    a = tiny.generate("The quick brown fox", max_new_tokens=10)
    b = tiny.generate("The quick brown fox", max_new_tokens=10)
    assert a == b and len(a.token_ids) == 10 and a.finish_reason == "length"
    assert "".join(a.text[s.start : s.end] for s in a.token_spans) == a.text
    assert [t["text"] for t in a.tokens()] == [a.text[s.start : s.end] for s in a.token_spans]


def test_greedy_matches_argmax_of_a_full_forward(tiny):
    import torch

    gen = tiny.generate("Taste-likes: cheese", max_new_tokens=4)
    ids = list(tiny.tokenize("Taste-likes: cheese").ids)
    for expected in gen.token_ids:
        with torch.no_grad():
            logits = tiny.module(input_ids=torch.tensor([ids])).logits[0, -1]
        assert int(logits.argmax()) == expected
        ids.append(expected)


def test_stop_strings_cut_the_text(tiny):
    full = tiny.generate("Q: Tom has 3 apples.", max_new_tokens=30)
    assert len(full.text) > 4
    stop = full.text[3:5]
    cut = tiny.generate("Q: Tom has 3 apples.", max_new_tokens=30, stop=[stop])
    assert cut.finish_reason == "stop"
    assert cut.text == full.text[: full.text.index(stop)]
    assert all(s.end <= len(cut.text) for s in cut.token_spans)


def test_sampling_with_a_seed_is_reproducible_and_differs_from_greedy(tiny):
    kwargs = dict(max_new_tokens=20, temperature=1.5, top_p=0.9, top_k=40)
    a = tiny.generate("The", seed=1, **kwargs)
    b = tiny.generate("The", seed=1, **kwargs)
    c = tiny.generate("The", seed=2, **kwargs)
    assert a == b
    assert a.token_ids != c.token_ids


def test_top_k_one_is_greedy(tiny):
    greedy = tiny.generate("The", max_new_tokens=8)
    sampled = tiny.generate("The", max_new_tokens=8, temperature=1.0, top_k=1, seed=3)
    assert sampled.token_ids == greedy.token_ids


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_new_tokens": 0}, "max_new_tokens must be a positive integer"),
        ({"temperature": -1}, "temperature must be >= 0"),
        ({"top_p": 1.5}, "top_p must be in (0, 1]"),
        ({"top_k": -2}, "top_k must be an integer >= 0"),
        ({"stop": "x"}, "stop must be a list of non-empty strings"),
        ({"stop": [""]}, "stop must be a list of non-empty strings"),
    ],
)
def test_bad_generation_options(tiny, kwargs, message):
    with pytest.raises(ValueError) as info:
        tiny.generate("x", **kwargs)
    assert message in str(info.value)


def test_token_char_spans_give_partial_characters_empty_spans():
    pieces = {1: "a", 2: "\ufffd", 3: "é", 4: "b"}

    def decode(ids):
        # 2 then 3 are two halves of "é": alone, 2 decodes to the replacement character.
        text = "".join(pieces[i] for i in ids)
        return text.replace("\ufffdé", "é")

    spans = token_char_spans(decode, [1, 2, 3, 4], "aéb")
    assert [(s.start, s.end) for s in spans] == [(0, 1), (1, 1), (1, 2), (2, 3)]
