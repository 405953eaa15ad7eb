"""Every causal LM family promptlight claims, on tiny random models built from configs (never downloaded).

For each family: occlusion equals an explicit re-run (a full forward of the shortened ids,
no cache) to 1e-4; gradients equal a plain autograd reference; batched occlusion equals
unbatched; generation's token offsets slice its text. Families with sliding windows get a
window shorter than the prompt; GPT-2 has absolute positions, Gemma 2 logit soft-capping.
Each is checked with the byte-level BPE tokenizer of the ``tiny`` preset, with and without BOS.
"""

from __future__ import annotations

import pytest
import torch
import transformers as T

from promptlight.models import load_model
from promptlight.pipeline import explain
from promptlight.segments import assign_tokens
from promptlight.types import Span

pytestmark = pytest.mark.unit

PROMPT = "Taste-likes: cheese, tomatoes.\nTaste-dislikes: eggs.\nSuggestion: quiche with eggs and cheese.\nAnalysis:"
TARGET = " The quiche has eggs. Recommendation: Avoid it."


def _configs(vocab: int) -> dict[str, object]:
    common = dict(
        vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        max_position_embeddings=512,
    )  # fmt: skip
    return {
        "llama": T.LlamaConfig(num_key_value_heads=2, **common),
        "mistral": T.MistralConfig(num_key_value_heads=2, sliding_window=16, **common),
        "qwen2": T.Qwen2Config(num_key_value_heads=2, **common),
        "qwen3": T.Qwen3Config(num_key_value_heads=2, head_dim=16, **common),
        "phi3": T.Phi3Config(num_key_value_heads=2, pad_token_id=0, **common),
        "gpt2": T.GPT2Config(vocab_size=vocab, n_embd=64, n_layer=2, n_head=4, n_positions=512),
        "gpt_neox": T.GPTNeoXConfig(**common),
        "olmo2": T.Olmo2Config(num_key_value_heads=2, **common),
        "gemma2": T.Gemma2Config(num_key_value_heads=2, head_dim=16, sliding_window=16, **common),
    }


FAMILIES = ["llama", "mistral", "qwen2", "qwen3", "phi3", "gpt2", "gpt_neox", "olmo2", "gemma2"]
CASES = [(f, True) for f in FAMILIES] + [("gpt2", False), ("qwen3", False), ("llama", False)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{f}-{'bos' if b else 'nobos'}" for f, b in CASES])
def family(request, tiny, tmp_path_factory):
    name, with_bos = request.param
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp(f"{name}-{with_bos}")
    T.AutoModelForCausalLM.from_config(_configs(tiny.module.config.vocab_size)[name]).save_pretrained(folder)
    if with_bos:
        tiny.tokenizer.save_pretrained(folder)
    else:
        T.PreTrainedTokenizerFast(
            tokenizer_object=tiny.tokenizer.backend_tokenizer, eos_token="<eos>", pad_token="<pad>"
        ).save_pretrained(folder)
    lm = load_model(str(folder), reuse=False)
    assert (lm.bos_id is not None) == with_bos
    return lm


def _reference_f(lm, ids: torch.Tensor, k: int) -> float:
    """f of the last ``k`` tokens of ``ids`` by a plain full forward (full logits everywhere, no cache)."""
    with torch.no_grad():
        logprobs = torch.log_softmax(lm.module(input_ids=ids[None]).logits[0].double(), dim=-1)
    n = ids.shape[0]
    return float(sum(logprobs[j - 1, ids[j]] for j in range(n - k, n)))


def test_occlusion_equals_an_explicit_rerun(family):
    lm = family
    result = explain(lm, PROMPT, target=TARGET, method="occlusion", granularity="words", batch_size=4)
    ids = torch.tensor(lm.tokenize(result.text).ids)
    first, last = result.target_token_span
    k = last - first
    full = _reference_f(lm, ids[:last], k)
    assert result.objective_value == pytest.approx(full, abs=1e-4)
    owner = assign_tokens(result.text, [Span(t.start, t.end) for t in result.tokens], result.boundaries["words"])
    checked = 0
    for segment, value in enumerate(result.segment_scores["occlusion"].values):
        if value is None:
            continue
        keep = [i for i in range(last) if not (i < first and owner[i] == segment and not result.tokens[i].special)]
        assert value == pytest.approx(full - _reference_f(lm, ids[keep], k), abs=1e-4), segment
        checked += 1
    assert checked >= 10
    again = explain(lm, PROMPT, target=TARGET, method="occlusion", granularity="words", batch_size=1)
    assert again.segment_scores["occlusion"].values == pytest.approx(result.segment_scores["occlusion"].values, abs=1e-4)


def test_gradients_equal_an_autograd_reference(family):
    lm = family
    result = explain(lm, PROMPT, target=TARGET, method="grad_dot_input")
    first, last = result.target_token_span
    ids = torch.tensor(lm.tokenize(result.text).ids)[:last]
    embeds = lm.module.get_input_embeddings()(ids[None]).detach().requires_grad_(True)
    logprobs = torch.log_softmax(lm.module(inputs_embeds=embeds).logits[0].double(), dim=-1)
    f = sum(logprobs[j - 1, ids[j]] for j in range(first, last))
    (grad,) = torch.autograd.grad(f, embeds)
    dot = (grad[0, :first] * embeds[0, :first]).sum(-1).float()
    torch.testing.assert_close(torch.tensor(result.token_scores("grad_dot_input")[:first]), dot, rtol=1e-3, atol=1e-5)
    l2 = torch.tensor(result.token_scores("grad_l2")[:first])
    torch.testing.assert_close(l2, grad[0, :first].norm(dim=-1).float(), rtol=1e-3, atol=1e-5)


def test_generation_offsets_slice_the_text(family):
    gen = family.generate(PROMPT, max_new_tokens=8, temperature=1.0, seed=0)
    assert len(gen.token_ids) == len(gen.token_spans) >= 1
    assert "".join(gen.text[s.start : s.end] for s in gen.token_spans) == gen.text
