"""The one wiring module: ``NAME:PATH`` configs -> loaded datasets and models, for every surface.

    named_specs(["sample_prompts", "mine:~/rows.jsonl"], what="dataset", arg="--datasets")
        -> {"sample_prompts": "sample_prompts", "mine": "~/rows.jsonl"}
    load_datasets(named)                       -> {name: Dataset}
    load_models(named, device="auto", dtype="auto")  -> {name: LanguageModel}
    load_model_spec("gemma3-270m", device=..., dtype=...)

A config is a list of ``NAME:PATH`` strings (split on the first colon; a bare ``PATH`` names
itself), one such string, or a dict ``{name: spec_or_loaded_object}``. The CLI, the server
(``promptlight serve``) and the notebook widget all read their configs through this module,
so they accept the same things and fail with the same messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from promptlight.data.spec import parse_spec

__all__ = ["load_datasets", "load_model_spec", "load_models", "named_specs", "parse_spec"]


def named_specs(config: Any, *, what: str, arg: str) -> dict[str, Any]:
    """``["NAME:PATH", ...]`` (or one string, or ``{name: spec_or_object}``) -> ``{name: spec_or_object}``.

    ``what`` (``"model"``/``"dataset"``) and ``arg`` (the parameter or flag) name the config in errors.
    """
    if isinstance(config, str):
        config = [config]
    pairs: list[tuple[str, Any]] = []
    if isinstance(config, Mapping):
        for name, spec in config.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"{arg}: every key must be a non-empty name string, got {name!r}.")
            pairs.append((name, spec))
    elif isinstance(config, Iterable):
        for i, entry in enumerate(config):
            if not isinstance(entry, str):
                raise TypeError(
                    f"{arg}[{i}] must be a NAME:PATH string, got {type(entry).__name__} {entry!r}. "
                    f"Example: make_notebook_widget(['sample_prompts'], ['gemma3-270m'])."
                )
            try:
                pairs.append(parse_spec(entry))
            except ValueError as exc:
                raise ValueError(f"{arg}[{i}]: {exc}") from None
    else:
        raise TypeError(
            f"{arg} must be a list of NAME:PATH strings, got {type(config).__name__} {config!r}. "
            f"Example: make_notebook_widget(['sample_prompts'], ['gemma3-270m'])."
        )
    named: dict[str, Any] = {}
    for name, spec in pairs:
        if name in named:
            raise ValueError(f"{arg}: two {what}s are named {name!r}. Give each its own NAME, e.g. '{name}2:{spec}'.")
        named[name] = spec
    return named


def load_model_spec(spec: str, *, device: str = "auto", dtype: str = "auto") -> Any:
    """``NAME:PATH`` -> the loaded model (shared per process; see :func:`promptlight.load_model`)."""
    from promptlight.models import load_model

    return load_model(spec, device=device, dtype=dtype)


def load_dataset_spec(name: str, spec: Any, *, arg: str = "datasets") -> Any:
    """One dataset entry: a spec string loaded as ``NAME:PATH``, or an already loaded ``Dataset`` as it is."""
    from promptlight.data import DatasetError, load_dataset

    if not isinstance(spec, str):
        if not hasattr(spec, "examples"):
            raise TypeError(f"{arg}[{name!r}] must be a spec string or a Dataset, got {type(spec).__name__}.")
        return spec
    try:
        return load_dataset(f"{name}:{spec}")
    except DatasetError as exc:
        raise DatasetError(f"{arg} entry '{name}:{spec}': {exc}", origin=exc.origin, line=exc.line) from exc


def load_datasets(named: Mapping[str, Any], *, arg: str = "datasets") -> dict[str, Any]:
    return {name: load_dataset_spec(name, spec, arg=arg) for name, spec in named.items()}


def load_models(
    named: Mapping[str, Any], *, device: str = "auto", dtype: str = "auto", arg: str = "models"
) -> dict[str, Any]:
    """Each entry loaded (spec strings) or checked (objects that can generate)."""
    from promptlight.models import ModelLoadError

    loaded = {}
    for name, spec in named.items():
        if not isinstance(spec, str):
            if not callable(getattr(spec, "generate", None)):
                raise TypeError(f"{arg}[{name!r}] must be a spec string or a loaded model, got {type(spec).__name__}.")
            loaded[name] = spec
            continue
        try:
            loaded[name] = load_model_spec(f"{name}:{spec}", device=device, dtype=dtype)
        except ModelLoadError as exc:
            raise ModelLoadError(f"{arg} entry '{name}:{spec}': {exc}") from exc
    return loaded
