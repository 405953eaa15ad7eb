"""Ctrl-C and SIGTERM during a batch run: finish the row in flight, write the tables, exit 130 or 143.

The first signal asks the run to stop (``stopper.requested``); the engine starts no new row,
the driver writes what is done and exits with ``stopper.exit_code``. A second Ctrl-C stops
at once (KeyboardInterrupt): the finished rows are on disk all the same (the journal is
flushed row by row).
"""

from __future__ import annotations

import signal
import sys
from typing import Any

__all__ = ["Stopper"]

_CODES: dict[int, int] = {int(signal.SIGINT): 130, int(signal.SIGTERM): 143}


class Stopper:
    """Installs SIGINT/SIGTERM handlers that set :attr:`requested`; :meth:`restore` puts the old ones back."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.signal is not None

    @property
    def exit_code(self) -> int:
        return _CODES.get(self.signal, 1) if self.signal is not None else 0

    def __call__(self) -> bool:
        return self.requested

    def install(self) -> None:
        for sig in _CODES:
            previous = signal.signal(sig, self._handle)
            self._previous.setdefault(sig, previous)

    def restore(self) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signal = signum
        name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
        print(
            f"promptlight: {name}: finishing the row in flight, then writing the tables (Ctrl-C again to stop now)",
            file=sys.stderr,
            flush=True,
        )
