"""Model workers: one thread per model, fed by a bounded queue, so model calls never block the event loop.

    worker = ModelWorker("gemma3-270m", "gemma3-270m", queue_size=8)
    worker.start()                                  # loads the model in the worker thread
    result = await worker.call(lambda lm: lm.generate("Hi"), timeout=300)

A call waits in the queue (at most ``queue_size`` calls per model; the next one gets 429),
then runs alone on the model. A call that waits longer than ``timeout`` is withdrawn (503);
one that runs longer is answered with 504 and stopped: Python cannot kill a thread, so while
a call runs, every layer of the model checks a flag first (a forward pre-hook, removed when
the call ends) and raises :class:`~promptlight.models.CallStopped` once the caller has given up. The call thus
stops at its next layer and the calls behind it run as usual. An exception in a call is
passed to the caller; the worker keeps serving.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from promptlight.progress import reporting
from promptlight.server.errors import ApiError

log = logging.getLogger("promptlight.server")

Loader = Callable[[str], Any]


def _default_loader(spec: str) -> Any:
    from promptlight.config import load_model_spec

    return load_model_spec(spec)


def model_fingerprint(name: str, spec: str, lm: Any) -> str:
    """A short hash naming the loaded weights: the spec plus size and mtime of every file of its folder.

    Part of every cache key, so a model folder rebuilt or edited in place never serves stale results.
    """
    describe = getattr(lm, "describe", None)
    facts = describe() if describe is not None else {}
    # Device and dtype are part of the key: a bfloat16 result never answers a float32 request.
    parts = [name, spec, str(getattr(lm, "path", "")), str(facts.get("device", "")), str(facts.get("dtype", ""))]
    folder = Path(str(getattr(lm, "path", "") or ""))
    if folder.is_dir():
        for entry in sorted(folder.iterdir()):
            if entry.is_file():
                stat = entry.stat()
                parts.append(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def cancelled_error() -> ApiError:
    return ApiError(409, "cancelled", "The call was cancelled before it finished; nothing was computed or cached.")


class CallHandle:
    """What a client can see of and do to one model call: its progress, and cancelling it.

    Thread-safe: the worker thread writes the progress, the event loop reads it and cancels.
    """

    def __init__(self, call_id: str, model: str) -> None:
        self.id = call_id
        self.model = model
        self.state = "queued"  # -> "running" -> "finished" | "cancelled"
        self.created = time.monotonic()
        self.began: float | None = None
        self.done = 0
        self.total = 0
        self.unit = ""
        self._job: _Job | None = None

    def progress(self, done: int, total: int, unit: str) -> None:
        self.done, self.total, self.unit = done, total, unit

    def cancel(self) -> bool:
        """Stop the call: withdrawn if still queued, stopped at its next layer if running. ``False`` if over."""
        job = self._job
        if job is None or self.state in ("finished", "cancelled"):
            return False
        self.state = "cancelled"
        job.cancel()
        return True

    def to_dict(self) -> dict[str, Any]:
        now = time.monotonic()
        elapsed = now - self.began if self.began is not None else 0.0
        eta = None
        if self.state == "running" and self.total and 0 < self.done < self.total:
            eta = elapsed / self.done * (self.total - self.done)
        return {
            "id": self.id,
            "model": self.model,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "unit": self.unit,
            "elapsed_s": round(elapsed, 3),
            "eta_s": None if eta is None else round(eta, 1),
        }


class _Job:
    """One queued call. ``started`` and ``done`` are futures of the caller's event loop."""

    def __init__(
        self, fn: Callable[[Any], Any], loop: asyncio.AbstractEventLoop, handle: CallHandle | None = None
    ) -> None:
        self.fn = fn
        self.loop = loop
        self.handle = handle
        self.started: asyncio.Future[None] = loop.create_future()
        self.done: asyncio.Future[Any] = loop.create_future()
        self._lock = threading.Lock()
        self._state = "queued"  # -> "running" | "withdrawn"
        self.abandoned = threading.Event()  # set when the caller stops waiting for a running call
        self.cancelled = False  # set by a client's cancel (or its hanging up): answer 409, not a result
        if handle is not None:
            handle._job = self

    def cancel(self) -> None:
        self.cancelled = True
        if self.withdraw():
            self.finish(error=cancelled_error())
        else:
            self.abandoned.set()  # the model's layers see it and stop the call

    def try_start(self) -> bool:
        with self._lock:
            if self._state != "queued":
                return False
            self._state = "running"
        self._resolve(self.started, None)
        return True

    def withdraw(self) -> bool:
        """Take the job back before it starts; ``False`` if it already started."""
        with self._lock:
            if self._state != "queued":
                return False
            self._state = "withdrawn"
            return True

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self._resolve(self.started, None)
        self._resolve(self.done, result, error)

    def _resolve(self, future: asyncio.Future[Any], result: Any, error: BaseException | None = None) -> None:
        def settle() -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        try:
            self.loop.call_soon_threadsafe(settle)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


