"""The memory estimate of a salience call and what the budget does with it: shrink a batch
(the result says so, and the scores are those of that batch size) or refuse, naming both."""

from __future__ import annotations

import pytest

from promptlight import explain
from promptlight.errors import InvalidArgument
from promptlight.models.memory import activation_bytes, estimate_call_bytes, model_shape, rows_that_fit

SHORT = "Taste-likes: cheese.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nRecommendation:"
TARGET = " Avoid it."


def test_the_shape_comes_from_the_config(tiny):
    shape = model_shape(tiny)
    config = tiny.module.config
    assert shape == {
        "layers": config.num_hidden_layers,
        "hidden": config.hidden_size,
        "mlp": config.intermediate_size,
        "query": config.num_attention_heads * config.head_dim,
        "kv": config.num_key_value_heads * config.head_dim,
        "vocab": config.vocab_size,
        "bytes": 4,
    }


def test_the_estimate_is_linear_in_tokens_and_rows(tiny):
    shape = model_shape(tiny)
    assert shape is not None
    one = estimate_call_bytes(shape, method_level="tokens", tokens=100, rows=1)
    assert estimate_call_bytes(shape, method_level="tokens", tokens=200, rows=1) == 2 * one
    assert estimate_call_bytes(shape, method_level="tokens", tokens=100, rows=3) == 3 * one
    # Without a backward only one layer's intermediates are alive, plus the prefix cache.
    forward = estimate_call_bytes(shape, method_level="lines", tokens=100, rows=1)
    assert 0 < forward < one and forward > activation_bytes(shape, tokens=100, rows=1, backward=False)
    assert rows_that_fit(shape, method_level="tokens", tokens=100, limit=3 * one + 1, wanted=8) == 3
    assert rows_that_fit(shape, method_level="tokens", tokens=100, limit=one - 1, wanted=8) == 0
    assert rows_that_fit(shape, method_level="tokens", tokens=100, limit=100 * one, wanted=8) == 8


@pytest.fixture(scope="module")
def deep_tiny(tiny, tmp_path_factory):
    """The tiny model's tokenizer on twelve layers: deep enough for checkpointing to pay."""
    import torch
    import transformers as T

    from promptlight.models import load_model

    folder = tmp_path_factory.mktemp("deep-tiny")
    config = T.Gemma3TextConfig(
        vocab_size=len(tiny.tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=12,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, sliding_window=64, max_position_embeddings=1024,
    )  # fmt: skip
    torch.manual_seed(0)
    T.Gemma3ForCausalLM(config).save_pretrained(folder)
    tiny.tokenizer.save_pretrained(folder)
    return load_model(str(folder), reuse=False)


def test_a_gradient_pass_over_the_budget_recomputes_activations_and_gives_the_same_scores(deep_tiny):
    lm = deep_tiny
    for module in lm.module.modules():  # dropout that would act if checkpointing put submodules in training mode
        if hasattr(module, "attention_dropout"):
            module.attention_dropout = 0.5
    shape = model_shape(lm)
    assert shape is not None
    prompt = SHORT
    while estimate_call_bytes(shape, method_level="tokens", tokens=len(lm.tokenize(prompt + TARGET).ids), rows=1) <= 2**20:
        prompt = "Taste-likes: cheese and leeks.\n" + prompt
    seq = len(lm.tokenize(prompt + TARGET).ids)
    assert estimate_call_bytes(shape, method_level="tokens", tokens=seq, rows=1, checkpointed=True) <= 2**20
    plain = explain(lm, prompt, target=TARGET, method="grad_l2")
    budgeted = explain(lm, prompt, target=TARGET, method="grad_l2", settings={"max_call_memory": 1})
    assert budgeted.methods["grad_l2"]["checkpointed"] is True and "checkpointed" not in plain.methods["grad_l2"]
    first = plain.target_token_span[0]
    for name in ("grad_l2", "grad_dot_input"):
        assert budgeted.token_scores(name)[:first] == pytest.approx(plain.token_scores(name)[:first], rel=1e-5, abs=1e-7)
    assert not any(m.training for m in lm.module.modules())  # everything back in eval mode


def test_a_call_over_the_budget_is_refused_naming_the_estimate_and_the_setting(tiny):
    long_prompt = SHORT.replace("\n", " and more cheese.\n") * 6
    seq = len(tiny.tokenize(long_prompt + TARGET).ids)
    shape = model_shape(tiny)
    assert shape is not None
    assert estimate_call_bytes(shape, method_level="tokens", tokens=seq, rows=1) > 2**20
    with pytest.raises(InvalidArgument) as info:
        explain(tiny, long_prompt, target=TARGET, method="grad_l2", settings={"max_call_memory": 1})
    message = str(info.value)
    assert info.value.field == "prompt"
    assert "max_call_memory = 1 MiB" in message and "MiB for" in message and f"{seq} tokens" in message
    # Without settings (plain Python use) the call runs and reports its estimate.
    result = explain(tiny, long_prompt, target=TARGET, method="grad_l2")
    assert result.methods["grad_l2"]["memory_estimate_bytes"] == estimate_call_bytes(
        shape, method_level="tokens", tokens=result.target_token_span[1], rows=1
    )


def test_a_batch_over_the_budget_is_shrunk_and_the_result_says_so(tiny):
    shape = model_shape(tiny)
    assert shape is not None
    seq = explain(tiny, SHORT, target=TARGET, method="grad_l2").target_token_span[1]
    per_row = estimate_call_bytes(shape, method_level="tokens", tokens=seq, rows=1)
    limit_mib = -(-2 * per_row // 2**20)  # room for a whole number of rows, at least two
    fits = rows_that_fit(shape, method_level="tokens", tokens=seq, limit=limit_mib * 2**20, wanted=16)
    assert 2 <= fits < 16
    shrunk = explain(tiny, SHORT, target=TARGET, method="integrated_gradients", steps=16, settings={"max_call_memory": limit_mib})
    meta = shrunk.methods["integrated_gradients"]
    assert meta["batch_size_shrunk_from"] == min(16, 2048 // seq) and shrunk.options["batch_size"] == fits
    assert meta["memory_limit_bytes"] == limit_mib * 2**20
    explicit = explain(tiny, SHORT, target=TARGET, method="integrated_gradients", steps=16, batch_size=fits)
    assert shrunk.token_scores("integrated_gradients") == pytest.approx(explicit.token_scores("integrated_gradients"), abs=1e-6)
