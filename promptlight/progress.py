"""Progress of the model call running in this thread: methods report, whoever started the call reads.

    with reporting(on_progress):      # the server's worker, around one call
        ...                            # any depth below:
        report(k, n, "steps")          # integrated gradients, occlusion, generation

``report`` is a no-op outside :func:`reporting`, so library code calls it unconditionally.
Stdlib only.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

#: ``on_progress(done, total, unit)``.
ProgressFn = Callable[[int, int, str], None]

_local = threading.local()


def report(done: int, total: int, unit: str) -> None:
    """``done`` of ``total`` units (``"steps"``, ``"variants"``, ``"tokens"``) of this thread's call are finished."""
    callback: ProgressFn | None = getattr(_local, "callback", None)
    if callback is not None:
        callback(int(done), int(total), unit)


@contextlib.contextmanager
def reporting(callback: ProgressFn) -> Iterator[None]:
    """Send this thread's :func:`report` calls to ``callback`` for the duration of the block."""
    previous = getattr(_local, "callback", None)
    _local.callback = callback
    try:
        yield
    finally:
        _local.callback = previous
