"""A toy causal LM with a planted dependency, whose correct attribution is known by construction.

``PlantedCopyLM``: every position's hidden state is a causal sum of the embeddings seen
so far, each gated by how strongly it points along a planted direction ``u``:

    h_j = sum_{i <= j} sigmoid(beta * (e_i . u - tau)) * e_i          logits_j = h_j E^T

Only the planted token's embedding points along ``u`` (its gate is ~1, every other gate
~0), so the model predicts the planted token wherever it has been seen: its output
copies that earlier token. Removing or zeroing the planted token destroys the prediction;
every other token barely matters. Every salience method must rank it first.

It implements the :class:`~promptlight.models.base.LanguageModel` protocol directly (no
Hugging Face module): its prefix cache is the running sum ``h`` itself, so occlusion's
cache reuse is exercised for real. Tokenization is borrowed from a real model.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from promptlight.models.base import CallStopped, LanguageModel, Tokenized


class PlantedCopyLM:
    """Copies ``planted_id`` forward; see the module docstring."""

    def __init__(self, *, tokenizer_of: LanguageModel, vocab_size: int, planted_id: int, dim: int = 32, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        weight = torch.randn(vocab_size, dim, generator=g) / dim**0.5  # [vocab, d]
        u = torch.zeros(dim)
        u[0] = 1.0
        weight[:, 0] = 0.0  # no token points along u ...
        weight[planted_id] = weight[planted_id] * 0.3
        weight[planted_id, 0] = 4.0  # ... except the planted one, strongly
        self.weight = weight.requires_grad_(True)  # a parameter: frozen() must switch it off and back
        self.u = u
        self.beta, self.tau = 8.0, 1.0
        self.planted_id = planted_id
        self.name, self.spec, self.path = "planted-copy", "toy", ""
        self.lock = threading.RLock()
        self._text = tokenizer_of
        self._stop: threading.Event | None = None

    # --- facts
    device = torch.device("cpu")
    dtype = torch.float32

    @property
    def bos_id(self) -> int | None:
        return self._text.bos_id

    @property
    def eos_ids(self) -> frozenset[int]:
        return frozenset()

    @property
    def pad_id(self) -> int:
        return 0

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "spec": self.spec, "device": "cpu", "dtype": "float32"}

    # --- text
    def tokenize(self, text: str, *, add_bos: bool = True) -> Tokenized:
        return self._text.tokenize(text, add_bos=add_bos)

    def decode(self, ids: Sequence[int]) -> str:
        return self._text.decode(ids)

    # --- the model
    def _check(self) -> None:
        if self._stop is not None and self._stop.is_set():
            raise CallStopped("stopped")

    def _gated(self, embeds: torch.Tensor) -> torch.Tensor:
        """``[b, s, d] -> [b, s, d]``: each embedding times its gate."""
        self._check()
        gate = torch.sigmoid(self.beta * (embeds @ self.u - self.tau))  # [b, s]
        return gate[..., None] * embeds

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.weight[ids]  # [b, s, d]

    def unembed(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.weight.T  # [..., vocab]

    def logits_at(self, embeds: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        hidden = torch.cumsum(self._gated(embeds), dim=1)  # [b, s, d]
        return self.unembed(hidden[:, positions])  # [b, k, vocab]

    def prefix_pass(self, ids: torch.Tensor) -> tuple[torch.Tensor, Any]:
        hidden = torch.cumsum(self._gated(self.embed(ids[None])), dim=1)  # [1, seq, d]
        return hidden, hidden  # the running sums are the cache

    def extend(self, cache: Any, ids: torch.Tensor, prefix_len: int, suffixes: torch.Tensor) -> torch.Tensor:
        start = cache[0, prefix_len - 1] if prefix_len > 0 else torch.zeros(self.weight.shape[1])  # [d]
        return start + torch.cumsum(self._gated(self.embed(suffixes)), dim=1)  # [rows, w, d]

    def decode_step(self, ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        running = (0 if state is None else state) + self._gated(self.embed(ids)).sum(dim=1)[0]  # [d]
        return self.unembed(running), running  # [vocab], [d]

    def generate(self, prompt: str, **options: Any) -> Any:
        from promptlight.models.generation import generate

        return generate(self, prompt, **options)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        saved = self.weight.requires_grad
        try:
            self.weight.requires_grad_(False)
            yield
        finally:
            self.weight.requires_grad_(saved)

    @contextlib.contextmanager
    def stoppable(self, stop: threading.Event) -> Iterator[None]:
        with self.lock:
            self._stop = stop
            try:
                yield
            finally:
                self._stop = None


class PlantedContrastLM(PlantedCopyLM):
    """A toy whose choice between two answers depends on one token only, while another raises both.

    Two channels, summed causally over the tokens seen so far:

        h_j = sum_{i <= j} sigmoid(beta * (e_i . u - tau)) * e_i        (only ``decider`` passes: e . u = 4)
        s_j = sum_{i <= j} e_i . v                                      (only ``raiser`` has e . v != 0: 4)
        logits_j = h_j U^T + s_j * c * (1[answer_a] + 1[answer_b])

    ``U[answer_a] - U[answer_b]`` points along ``u`` only, so ``log p(a) - log p(b) =
    h_j . (U_a - U_b)`` depends on the decider alone and not at all on the raiser (its
    channel adds the same to both logits, and the softmax normaliser cancels). Under the
    plain objective ``log p(a)`` the raiser matters a lot. The hidden state is ``[h, s]``
    (``dim + 1`` wide).
    """

    def __init__(
        self,
        *,
        tokenizer_of: LanguageModel,
        vocab_size: int,
        decider: int,
        raiser: int,
        answer_a: int,
        answer_b: int,
        dim: int = 32,
        seed: int = 0,
    ):
        super().__init__(tokenizer_of=tokenizer_of, vocab_size=vocab_size, planted_id=decider, dim=dim, seed=seed)
        g = torch.Generator().manual_seed(seed + 1)
        weight = torch.randn(vocab_size, dim, generator=g) / dim**0.5  # [vocab, d]
        weight[:, :2] = 0.0  # no token points along u (axis 0) or v (axis 1) ...
        weight[decider, 0] = 4.0  # ... except the decider along u
        weight[raiser, 1] = 4.0  # ... and the raiser along v
        self.weight = weight.requires_grad_(True)
        self.v = torch.zeros(dim)
        self.v[1] = 1.0
        out = torch.randn(vocab_size, dim, generator=g) / dim**0.5  # [vocab, d]
        out[:, 0] = 0.0
        out[answer_b] = out[answer_a]
        out[answer_a, 0], out[answer_b, 0] = 1.0, -1.0  # a - b along u only
        self.out = out
        self.both = torch.zeros(vocab_size)
        self.both[answer_a] = self.both[answer_b] = 0.75  # times e . v = 4: +3 to both logits

    def _gated(self, embeds: torch.Tensor) -> torch.Tensor:
        """``[b, s, d] -> [b, s, d + 1]``: the decider channel and the raiser channel."""
        self._check()
        gate_u = torch.sigmoid(self.beta * (embeds @ self.u - self.tau))  # [b, s]
        raise_both = embeds @ self.v  # [b, s], linear: every method sees its slope
        return torch.cat([gate_u[..., None] * embeds, raise_both[..., None]], dim=-1)

    def unembed(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden[..., :-1] @ self.out.T + hidden[..., -1:] * self.both  # [..., vocab]

    def extend(self, cache: Any, ids: torch.Tensor, prefix_len: int, suffixes: torch.Tensor) -> torch.Tensor:
        start = cache[0, prefix_len - 1] if prefix_len > 0 else torch.zeros(self.weight.shape[1] + 1)  # [d + 1]
        return start + torch.cumsum(self._gated(self.embed(suffixes)), dim=1)  # [rows, w, d + 1]

    def decode_step(self, ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        running = (0 if state is None else state) + self._gated(self.embed(ids)).sum(dim=1)[0]  # [d + 1]
        return self.unembed(running), running
