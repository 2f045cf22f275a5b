"""Run the edge (container/edge.py) on uvicorn, in a thread of the entrypoint, on a socket bound first.

uvicorn (h11) parses HTTP and answers malformed requests 400; its settings bound what a client can
hold: `limit_concurrency` open connections and requests (beyond: 503), `timeout_keep_alive` for an
idle kept-alive connection, h11's cap on a request head's size. uvicorn has no deadline for a
request's head, so a client that opens connections and never finishes its headers (slowloris)
would hold them forever: `with_header_deadline` adds one, the only thing here that is not uvicorn's.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("edge")
# A kept-alive connection idle this long is closed (Vertex's frontends reopen as they need).
KEEP_ALIVE_SECONDS = 65
# Bytes of a request head (request line and headers) h11 buffers at most; beyond: 400.
MAX_HEAD_BYTES = 64 * 1024


def with_header_deadline(protocol: type[H11Protocol], header_seconds: float, idle_seconds: float) -> type:
    """`protocol` closing a connection whose request head is not complete `header_seconds` after its first byte.

    A new connection that sends nothing is closed after `idle_seconds`, as uvicorn closes an idle
    kept-alive one. The body has its own deadline in the app (the edge's body timeout).
    """

    class HeaderDeadlineProtocol(protocol):  # type: ignore[misc, valid-type]
        _deadline: asyncio.TimerHandle | None = None
        _waiting_for_head = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm(idle_seconds)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._in_request():
                self._disarm()
            elif not self._waiting_for_head and not self.transport.is_closing():
                self._waiting_for_head = True  # the first bytes of a request: its head is due
                self._arm(header_seconds)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self._in_request():
                self._disarm()  # idle again: uvicorn's keep-alive timeout applies

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _in_request(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def _arm(self, seconds: float) -> None:
            self._disarm(waiting=self._waiting_for_head)
            self._deadline = self.loop.call_later(seconds, self._expire)

        def _disarm(self, waiting: bool = False) -> None:
            self._waiting_for_head = waiting
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if not self._in_request() and not self.transport.is_closing():
                self.transport.close()

    return HeaderDeadlineProtocol


def bind(host: str, port: int) -> socket.socket:
    """The public socket, bound before anything starts so that a taken port is a configuration error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto named: asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP, and without it
    # a kept-alive client waits for its delayed ACK (about 40 ms) before a response's body is sent.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(False)
    return sock


class EdgeServer:
    """uvicorn serving `app` on `sock` in a background thread; stop() ends it."""

    def __init__(
        self,
        app: Any,
        sock: socket.socket,
        header_timeout: float,
        max_connections: int,
        access_log: bool = True,
    ) -> None:
        self.sock = sock
        config = uvicorn.Config(
            app,
            http=with_header_deadline(H11Protocol, header_timeout, KEEP_ALIVE_SECONDS),
            ws="none",
            lifespan="on",
            log_config=None,  # container/logs.py formats uvicorn's records as JSON lines
            access_log=access_log,
            proxy_headers=False,
            server_header=False,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            limit_concurrency=max_connections,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
            backlog=2048,
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        return self.sock.getsockname()[:2]

    def start(self, timeout: float = 30.0) -> None:
        """Serve in a background thread; returns once uvicorn accepts connections."""
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            raise RuntimeError("the edge's HTTP server did not start")

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self.sock.close()
