"""Deadlines for slow clients: a request's headers and its body must arrive in time.

uvicorn closes idle keep-alive connections but puts no deadline on a request that arrives a
byte at a time, so a few hundred such connections hold sockets and memory for as long as their
senders like. :func:`timed_h11_protocol` returns uvicorn's h11 protocol with two deadlines:

- ``header_timeout``: seconds from the connection opening (or, on a kept-alive connection, from
  the first byte of the next request) until the request line and headers are complete;
- ``body_timeout``: seconds from the headers until the whole body has arrived.

A connection past either deadline with part of a request sent gets a ``408 Request Timeout``
(unless an answer had begun) and one line in the log; an idle one is closed quietly.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("promptlight.server")

#: Seconds an idle kept-alive connection stays open.
KEEP_ALIVE_SECONDS = 20


def uvicorn_options(settings: Any) -> dict[str, Any]:
    """``uvicorn.Config`` keywords for a :class:`~promptlight.server.Settings`: the timed protocol and
    the connection limit (``max_connections``; beyond it uvicorn answers 503)."""
    protocol = timed_h11_protocol(header_timeout=settings.header_timeout, body_timeout=settings.body_timeout)
    # Keep-alive longer than clients' own idle expiry (httpx: 5 s, browsers: longer), so a client
    # rarely sends a request on a connection the server is closing at that moment.
    return {"http": protocol, "limit_concurrency": settings.max_connections, "timeout_keep_alive": KEEP_ALIVE_SECONDS}


def timed_h11_protocol(*, header_timeout: float, body_timeout: float) -> type:
    """A subclass of uvicorn's ``H11Protocol`` enforcing the two deadlines (seconds, > 0)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TimedH11Protocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None
        _body_timer: asyncio.TimerHandle | None = None
        _timed_cycle: Any = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_timers()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and self.cycle is not self._timed_cycle:
                self._timed_cycle = self.cycle  # the headers of a new request are in
                self._cancel_timers()
                if self.cycle.more_body:
                    self._body_timer = self.loop.call_later(body_timeout, self._body_late, self.cycle)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.trailing_data[0] and self._header_timer is None:
                self._arm_header_timer()  # part of a pipelined next request is already here

        def data_received(self, data: bytes) -> None:
            # The first bytes of a next request on a kept-alive connection start its header deadline
            # (an idle kept-alive connection is uvicorn's keep-alive timeout's business).
            waiting = self.cycle is not None and self.cycle.response_complete and self.cycle is self._timed_cycle
            if waiting and self._header_timer is None:
                self._arm_header_timer()
            super().data_received(data)

        def _arm_header_timer(self) -> None:
            self._cancel_timers()
            self._header_timer = self.loop.call_later(header_timeout, self._headers_late)

        def _cancel_timers(self) -> None:
            for timer in (self._header_timer, self._body_timer):
                if timer is not None:
                    timer.cancel()
            self._header_timer = self._body_timer = None

        def _headers_late(self) -> None:
            if self.transport.is_closing() or (self.cycle is not None and self.cycle is not self._timed_cycle):
                return
            self._give_up(
                f"its request headers did not arrive within {header_timeout:g} s",
                partial=bool(self.conn.trailing_data[0]),  # bytes of a request are waiting for the rest
            )

        def _body_late(self, cycle: Any) -> None:
            if self.transport.is_closing() or cycle is not self.cycle or not cycle.more_body:
                return
            self._give_up(f"its request body did not arrive within {body_timeout:g} s", partial=True)

        def _give_up(self, why: str, *, partial: bool) -> None:
            if not partial:  # an idle connection, nothing of a next request sent: close it quietly
                self.transport.close()
                return
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            log.warning("closed the connection from %s: %s (header_timeout / body_timeout)", client, why)
            answering = self.cycle is not None and self.cycle.response_started and not self.cycle.response_complete
            if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE) and not answering:
                self._send_408()
            if self.cycle is not None:
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.transport.close()

        def _send_408(self) -> None:
            body = b'{"error": {"code": "request_timeout", "message": "The request did not arrive in time.", "field": null}}'
            head = (
                b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
                b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
            )
            self.transport.write(head + body)

    return TimedH11Protocol
