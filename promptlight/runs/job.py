"""What a batch run does: :class:`BatchJob` (the settings every row shares) and :class:`RowTask` (one row × method).

A run explains every row of a dataset with one or more methods at one granularity. Each
row × method has a *content key*, a hash of the row's source (its id) and everything its
result depends on (model, device, dtype, prompt, target rule and target, selection, foil,
method, options, granularity, generation settings when the target is generated), so a run
folder knows which rows are done and a rerun of the same command skips them, even after
rows were added to or removed from the dataset.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["TARGET_RULES", "BatchJob", "RowTask", "parse_shard", "parse_target_rule", "tasks_for"]

#: ``--target`` rules: the dataset's target (generated when a row has none), always generated, or a regex in it.
TARGET_RULES = ("dataset", "generate", "regex:PATTERN")


def parse_target_rule(rule: str) -> str:
    """``rule`` checked (a ``regex:`` pattern compiled); ValueError naming the valid rules."""
    if rule in ("dataset", "generate"):
        return rule
    if isinstance(rule, str) and rule.startswith("regex:"):
        import re

        pattern = rule[len("regex:") :]
        if not pattern:
            raise ValueError("--target regex: needs a pattern, e.g. --target 'regex:Answer: (\\w+)'.")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"--target {rule!r}: the pattern does not compile ({exc}).") from None
        return rule
    raise ValueError(f"--target {rule!r} is not a target rule; valid: {', '.join(TARGET_RULES)}.")


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"i/n"`` -> ``(i, n)`` with ``1 <= i <= n``: shard ``i`` takes rows ``i-1, i-1+n, ...``."""
    if text is None:
        return None
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard {text!r} must be I/N, e.g. 1/4 for the first of four shards.") from None
    if not 1 <= i <= n:
        raise ValueError(f"--shard {text!r}: I must be between 1 and N (got {i} of {n}).")
    return i, n


@dataclasses.dataclass(frozen=True)
class BatchJob:
    """The settings every row of a run shares; ``identity()`` is what a run folder must agree with.

    ``options[method]`` holds that method's parsed options. ``device`` and ``dtype`` are
    resolved names (``cpu``, ``float32``), not ``auto``, so a key means the same thing on
    every machine. ``generation`` is used when a target is generated.
    """

    model: str
    device: str
    dtype: str
    methods: tuple[str, ...]
    granularity: str
    options: Mapping[str, Mapping[str, Any]]
    target_rule: str = "dataset"
    generation: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    foil: str | None = None
    check: bool = False
    chat: bool = False

    def identity(self) -> dict[str, Any]:
        """What a run folder records about its job; a different model, method or setting is a different run."""
        return {
            "model": self.model,
            "device": self.device,
            "dtype": self.dtype,
            "methods": list(self.methods),
            "granularity": self.granularity,
            "options": {m: dict(self.options.get(m, {})) for m in self.methods},
            "target_rule": self.target_rule,
            "check": self.check,
        }

    def generation_for(self, own_stop: Sequence[str] = ()) -> dict[str, Any]:
        """The generation settings for one row: the job's, with the row's own stop strings when the job gives none."""
        return {**self.generation, "stop": tuple(self.generation.get("stop") or own_stop)}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.identity(),
            "generation": {k: list(v) if isinstance(v, tuple) else v for k, v in self.generation.items()},
            "foil": self.foil,
            "chat": self.chat,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BatchJob:
        generation = dict(d.get("generation", {}))
        if "stop" in generation:
            generation["stop"] = tuple(generation["stop"])
        return cls(
            model=d["model"],
            device=d["device"],
            dtype=d["dtype"],
            methods=tuple(d["methods"]),
            granularity=d["granularity"],
            options={m: dict(o) for m, o in d.get("options", {}).items()},
            target_rule=d.get("target_rule", "dataset"),
            generation=generation,
            foil=d.get("foil"),
            check=bool(d.get("check", False)),
            chat=bool(d.get("chat", False)),
        )


