"""Every causal LM family promptlight claims, on tiny random models built from configs (never downloaded).

For each family: occlusion equals an explicit re-run (a full forward of the shortened ids,
no cache) to 1e-4; gradients equal a plain autograd reference; batched occlusion equals
unbatched; generation's token offsets slice its text. Families with sliding windows get a
window shorter than the prompt; GPT-2 has absolute positions, Gemma 2 logit soft-capping.
Each is checked with the byte-level BPE tokenizer of the ``tiny`` preset, with and without BOS,
and Llama and Gemma 3 also with a SentencePiece-style tokenizer trained here (``▁`` for spaces, a
``▁`` prepended, byte fallback for characters it never saw: the prompt has some).
"""

from __future__ import annotations

import pytest
import torch
import transformers as T

from promptlight.models import load_model
from promptlight.pipeline import explain
from tests.reruns import assert_occlusion_equals_reruns

pytestmark = pytest.mark.unit

PROMPT = (
    "Taste-likes: cheese, tomatoes, crème brûlée 🍮.\nTaste-dislikes: eggs.\n"
    "Suggestion: quiche with eggs and cheese.\nAnalysis:"
)
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
        "gemma3": T.Gemma3TextConfig(
            num_key_value_heads=2,
            head_dim=16,
            sliding_window=16,
            layer_types=["sliding_attention", "full_attention"],
            **common,
        ),
    }


FAMILIES = ["llama", "mistral", "qwen2", "qwen3", "phi3", "gpt2", "gpt_neox", "olmo2", "gemma2", "gemma3"]
# (family, tokenizer): the tiny preset's byte-level BPE with BOS ("bos") or without ("nobos"),
# or a SentencePiece-style one with byte fallback ("sp").
CASES = (
    [(f, "bos") for f in FAMILIES]
    + [("gpt2", "nobos"), ("qwen3", "nobos"), ("llama", "nobos")]
    + [("llama", "sp"), ("gemma3", "sp")]
)
_SP_CORPUS = (
    "The quick brown fox jumps over the lazy dog. Taste-likes: cheese, tomatoes. Taste-dislikes: eggs.\n"
    "Suggestion: quiche with eggs and cheese. Analysis: The quiche has eggs. Recommendation: Avoid it.\n"
)


def _sentencepiece_style_tokenizer() -> T.PreTrainedTokenizerFast:
    """A BPE over ``▁``-joined text with the 256 byte tokens as fallback, as converted SentencePiece models have."""
    from tokenizers import Tokenizer, decoders, models, normalizers, trainers

    byte_tokens = [f"<0x{i:02X}>" for i in range(256)]
    bpe = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    bpe.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    bpe.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=420, special_tokens=["<unk>", "<s>", "</s>", "<pad>", *byte_tokens], limit_alphabet=60,
        show_progress=False,
    )  # fmt: skip
    bpe.train_from_iterator([_SP_CORPUS] * 4, trainer=trainer)
    return T.PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )


@pytest.fixture(scope="module", params=CASES, ids=[f"{f}-{k}" for f, k in CASES])
def family(request, tiny, tmp_path_factory):
    name, kind = request.param
    with_bos = kind != "nobos"
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp(f"{name}-{kind}")
    tokenizer = _sentencepiece_style_tokenizer() if kind == "sp" else tiny.tokenizer
    T.AutoModelForCausalLM.from_config(_configs(len(tokenizer))[name]).save_pretrained(folder)
    if kind == "sp":
        tokenizer.save_pretrained(folder)
    elif with_bos:
        tiny.tokenizer.save_pretrained(folder)
    else:
        T.PreTrainedTokenizerFast(
            tokenizer_object=tiny.tokenizer.backend_tokenizer, eos_token="<eos>", pad_token="<pad>"
        ).save_pretrained(folder)
    lm = load_model(str(folder), reuse=False)
    assert (lm.bos_id is not None) == with_bos
    return lm


def test_occlusion_equals_an_explicit_rerun(family):
    lm = family
    result = explain(lm, PROMPT, target=TARGET, method="occlusion", granularity="words", batch_size=4)
    checked = assert_occlusion_equals_reruns(lm, result, "words")
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


def test_token_spans_are_exact(family):
    """Spans partition the text in order, and each token (with the byte pieces completing its
    character) decodes to exactly the characters its span covers."""
    tok = family.tokenize(PROMPT + TARGET)
    text = tok.text
    assert "".join(text[s.start : s.end] for s in tok.spans) == text
    groups: list[list[int]] = []
    for i, (span, special) in enumerate(zip(tok.spans, tok.special)):
        if special:
            continue
        if groups and len(span) == 0 and span.start == tok.spans[groups[-1][-1]].end:
            groups[-1].append(i)  # a byte piece finishing the previous token's character
        else:
            groups.append([i])
    for group in groups:
        start, end = tok.spans[group[0]].start, tok.spans[group[-1]].end
        decoded = family.decode([tok.ids[i] for i in group])
        assert decoded.strip() == text[start:end].strip(), (group, decoded, text[start:end])
    if "<0x00>" in family.tokenizer.get_vocab():  # SentencePiece-style: the unseen characters fell back to bytes
        pieces = family.tokenizer.convert_ids_to_tokens(list(tok.ids))
        assert "<0xF0>" in pieces and "▁" in "".join(pieces)