class ModelWorker:
    """Loads one model in its own thread and runs calls on it one at a time."""

    def __init__(self, name: str, spec: str, *, queue_size: int, loader: Loader | None = None) -> None:
        self.name = name
        self.spec = spec
        self.state = "loading"
        self.error: str | None = None
        self.lm: Any = None
        self.fingerprint: str | None = None
        self._loader = loader or _default_loader
        self._queue: queue.Queue[_Job | None] = queue.Queue(maxsize=queue_size)
        self._running = False
        self._current: _Job | None = None
        self._stopping = False
        self._durations: collections.deque[float] = collections.deque(maxlen=20)
        self._thread = threading.Thread(target=self._run, name=f"promptlight-model-{name}", daemon=True)

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread: queued calls are dropped, a running call is stopped at its next layer."""
        self._stopping = True
        current = self._current
        if current is not None:
            current.abandoned.set()
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.finish(error=ApiError(503, "busy", "The server is shutting down.", headers={"Retry-After": "5"}))
        try:
            self._queue.put_nowait(None)
        except queue.Full:  # pragma: no cover - we just emptied it
            pass
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Block until the model is loaded or failed (for scripts and tests); ``True`` if loaded."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.state == "loading":
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return self.state == "loaded"

    def describe(self) -> dict[str, Any]:
        """The row of ``/api/models``: name, spec, state, and once loaded its device, dtype and size."""
        row: dict[str, Any] = {"name": self.name, "spec": self.spec, "state": self.state, "error": self.error}
        describe = getattr(self.lm, "describe", None)
        if self.state == "loaded" and describe is not None:
            facts = describe()
            row.update({k: facts.get(k) for k in ("device", "dtype", "parameters", "architecture", "chat_template")})
        return row

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "loaded": self.state == "loaded",
            "busy": self._running,
            "queued": self._queue.qsize(),
            "error": self.error,
        }

    def retry_after(self) -> int:
        """Seconds a client should wait before retrying: the typical call time times the queue length."""
        typical = sorted(self._durations)[len(self._durations) // 2] if self._durations else 1.0
        return max(1, math.ceil(typical * (self._queue.qsize() + 1)))

    # --- calls ------------------------------------------------------------------------

    async def call(self, fn: Callable[[Any], Any], *, timeout: float, handle: CallHandle | None = None) -> Any:
        """Run ``fn(lm)`` in the worker thread; ApiError 429/503/504 when busy or slow, 409 when cancelled.

        ``handle`` (optional) receives the call's progress and can cancel it.
        """
        if self.state == "error":
            raise ApiError(503, "model_error", f"The model {self.name!r} failed to load: {self.error}", field="model")
        job = _Job(fn, asyncio.get_running_loop(), handle)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise ApiError(
                429,
                "busy",
                f"The model {self.name!r} has {self._queue.maxsize} calls waiting already; retry in a moment.",
                headers={"Retry-After": str(self.retry_after())},
            ) from None
        try:
            await asyncio.wait_for(asyncio.shield(job.started), timeout)
        except TimeoutError:
            if job.withdraw():
                raise ApiError(
                    503,
                    "busy",
                    f"The model {self.name!r} stayed busy for {timeout:g} s (the model_timeout setting); retry later.",
                    headers={"Retry-After": str(self.retry_after())},
                ) from None
        try:
            return await asyncio.wait_for(asyncio.shield(job.done), timeout)
        except TimeoutError:
            job.abandoned.set()  # the model's layers see it and stop the call (see _stoppable)
            raise ApiError(
                504,
                "timeout",
                f"The model call took longer than {timeout:g} s (the model_timeout setting) and was abandoned. "
                "Try a shorter prompt, fewer new tokens or fewer steps.",
            ) from None

    def _run(self) -> None:
        try:
            lm = self._loader(f"{self.name}:{self.spec}")
            self.fingerprint = model_fingerprint(self.name, self.spec, lm)
            self.lm = lm
            self.state = "loaded"
            log.info("model %s loaded", self.name)
        except BaseException as exc:  # noqa: BLE001 - any failure to load is reported, never raised in a thread
            self.error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
            self.state = "error"
            log.error("model %s failed to load: %s", self.name, self.error)
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self.state == "error":
                job.finish(
                    error=ApiError(
                        503, "model_error", f"The model {self.name!r} failed to load: {self.error}", field="model"
                    )
                )
                continue
            if not job.try_start():
                continue
            self._running = True
            self._current = job
            if self._stopping:  # stop() ran between the queue and here
                job.abandoned.set()
            began = time.monotonic()
            handle = job.handle
            if handle is not None:
                handle.state, handle.began = "running", began
            try:
                reporter = handle.progress if handle is not None else _ignore_progress
                with _stoppable(self.lm, job.abandoned), reporting(reporter):
                    result = job.fn(self.lm)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, who turns it into an envelope
                if job.cancelled:
                    log.info("model %s: cancelled a call", self.name)
                    job.finish(error=cancelled_error())
                elif self._stopping:
                    job.finish(
                        error=ApiError(503, "busy", "The server is shutting down.", headers={"Retry-After": "5"})
                    )
                elif job.abandoned.is_set():  # nobody waits for it: no error for the event loop to report
                    log.warning("model %s: stopped a call that ran past model_timeout (%s)", self.name, exc)
                    job.finish(None)
                else:
                    job.finish(error=exc)
            else:
                job.finish(result)
                if handle is not None and handle.state == "running":
                    handle.state = "finished"
            finally:
                self._running = False
                self._current = None
                self._durations.append(time.monotonic() - began)
                if self._queue.empty():  # idle now: hand the call's peak back to the system
                    from promptlight.models.memory import release_memory

                    release_memory()


def _ignore_progress(_done: int, _total: int, _unit: str) -> None:
    pass


def _stoppable(lm: Any, abandoned: threading.Event) -> contextlib.AbstractContextManager[Any]:
    """The model's own interrupt hook (``lm.stoppable``): every layer stops once ``abandoned`` is set.

    Stand-ins without one (test doubles that are not models) run unhooked.
    """
    stoppable = getattr(lm, "stoppable", None)
    return stoppable(abandoned) if stoppable is not None else contextlib.nullcontext()
