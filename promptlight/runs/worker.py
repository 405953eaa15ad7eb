"""Explain one :class:`~promptlight.runs.job.RowTask` on a loaded model: what every engine runs per row.

The outcome is plain data (it crosses from a Ray actor to the driver): ``{"key", "row",
"source", "method", "status", "error", "seconds", "record", "template"}`` (the row's
prompt template, or ``None``) with ``status`` ``"ok"`` (and
``record``, the result's JSON dict) or ``"error"`` (and ``error``, one line for a person). A
bad row never stops the run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from promptlight.runs.job import BatchJob, RowTask

__all__ = ["explain_task", "selection_in"]


def selection_in(target: str, rule: str) -> tuple[int, int] | None:
    """The char span of ``target`` the rule explains: ``None`` (all of it) or a ``regex:`` rule's match.

    A pattern with a group selects its first group (``regex:Answer: (\\w+)`` selects the word);
    ValueError when it matches nothing, or only empty text.
    """
    if not rule.startswith("regex:"):
        return None
    import re

    pattern = rule[len("regex:") :]
    match = re.search(pattern, target)
    if match is None:
        raise ValueError(f"the target rule {rule!r} matches nothing in the target {target[:120]!r}")
    group = 1 if match.re.groups and match.group(1) else 0
    start, end = match.span(group)
    if start == end:
        raise ValueError(f"the target rule {rule!r} matches only empty text in the target {target[:120]!r}")
    return start, end


def explain_task(lm: Any, job: BatchJob, task: RowTask, *, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Run ``task`` on ``lm``; the outcome dict (never raises for a bad row; KeyboardInterrupt passes through)."""
    from promptlight.chat import model_text
    from promptlight.pipeline import explain

    started = time.perf_counter()
    outcome: dict[str, Any] = {
        "key": task.key,
        "row": task.row,
        "source": task.source,
        "method": task.method,
        "status": "ok",
        "error": None,
        "seconds": 0.0,
        "record": None,
        "template": task.template,
    }
    try:
        prompt: Any = task.prompt if isinstance(task.prompt, str) else [dict(m) for m in task.prompt]
        text, reply = model_text(lm, prompt)
        n = len(lm.tokenize(text).ids)
        if n > int(settings["max_prompt_tokens"]):
            raise ValueError(
                f"the prompt is {n} tokens long; the limit is {settings['max_prompt_tokens']} (max_prompt_tokens)"
            )
        target: str | None = task.target or None
        generation = job.generation_for(task.stop)
        if reply is not None:
            target = None  # the chat's own trailing reply is the target
        elif target is None:
            target = lm.generate(text, **generation).text
            if not target:
                raise ValueError("the model generated nothing for this prompt (an end-of-text token first)")
        span = selection_in(reply if reply is not None else str(target), job.target_rule)
        result = explain(
            lm,
            prompt,
            target=target,
            target_span=span,
            method=task.method,
            granularity=job.granularity,
            generation=generation,
            foil=task.foil,
            options=job.options.get(task.method, {}),
            settings=settings,
            check=job.check,
            fields=task.fields or None,
        )
        # A run folder keeps its records lean: the variants' per-token record (for new selections in the
        # web app) would be most of each row's bytes.
        outcome["record"] = {**result.to_dict(), "variants": {}}
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - a bad row is recorded with its error and the run goes on
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        outcome.update(status="error", error=f"{type(exc).__name__}: {message}")
    outcome["seconds"] = round(time.perf_counter() - started, 4)
    return outcome
