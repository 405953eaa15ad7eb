"""Models: ``load_model("NAME:PATH", device=..., dtype=...)`` -> :class:`LanguageModel`.

- ``base.py``: the :class:`LanguageModel` protocol every caller uses (and nothing more);
- ``hf.py``: the Hugging Face backend;
- ``presets.py``: the registered presets (``gemma3-270m``, ``tiny``);
- ``placement.py``: device and dtype names, and sharding over several GPUs;
- ``loading.py``: :func:`load_model` (see its docstring for what ``PATH`` may be);
- ``generation.py``: decoding, through the protocol.
"""

from __future__ import annotations

from promptlight.models.base import CallStopped, LanguageModel, Tokenized
from promptlight.models.loading import _load_folder, _resolve_folder, load_model, parse_model_spec
from promptlight.models.presets import ModelLoadError, list_presets, register_preset

__all__ = [
    "CallStopped",
    "LanguageModel",
    "ModelLoadError",
    "Tokenized",
    "_load_folder",
    "_resolve_folder",
    "list_models",
    "load_model",
    "parse_model_spec",
    "register_preset",
]


def list_models() -> dict[str, str]:
    """Preset names -> one-line descriptions."""
    return list_presets()
