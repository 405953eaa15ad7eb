"""The ``tiny`` preset: a randomly initialised small causal LM for tests and instant demos.

Same architecture family as the default model (Gemma 3), with a byte-level BPE tokenizer
trained in-process on a fixed corpus, so tests also cover a tokenizer unlike Gemma's
SentencePiece one. Everything is deterministic: the same folder is built on every machine.
Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

TINY_VOCAB_SIZE = 512
TINY_SEED = 0

# Text the tokenizer is trained on: varied enough that common English words become tokens.
_CORPUS = (
    "The quick brown fox jumps over the lazy dog. A cheese and leek quiche with eggs.\n"
    "Taste-likes: cheese, tomatoes, spicy food. Taste-dislikes: eggs, mushrooms.\n"
    "Suggestion: grilled salmon. Analysis: The dish contains fish. Recommendation: Try it.\n"
    "Q: Tom has 3 apples and buys 4 more. How many apples does he have? A: 3 + 4 = 7. The answer is 7.\n"
    "Headline: City council approves new park after a long debate about the budget.\n"
    "Ideas for a weekend project: build a bird feeder, plant herbs, fix the bike.\n"
    "0123456789 + - * / = ( ) [ ] { } < > ! ? , . ; : ' \" \n\n"
)


def build_tiny(out_dir: Path) -> None:
    """Write the tiny model's HF folder into ``out_dir``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, PreTrainedTokenizerFast

    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=TINY_VOCAB_SIZE,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator([_CORPUS] * 4, trainer=trainer)
    bos_id = bpe.token_to_id("<bos>")
    bpe.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<bos> $A", pair="<bos> $A $B", special_tokens=[("<bos>", bos_id)]),
        ]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>"
    )
    tokenizer.save_pretrained(out_dir)

    config = Gemma3TextConfig(
        vocab_size=bpe.get_vocab_size(),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=4096,
        sliding_window=64,
        layer_types=["sliding_attention", "full_attention"],
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=bos_id,
        tie_word_embeddings=True,
        dtype="float32",
    )
    torch.manual_seed(TINY_SEED)
    model = Gemma3ForCausalLM(config)
    # A larger init than the default makes the random model's predictions (and salience) non-flat.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.2)
    model.save_pretrained(out_dir)


#: The chat template of ``tiny-chat``: Gemma's turn markers, with a system message folded
#: into the first user turn (as Gemma's own template does) and a BOS written at the start.
TINY_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% set ns = namespace(folded='', rest=messages) %}"
    "{% if messages and messages[0]['role'] == 'system' %}"
    "{% set ns.folded = (messages[0]['content'] | trim) ~ '\\n\\n' %}{% set ns.rest = messages[1:] %}"
    "{% endif %}"
    "{% for message in ns.rest %}"
    "{{ '<start_of_turn>' ~ ('model' if message['role'] == 'assistant' else message['role']) ~ '\\n' }}"
    "{{ (ns.folded if loop.first else '') ~ (message['content'] | trim) ~ '<end_of_turn>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
)
TURN_MARKERS = ("<start_of_turn>", "<end_of_turn>")


def build_tiny_chat(out_dir: Path) -> None:
    """``tiny`` plus two turn-marker tokens and :data:`TINY_CHAT_TEMPLATE`; generation stops at ``<end_of_turn>``."""
    import tempfile

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with tempfile.TemporaryDirectory() as base:
        build_tiny(Path(base))
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    tokenizer.add_special_tokens({"additional_special_tokens": list(TURN_MARKERS)})
    tokenizer.chat_template = TINY_CHAT_TEMPLATE
    torch.manual_seed(TINY_SEED + 1)
    model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    with torch.no_grad():
        weight: torch.Tensor = model.get_input_embeddings().weight  # type: ignore[assignment]  # [vocab, d]
        weight[-len(TURN_MARKERS) :].normal_(0.0, 0.2)
    end_of_turn = tokenizer.convert_tokens_to_ids(TURN_MARKERS[1])
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, end_of_turn]
    model.config.eos_token_id = [tokenizer.eos_token_id, end_of_turn]
    tokenizer.save_pretrained(out_dir)
    model.save_pretrained(out_dir)
