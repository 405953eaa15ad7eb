"""promptlight: an interactive prompt debugger for language models.

Run a model on prompts, select any part of its output, and see which parts of the prompt
drove it (sequence salience), at the level of tokens, words, sentences, lines or paragraphs.

    import promptlight
    lm = promptlight.load_model("gemma3-270m")
    result = promptlight.explain(lm, prompt, target=None, method="grad_l2")
    result.aggregate("lines")

Heavy modules (torch, transformers) are imported only when a model is loaded, so importing
promptlight and ``promptlight --help`` stay instant.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_model": "promptlight.models",
    "list_models": "promptlight.models",
    "LanguageModel": "promptlight.models",
    "ModelLoadError": "promptlight.models",
    "load_dataset": "promptlight.data",
    "list_datasets": "promptlight.data",
    "DatasetError": "promptlight.data",
    "explain": "promptlight.pipeline",
    "reselect": "promptlight.reselect",
    "list_methods": "promptlight.salience",
    "Example": "promptlight.types",
    "Generation": "promptlight.types",
    "SalienceResult": "promptlight.result",
    "InvalidArgument": "promptlight.errors",
    "Segment": "promptlight.types",
    "Span": "promptlight.types",
    "load_run": "promptlight.runs",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'promptlight' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
