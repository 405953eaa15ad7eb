"""The Hugging Face backend: a transformers causal LM and its fast tokenizer behind the protocol.

Everything that knows about ``transformers`` modules, their key/value cache classes and
their tokenizer objects is in this file; the rest of promptlight sees only
:class:`~promptlight.models.base.LanguageModel`.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from promptlight.models.base import CallStopped, Tokenized

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from promptlight.types import Generation


class HFLanguageModel:
    """A loaded transformers causal LM (see :class:`~promptlight.models.base.LanguageModel`).

    ``module`` and ``tokenizer`` are the transformers objects; only this backend and the
    model-loading code touch them.
    """

    def __init__(self, *, name: str, spec: str, module: Any, tokenizer: Any, path: str = "") -> None:
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
        self._eos_ids = frozenset(eos)
        # transformers renamed the cache argument and output from ``past_key_values`` to ``cache``.
        self._cache_arg = "cache" if "cache" in inspect.signature(module.forward).parameters else "past_key_values"

    def __repr__(self) -> str:
        return (
            f"HFLanguageModel(name={self.name!r}, spec={self.spec!r}, device={str(self.device)!r}, "
            f"dtype={self.dtype_name!r}, parameters={self.num_parameters():,})"
        )

    # --- facts -------------------------------------------------------------------------

    @property
    def device(self) -> torch.device:
        """Where inputs go: the device of the input embeddings (the first shard under a device map)."""
        return self.module.get_input_embeddings().weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.module.get_input_embeddings().weight.dtype

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    @property
    def bos_id(self) -> int | None:
        return self.tokenizer.bos_token_id

    @property
    def eos_ids(self) -> frozenset[int]:
        return self._eos_ids

    @property
    def pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        if pad is None:
            pad = min(self._eos_ids) if self._eos_ids else 0
        return int(pad)

    # Older names, kept for callers of the first version.
    @property
    def bos_token_id(self) -> int | None:
        return self.bos_id

    @property
    def eos_token_ids(self) -> frozenset[int]:
        return self._eos_ids

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    def describe(self) -> dict[str, Any]:
        config = self.module.config
        placement = getattr(self.module, "hf_device_map", None)
        return {
            "name": self.name,
            "spec": self.spec,
            "backend": "transformers",
            "architecture": type(self.module).__name__,
            "device": str(self.device),
            "dtype": self.dtype_name,
            "device_map": sorted({str(v) for v in placement.values()}) if placement else None,
            "parameters": self.num_parameters(),
            "layers": getattr(config, "num_hidden_layers", None),
            "context_length": getattr(config, "max_position_embeddings", None),
            "chat_template": self.has_chat_template,
            "shape": self._shape(),
        }

    def _shape(self) -> dict[str, int]:
        """The widths :mod:`promptlight.models.memory` estimates from (GPT-2's names included)."""
        c = self.module.config

        def first(*names: str, default: int) -> int:
            for name in names:
                value = getattr(c, name, None)
                if isinstance(value, int) and value > 0:
                    return value
            return default

        hidden = first("hidden_size", "n_embd", default=0)
        heads = first("num_attention_heads", "n_head", default=1)
        head_dim = first("head_dim", default=hidden // heads)
        kv_heads = first("num_key_value_heads", default=heads)
        mlp = first("intermediate_size", "n_inner", default=4 * hidden)
        layers = first("num_hidden_layers", "n_layer", default=0)
        return {
            "layers": layers,
            "hidden": hidden,
            "mlp": mlp,
            "query": heads * head_dim,
            "kv": kv_heads * head_dim,
            "vocab": first("vocab_size", default=0),
            "bytes": self.dtype.itemsize,
        }

    # --- text <-> tokens ---------------------------------------------------------------

    def tokenize(self, text: str, *, add_bos: bool = True) -> Tokenized:
        """Tokenize ``text`` the way the model sees it (with the tokenizer's BOS if ``add_bos``)."""
        from promptlight.segments import token_spans_from_offsets

        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, return_attention_mask=False)
        ids = list(enc["input_ids"])
        offsets = [tuple(o) for o in enc["offset_mapping"]]
        # A SentencePiece-style normalizer prepends "▁" to the text; its token reports the first
        # character's offsets though it holds none of them: give it an empty range there.
        for i, piece in enumerate(self.tokenizer.convert_ids_to_tokens(ids)):
            a, b = offsets[i]
            if b > a and isinstance(piece, str) and piece and set(piece) == {"▁"} and not text[a:b].isspace():
                offsets[i] = (a, a)
        special = [False] * len(ids)
        if add_bos and self.bos_id is not None:
            ids.insert(0, self.bos_id)
            offsets.insert(0, (0, 0))
            special.insert(0, True)
        spans = token_spans_from_offsets(text, offsets, special=special) if ids else ()
        return Tokenized(text=text, ids=tuple(ids), spans=tuple(spans), special=tuple(special))

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def render_chat(self, messages: list[dict[str, str]]) -> str:
        """``messages`` through the tokenizer's chat template, generation prompt added, as text.

        A leading BOS the template writes is dropped when :meth:`tokenize` adds BOS itself, so
        the prompt never carries it twice. ValueError when the template refuses the messages.
        """
        from jinja2 import TemplateError

        try:
            text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        except TemplateError as exc:  # the template's own raise_exception(...) or a syntax error in it
            raise ValueError(str(exc)) from None
        bos = self.tokenizer.bos_token
        if self.bos_id is not None and isinstance(bos, str) and bos and text.startswith(bos):
            text = text[len(bos) :]
        return text

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False)

    # --- salience ----------------------------------------------------------------------

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """``[batch, seq] -> [batch, seq, d]`` through the input-embedding module (in ``dtype``)."""
        return self.module.get_input_embeddings()(ids.to(self.device))

    def logits_at(self, embeds: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """``[batch, seq, d], [k] -> [batch, k, vocab]``; only ``k`` rows of the vocabulary projection."""
        out = self.module(
            inputs_embeds=embeds.to(device=self.device, dtype=self.dtype),
            logits_to_keep=positions.to(self.device),
            use_cache=False,
        )
        return out.logits  # [batch, k, vocab]

    def _cache_of(self, out: Any) -> Any:
        return getattr(out, self._cache_arg, None)

    def _body(self, input_ids: torch.Tensor, *, cache: Any = None, use_cache: bool = False) -> Any:
        kwargs = {self._cache_arg: cache} if cache is not None else {}
        return self.module.get_decoder()(input_ids=input_ids.to(self.device), use_cache=use_cache, **kwargs)

    def prefix_pass(self, ids: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """``[seq] -> (hidden [1, seq, d], cache)``; the cache is ``None`` if it cannot be cut back later."""
        out = self._body(ids[None], use_cache=True)
        cache = self._cache_of(out)
        return out.last_hidden_state, (cache if getattr(cache, "is_croppable", False) else None)

    def extend(self, cache: Any, ids: torch.Tensor, prefix_len: int, suffixes: torch.Tensor) -> torch.Tensor:
        """``[rows, w]`` suffixes after ``ids[:prefix_len]`` -> hidden ``[rows, w, d]``."""
        import torch

        rows = suffixes.shape[0]
        reused = _cut_cache(cache, prefix_len, rows)
        if reused is not None:
            return self._body(suffixes, cache=reused).last_hidden_state  # [rows, w, d]
        # No reusable cache: run the prefix with every row.
        prefix = ids[:prefix_len].to(suffixes.device)[None].expand(rows, -1)  # [rows, p]
        hidden = self._body(torch.cat([prefix, suffixes], dim=1)).last_hidden_state  # [rows, p + w, d]
        return hidden[:, prefix_len:]

    def unembed(self, hidden: torch.Tensor) -> torch.Tensor:
        """``[..., d] -> [..., vocab]``: the output projection (and final soft-capping, if the model has one)."""
        import torch

        head = self.module.get_output_embeddings()
        logits = head(hidden.to(head.weight.device))
        cap = getattr(self.module.config, "final_logit_softcapping", None)
        if cap:
            logits = torch.tanh(logits / cap) * cap
        return logits

    # --- generation --------------------------------------------------------------------

    def decode_step(self, ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        kwargs = {self._cache_arg: state} if state is not None else {}
        out = self.module(input_ids=ids.to(self.device), use_cache=True, logits_to_keep=1, **kwargs)
        return out.logits[0, -1], self._cache_of(out)  # [vocab], cache

    def generate(self, prompt: str, **options: Any) -> Generation:
        """Continue ``prompt``; greedy when ``temperature == 0``. See :mod:`promptlight.models.generation`."""
        from promptlight.models.generation import generate

        return generate(self, prompt, **options)

    # --- keeping the model unchanged ---------------------------------------------------

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

    @contextlib.contextmanager
    def checkpointed(self) -> Iterator[None]:
        """For the block, each decoder layer keeps only its input for the backward and recomputes the rest.

        Activation memory of a backward drops from every layer's intermediates to one hidden
        state per layer (plus one layer's while it is recomputed), for about one more forward
        pass. Dropout and the rest of the model stay in eval mode: only the layers' own
        ``training`` flag, which transformers checks before checkpointing, is set.
        """
        from transformers.modeling_layers import GradientCheckpointingLayer

        layers = [m for m in self.module.modules() if isinstance(m, GradientCheckpointingLayer)]
        if not layers or not getattr(self.module, "supports_gradient_checkpointing", False):
            yield
            return
        # transformers renamed these; the new names where they exist, the old ones otherwise.
        enable = getattr(self.module, "activation_checkpointing_enable", None)
        if enable is not None:
            enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:
            self.module.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        disable = (
            getattr(self.module, "activation_checkpointing_disable", None) or self.module.gradient_checkpointing_disable
        )
        try:
            for layer in layers:
                layer.training = True  # not .train(): submodules (dropout) stay in eval mode
            yield
        finally:
            for layer in layers:
                layer.training = False
            disable()

    @contextlib.contextmanager
    def stoppable(self, stop: threading.Event) -> Iterator[None]:
        """While the block runs, each layer raises :class:`CallStopped` once ``stop`` is set.

        A forward pre-hook on the model and on every block of its layer lists, so a long call
        stops within one layer's time. The hooks act only in the calling thread and are removed
        when the block ends, even if it raises. The block holds ``lock``, so hooks are never
        added or removed while another thread runs the model.
        """
        import torch

        with self.lock:
            thread = threading.get_ident()

            def check(_module: Any, _args: Any) -> None:
                if stop.is_set() and threading.get_ident() == thread:
                    raise CallStopped("the call was stopped (cancelled, timed out or shutting down)")

            targets = [self.module]
            for child in self.module.modules():
                if isinstance(child, torch.nn.ModuleList):
                    targets.extend(child)
            handles = [target.register_forward_pre_hook(check) for target in targets]
            try:
                yield
            finally:
                for handle in handles:
                    handle.remove()


def _cut_cache(cache: Any, prefix_len: int, rows: int) -> Any:
    """A copy of ``cache`` cut to ``prefix_len`` tokens and repeated ``rows`` times, or ``None``.

    ``None`` (recompute) when there is no prefix or the cache cannot be cut back (a
    sliding-window layer that already dropped states).
    """
    if prefix_len == 0 or cache is None:
        return None
    cut = copy.deepcopy(cache)
    try:
        cut.crop(prefix_len - cut.get_seq_length())  # a negative count removes that many tokens
    except (RuntimeError, ValueError):
        return None
    if cut.get_seq_length() != prefix_len:
        return None
    if rows > 1:
        cut.batch_repeat_interleave(rows)
    return cut
