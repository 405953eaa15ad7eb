"""``LanguageModel``: one set of weights shared by tokenization, generation and salience.

Wraps a Hugging Face causal LM and its fast tokenizer. The salience layer reaches the
model only through :meth:`LanguageModel.embed` (token ids -> the vectors the first layer
receives) and :meth:`LanguageModel.logits_at` (those vectors -> next-token logits at a few
positions), so it never needs to know the architecture.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from promptlight.types import Generation, Span

if TYPE_CHECKING:  # pragma: no cover
    import torch


@dataclasses.dataclass(frozen=True)
class Tokenized:
    """Token ids of a text and each token's char span; the spans partition the text.

    ``special[i]`` is true for tokens with no characters (BOS): their span is empty.
    """

    text: str
    ids: tuple[int, ...]
    spans: tuple[Span, ...]
    special: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.ids)


class LanguageModel:
    """A loaded causal LM. Use :func:`promptlight.load_model` to get one.

    ``lock`` serialises model calls: the weights and the module's flags are shared state.
    """

    def __init__(self, *, name: str, spec: str, module, tokenizer, path: str = "") -> None:
        self.name = name
        self.spec = spec
        self.path = path
        self.module = module.eval()
        self.tokenizer = tokenizer
        self.lock = threading.RLock()
        gen_cfg = getattr(module, "generation_config", None)
        eos: set[int] = set()
        for source in (getattr(gen_cfg, "eos_token_id", None), tokenizer.eos_token_id):
            if isinstance(source, int):
                eos.add(source)
            elif source is not None:
                eos.update(int(x) for x in source)
        self.eos_token_ids = frozenset(eos)
        self.bos_token_id = tokenizer.bos_token_id

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.module.parameters())
        return f"LanguageModel(name={self.name!r}, spec={self.spec!r}, parameters={n:,})"

    # --- text <-> tokens ---------------------------------------------------------------

    def tokenize(self, text: str, *, add_bos: bool = True) -> Tokenized:
        """Tokenize ``text`` the way the model sees it (with the tokenizer's BOS if ``add_bos``)."""
        from promptlight.segments import token_spans_from_offsets

        enc = self.tokenizer(
            text,
            add_special_tokens=False,
            return_offsets_mapping=True,
            return_attention_mask=False,
        )
        ids = list(enc["input_ids"])
        offsets = [tuple(o) for o in enc["offset_mapping"]]
        special = [False] * len(ids)
        if add_bos and self.bos_token_id is not None:
            ids.insert(0, self.bos_token_id)
            offsets.insert(0, (0, 0))
            special.insert(0, True)
        spans = token_spans_from_offsets(text, offsets, special=special) if ids else ()
        return Tokenized(text=text, ids=tuple(ids), spans=tuple(spans), special=tuple(special))

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False)

    # --- the two entry points of the salience layer -----------------------------------

    def input_embeddings(self):
        """The module whose output is ``e_i``, the vector the first layer receives."""
        return self.module.get_input_embeddings()

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """``[batch, seq] -> [batch, seq, d_model]`` through the input-embedding module."""
        return self.input_embeddings()(ids)

    def logits_at(self, embeds: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Next-token logits at ``positions`` only: ``[batch, seq, d] , [k] -> [batch, k, vocab]``.

        Only ``k`` rows of the vocabulary projection are computed (never ``seq`` of them).
        """
        out = self.module(inputs_embeds=embeds, logits_to_keep=positions, use_cache=False)
        return out.logits  # [batch, k, vocab]

    def backbone(self, input_ids: torch.Tensor, *, past_key_values=None, use_cache: bool = False):
        """Run the transformer body on ``[batch, seq]`` ids; ``.last_hidden_state`` is ``[batch, seq, d]``."""
        return self.module.get_decoder()(input_ids=input_ids, past_key_values=past_key_values, use_cache=use_cache)

    def logits_from_hidden(self, hidden: torch.Tensor) -> torch.Tensor:
        """``[..., d] -> [..., vocab]``: the output projection (and final soft-capping, if the model has one)."""
        import torch

        logits = self.module.get_output_embeddings()(hidden)
        cap = getattr(self.module.config, "final_logit_softcapping", None)
        if cap:
            logits = torch.tanh(logits / cap) * cap
        return logits

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Weights without gradients and eval mode for the duration; restored on exit, even on error."""
        params = list(self.module.parameters())
        saved = [p.requires_grad for p in params]
        was_training = self.module.training
        try:
            for p in params:
                p.requires_grad_(False)
            self.module.eval()
            yield
        finally:
            for p, flag in zip(params, saved):
                p.requires_grad_(flag)
            self.module.train(was_training)

    # --- generation -------------------------------------------------------------------

    def generate(
        self,
        prompt: str,
        *,
        max_new_tokens: int = 64,
        temperature: float = 0.0,
        top_p: float = 1.0,
        top_k: int = 0,
        seed: int | None = None,
        stop: Sequence[str] = (),
    ) -> Generation:
        """Continue ``prompt``; greedy when ``temperature == 0``. See :mod:`promptlight.models.generation`."""
        from promptlight.models.generation import generate

        return generate(
            self,
            prompt,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            seed=seed,
            stop=stop,
        )
