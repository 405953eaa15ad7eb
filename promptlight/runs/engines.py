"""Where the rows of a batch run are explained: in this process, or on Ray actors.

Both engines take the run's :class:`~promptlight.runs.job.RowTask` s and yield one outcome
dict per task (:func:`promptlight.runs.worker.explain_task`) back to the driver, which alone
writes the run folder. ``stop()`` is polled between rows: once it is true no new row starts,
and the rows already started finish (the local engine's one row; on Ray, the batches in flight).

Ray (``pip install 'promptlight[ray]'``): each actor loads the model once and takes rows in
calls of ``rows_per_call`` (two calls queued per actor; on a stop the queued ones are
cancelled and the running ones finish); data-parallel over rows, so N actors on N GPUs (or machines)
explain about N times the rows per minute. Without ``address`` a local Ray instance is
started (and stopped at the end); with one, the job joins that cluster, whose nodes need
promptlight installed.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from promptlight.runs.job import BatchJob, RowTask

__all__ = ["ENGINES", "EngineError", "LocalEngine", "RayEngine", "RayMissing"]

ENGINES = ("local", "ray")

StopFn = Callable[[], bool]


class EngineError(ValueError):
    """A worker of the engine failed (e.g. its model did not load); the message is one line for a person."""


class RayMissing(ImportError):
    """``--engine ray`` without Ray installed; the message names the extra to install."""


class LocalEngine:
    """Explains every row in this process on one model, loaded once (``load_model()``)."""

    def __init__(self, job: BatchJob, *, load_model: Callable[[], Any], settings: Mapping[str, Any]) -> None:
        self.job, self.load_model, self.settings = job, load_model, settings

    def run(self, tasks: Sequence[RowTask], *, stop: StopFn) -> Iterator[dict[str, Any]]:
        from promptlight.runs.worker import explain_task

        if not tasks:
            return
        lm = self.load_model()
        for task in tasks:
            if stop():
                return
            yield explain_task(lm, self.job, task, settings=self.settings)


class _RayWorker:
    """A Ray actor: one model, loaded when the actor starts; explains the batches it is given."""

    def __init__(self, job: dict[str, Any], settings: dict[str, Any]) -> None:
        from promptlight.config import load_model_spec

        self.job = BatchJob.from_dict(job)
        self.settings = settings
        self.lm = load_model_spec(self.job.model, device=self.job.device, dtype=self.job.dtype)

    def run(self, tasks: list[RowTask]) -> list[dict[str, Any]]:
        from promptlight.runs.worker import explain_task

        return [explain_task(self.lm, self.job, t, settings=self.settings) for t in tasks]


def import_ray() -> Any:
    """The ``ray`` module, or :class:`RayMissing` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayMissing(
            "--engine ray needs Ray, which is not installed: pip install 'promptlight[ray]' (or use --engine local)."
        ) from None
    return ray


class RayEngine:
    """Explains rows on ``workers`` Ray actors (``gpus_per_worker`` GPUs each), ``rows_per_call`` rows per call."""

    def __init__(
        self,
        job: BatchJob,
        *,
        settings: Mapping[str, Any],
        workers: int = 1,
        gpus_per_worker: float = 0.0,
        address: str | None = None,
        rows_per_call: int = 1,
        on_start: Callable[[], None] | None = None,
    ) -> None:
        self.job, self.settings = job, dict(settings)
        self.workers, self.gpus_per_worker, self.address = workers, gpus_per_worker, address
        self.rows_per_call = rows_per_call
        self.on_start = on_start  # called once Ray is up (the driver re-installs its signal handlers)
        import_ray()

    def run(self, tasks: Sequence[RowTask], *, stop: StopFn) -> Iterator[dict[str, Any]]:
        if not tasks:
            return
        ray = import_ray()
        import os

        started_here = not ray.is_initialized()
        if started_here:
            if self.address:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
            else:
                # Enough CPU slots for the actors even on a small machine (each actor takes one).
                cpus = max(self.workers, os.cpu_count() or 1)
                ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        if self.on_start is not None:
            self.on_start()
        remote = ray.remote(num_cpus=1, num_gpus=self.gpus_per_worker)(_RayWorker)
        actors = [remote.remote(self.job.to_dict(), self.settings) for _ in range(self.workers)]
        chunks = collections.deque(
            list(tasks[i : i + self.rows_per_call]) for i in range(0, len(tasks), self.rows_per_call)
        )
        in_flight: dict[Any, Any] = {}
        queues: dict[int, list[Any]] = {id(a): [] for a in actors}  # each actor's calls, oldest (running) first
        cancelled = False

        def submit(actor: Any) -> None:
            if chunks and not stop():
                ref = actor.run.remote(chunks.popleft())
                in_flight[ref] = actor
                queues[id(actor)].append(ref)

        try:
            for actor in actors:  # two calls queued per actor, so none waits for the driver
                submit(actor)
                submit(actor)
            while in_flight:
                if stop() and not cancelled:  # the calls not started yet are dropped; the running ones finish
                    cancelled = True
                    for refs in queues.values():
                        for ref in refs[1:]:
                            ray.cancel(ref)
                ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=0.5)
                if not ready:
                    continue
                actor = in_flight.pop(ready[0])
                queues[id(actor)].remove(ready[0])
                try:
                    outcomes = ray.get(ready[0])
                except (ray.exceptions.TaskCancelledError, ray.exceptions.RayActorError) as exc:
                    if stop():  # cancelled, or an actor stopped by the same Ctrl-C: those rows are not done
                        continue
                    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
                    raise EngineError(f"A Ray worker failed: {lines[-1] if lines else type(exc).__name__}") from None
                yield from outcomes
                submit(actor)
        finally:
            for actor in actors:
                ray.kill(actor)
            if started_here:
                ray.shutdown()
