"""The server a notebook widget talks to: the real promptlight app, served by uvicorn in a daemon thread.

sock = bind("127.0.0.1", None)           # a free loopback port
server = ServerThread(app, sock); server.start()
browser_base("127.0.0.1", port)          # how the browser reaches it
colab_proxy(port)                        # in Colab: the kernel's port proxy, else None
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from typing import Any


class ServerThread:
    """uvicorn serving one app on an already bound socket, in a daemon thread."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        import uvicorn

        from promptlight.server.timeouts import uvicorn_options

        self.sock = sock
        host, port = sock.getsockname()[:2]
        settings = app.state.promptlight.settings
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            server_header=False,
            lifespan="on",
            **uvicorn_options(settings),
        )
        self.server = uvicorn.Server(config)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"promptlight-notebook-{port}", daemon=True)

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self.error = exc

    def start(self, timeout: float = 60.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                reason = f"{type(self.error).__name__}: {self.error}" if self.error else "see the log above"
                raise RuntimeError(f"The promptlight server did not start ({reason}).")
            time.sleep(0.02)

    def stop(self, timeout: float = 15.0) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
        with contextlib.suppress(OSError):
            self.sock.close()


def bind(host: str, port: int | None) -> socket.socket:
    """A listening socket on ``host:port`` (port ``None`` or 0: a free one the OS picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if sys.platform != "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port or 0))
    except OSError as exc:
        sock.close()
        if port:
            raise OSError(
                f"Cannot listen on {host}:{port} ({exc.strerror}). Another program (or another widget) "
                "may use that port: pass another port=, or port=None for a free one."
            ) from None
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


def browser_base(host: str, port: int) -> str:
    """The address a browser on this machine uses to reach the server (loopback for a wildcard host)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "localhost": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def colab_proxy(port: int) -> str | None:
    """Colab's proxied https address for a kernel port, or ``None`` outside Colab."""
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab.output import eval_js

        url = eval_js(f"google.colab.kernel.proxyPort({int(port)}, {{'cache': false}})")
    except Exception:  # noqa: BLE001 - not in a Colab front end after all: use the plain address
        return None
    return str(url).rstrip("/") if url else None


def can_open_browser() -> bool:
    """False on Linux/BSD without a display (webbrowser would fall back to a console browser)."""
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
