"""The ``LanguageModel`` protocol: everything generation, salience and the server may ask of a model.

Callers use a model only through these members; anything framework-specific (Hugging Face
modules, their cache classes, their tokenizer objects) lives in one backend file
(``hf.py``). A new backend implements this protocol and registers a loader; nothing else
changes.

Shapes: ``seq`` tokens, ``d`` the model width, ``vocab`` the vocabulary size. Every tensor a
caller builds for the model is made on ``lm.device``; embeddings come back in ``lm.dtype``
and callers cast to float32 for any accumulation.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from promptlight.types import Span

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


class CallStopped(RuntimeError):
    """Raised inside a model call when its ``stop`` event was set (see :meth:`LanguageModel.stoppable`)."""


@runtime_checkable
class LanguageModel(Protocol):
    """A loaded causal LM. Get one with :func:`promptlight.load_model`.

    ``lock`` serialises model calls: the weights are shared by every surface of a process.
    """

    name: str
    spec: str
    path: str
    lock: threading.RLock

    @property
    def device(self) -> torch.device: ...

    @property
    def dtype(self) -> torch.dtype: ...

    @property
    def bos_id(self) -> int | None: ...

    @property
    def eos_ids(self) -> frozenset[int]: ...

    @property
    def pad_id(self) -> int:
        """A token id safe to pad with (never attended to by a real token)."""
        ...

    def describe(self) -> dict[str, Any]:
        """JSON-safe facts: name, spec, device, dtype, parameters, layers, context length."""
        ...

    # --- text <-> tokens
    def tokenize(self, text: str, *, add_bos: bool = True) -> Tokenized: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    # --- salience: embeddings in, logits at a few positions out
    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """``[batch, seq]`` ids -> ``[batch, seq, d]``: ``e_i``, the vectors the first layer receives."""
        ...

    def logits_at(self, embeds: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """``[batch, seq, d], [k] -> [batch, k, vocab]``: next-token logits at ``positions`` only."""
        ...

    # --- prefix cache: one full pass, then many suffixes that share its prefix
    def prefix_pass(self, ids: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """Run ``[seq]`` ids once: ``(hidden [1, seq, d], cache)``; ``cache`` is opaque."""
        ...

    def extend(self, cache: Any, ids: torch.Tensor, prefix_len: int, suffixes: torch.Tensor) -> torch.Tensor:
        """Hidden states of ``suffixes`` ``[rows, w]`` after ``ids[:prefix_len]``: ``[rows, w, d]``.

        ``cache`` comes from :meth:`prefix_pass` on ``ids`` (a longer sequence than the prefix
        is fine). Suffix rows are right-padded by the caller; causal attention never lets a
        real token see padding. A backend that cannot reuse the cache recomputes the prefix.
        """
        ...

    def unembed(self, hidden: torch.Tensor) -> torch.Tensor:
        """``[..., d] -> [..., vocab]``: the output head (with final soft-capping, if the model has one)."""
        ...

    # --- generation
    def decode_step(self, ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """``[1, n]`` new ids after ``state`` (``None`` at the start) -> ``(logits [vocab], state)``."""
        ...

    # --- keeping the model unchanged
    def frozen(self) -> AbstractContextManager[None]:
        """Weights without gradients and eval mode for the block; restored on exit, even on error."""
        ...

    def stoppable(self, stop: threading.Event) -> AbstractContextManager[None]:
        """While the block runs in this thread, each layer raises :class:`CallStopped` once ``stop`` is set."""
        ...

    def generate(self, prompt: str, **options: Any) -> Any: ...


class ChatModel(LanguageModel, Protocol):
    """A model that can read chat messages (optional; :mod:`promptlight.chat` checks for it).

    ``render_chat(messages)`` is the prompt text for ``[{"role", "content"}, ...]`` through
    the model's chat template, with the generation prompt added and without a BOS that
    :meth:`tokenize` adds itself. ``has_chat_template`` is False when there is no template.
    """

    @property
    def has_chat_template(self) -> bool: ...

    def render_chat(self, messages: list[dict[str, str]]) -> str: ...
