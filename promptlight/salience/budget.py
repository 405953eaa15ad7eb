"""Fit a salience call to the memory budget before it runs: shrink its batches, or refuse it.

    estimate (promptlight.models.memory, from the model's shape, the sequence length and the
    rows the method computes at once) <= budget (the ``max_call_memory`` setting in MiB, or 80%
    of what the model's device has free when it is 0)

Over the budget, a method with a ``batch_size`` option runs with the largest batch that fits
(the result's method metadata says so: ``batch_size_shrunk_from``); a gradient method that
still does not fit runs with activation checkpointing (``checkpointed: true``: one more
forward pass, a fraction of the memory); a call that fits in none of these ways is refused
with :class:`~promptlight.errors.InvalidArgument` (``field="prompt"``) naming the estimate
and the setting. Without settings (plain Python use) nothing is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptlight.errors import InvalidArgument
from promptlight.models.memory import estimate_call_bytes, free_bytes, human, model_shape, rows_that_fit

#: Share of the device's free memory a call may plan for when ``max_call_memory`` is 0.
FREE_SHARE = 0.8


def call_budget(settings: Mapping[str, Any] | None, device: Any) -> int | None:
    """Bytes one call may use, or None when nothing is to be checked."""
    if settings is None or "max_call_memory" not in settings:
        return None
    mib = int(settings["max_call_memory"])
    if mib > 0:
        return mib * 2**20
    free = free_bytes(device)
    return int(free * FREE_SHARE) if free else None


def fit_to_memory(
    lm: Any, info: Any, options: dict[str, Any], *, seq: int, level: str, settings: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(options, notes)``: the options to run with (``batch_size`` maybe smaller) and what the record says.

    ``notes["checkpointed"]`` asks the caller to run the method inside ``lm.checkpointed()``.
    """
    shape = model_shape(lm)
    if shape is None:
        return options, {}
    budget = call_budget(settings, lm.device)
    rows = info.rows_at_once(options, seq)
    estimate = estimate_call_bytes(shape, method_level=level, tokens=seq, rows=rows)
    notes: dict[str, Any] = {"memory_estimate_bytes": estimate}
    if budget is None or estimate <= budget:
        return options, notes
    notes["memory_limit_bytes"] = budget
    batched = "batch_size" in {o.name for o in info.options}
    can_checkpoint = level == "tokens" and hasattr(lm, "checkpointed")
    # Cheapest first: a smaller batch (same work, more passes), then recomputing activations.
    for checkpointed in (False, True) if can_checkpoint else (False,):
        fit = rows_that_fit(shape, method_level=level, tokens=seq, limit=budget, wanted=rows, checkpointed=checkpointed)
        if fit >= 1 and (fit == rows or batched):
            if fit < rows:
                options = {**options, "batch_size": fit}
                notes["batch_size_shrunk_from"] = rows
            if checkpointed:
                notes["checkpointed"] = True
            notes["memory_estimate_bytes"] = estimate_call_bytes(
                shape, method_level=level, tokens=seq, rows=fit, checkpointed=checkpointed
            )
            return options, notes
    setting = (
        f"max_call_memory = {int(settings['max_call_memory'])} MiB"
        if settings is not None and int(settings.get("max_call_memory", 0)) > 0
        else f"80% of the {human(int(budget / FREE_SHARE))} free on {lm.device} (max_call_memory = 0)"
    )
    raise InvalidArgument(
        f"This {info.name} call needs about {human(estimate)} for {seq} tokens"
        f"{f' x {rows} rows at once' if rows > 1 else ''}"
        f"{' (recomputing activations layer by layer: ' + human(estimate_call_bytes(shape, method_level=level, tokens=seq, rows=1, checkpointed=True)) + ')' if can_checkpoint else ''}"
        f"; the limit is {setting} (setting --max-call-memory / PROMPTLIGHT_MAX_CALL_MEMORY). Shorten the prompt, "
        "pick a method with a smaller footprint (occlusion keeps no gradients), or raise the limit.",
        field="prompt",
    )