@dataclasses.dataclass(frozen=True)
class RowTask:
    """One dataset row explained by one method: everything a worker needs, as plain data (it crosses to Ray).

    ``prompt`` is text or a chat (``[{"role", "content"}]``); ``target`` is the dataset's
    (``""`` when none); ``fields`` the template's parts (``[{"name", "start", "end"}]`` into the
    prompt text) or ``()``; ``template`` the template's text or ``None``; ``stop`` the row's
    own stop strings (:attr:`~promptlight.types.Example.stop`), used when the job gives none.
    """

    key: str
    row: int
    source: str
    method: str
    prompt: str | tuple[Mapping[str, str], ...]
    target: str
    foil: str | None
    fields: tuple[Mapping[str, Any], ...] = ()
    template: str | None = None
    stop: tuple[str, ...] = ()


def _key(
    job: BatchJob, source: str, method: str, prompt: Any, target: str, foil: str | None, fields: Any, stop: Any
) -> str:
    generated = job.target_rule == "generate" or not target
    content = {
        "source": source,
        "model": job.model,
        "device": job.device,
        "dtype": job.dtype,
        "prompt": prompt,
        "target": None if generated else target,
        "generation": _generation_key(job, stop) if generated else None,
        "selection": job.target_rule,
        "foil": foil,
        "method": method,
        "options": dict(job.options.get(method, {})),
        "granularity": job.granularity,
        "check": job.check,
        "fields": fields,
    }
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=list)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def _generation_key(job: BatchJob, stop: Sequence[str]) -> dict[str, Any]:
    """The generation settings as keyed: the job's, plus the row's stop strings only where they apply
    (so a row without any keeps the key it had before rows could carry them)."""
    settings = job.to_dict()["generation"]
    return {**settings, "stop": list(stop)} if stop and not job.generation.get("stop") else settings


def tasks_for(
    job: BatchJob, examples: Sequence[Any], *, limit: int | None = None, shard: tuple[int, int] | None = None
) -> list[RowTask]:
    """Every (row, method) task of ``examples`` (dataset :class:`~promptlight.types.Example` s), in order.

    ``row`` is the example's 0-based index in the whole dataset (so shards and limits keep
    their ids); ``shard=(i, n)`` keeps rows ``i-1, i-1+n, ...``; ``limit`` the first rows after that.
    """
    from promptlight.chat import messages_of

    picked = [(k, ex) for k, ex in enumerate(examples) if shard is None or k % shard[1] == shard[0] - 1]
    if limit is not None:
        picked = picked[:limit]
    tasks = []
    seen: dict[str, int] = {}
    for k, ex in picked:
        messages = messages_of(ex.fields)
        if messages:
            prompt: Any = tuple(dict(m) for m in messages)
        elif job.chat:
            prompt = ({"role": "user", "content": ex.prompt},)
        else:
            prompt = ex.prompt
        own_foil = ex.fields.get("foil")
        foil = own_foil if isinstance(own_foil, str) and own_foil else job.foil
        template = ex.fields.get("template") if isinstance(ex.fields.get("template"), str) else None
        fields: tuple[Mapping[str, Any], ...] = ()
        if template is not None and not messages:
            from promptlight.data.template import PromptTemplate

            fields = PromptTemplate.parse(template).fill(ex.fields).parts
        target = "" if job.target_rule == "generate" else ex.target
        for method in job.methods:
            key = _key(
                job,
                ex.source,
                method,
                prompt if isinstance(prompt, str) else list(prompt),
                target,
                foil,
                list(fields),
                ex.stop,
            )
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:  # the same row twice in a dataset: each occurrence is a row of its own
                key = f"{key}-{seen[key]}"
            tasks.append(RowTask(key, k, ex.source, method, prompt, target, foil, fields, template, ex.stop))
    return tasks
