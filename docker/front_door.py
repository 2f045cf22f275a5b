"""The container's public port: forwards predictions to TorchServe on loopback, so that a shutdown
can drain.

TorchServe cannot stop taking requests while it finishes the ones it has: on SIGTERM its frontend
closes every connection at once, in-flight requests included (checked with 0.12). So the public
port (AIP_HTTP_PORT) is this small forwarder and TorchServe's inference API listens on loopback
only. It counts the requests in flight and, once draining:
- answers the health route 503 at once, so Vertex stops routing here;
- refuses new predictions at once with 503 and Retry-After (a status Vertex and batch_local retry
  elsewhere), never holding them;
- lets the requests already accepted finish; `wait_idle` tells when they have.
TorchServe's 500/507 "Worker died." (the worker holding the batch died; a new one starts) becomes
a 503 with Retry-After too.

The health route answers 200 only while the model's workers are READY (TorchServe's /ping says
Healthy while loading and after a failed load). Every other path is 404: management stays on loopback.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# TorchServe's message when the worker holding a request's batch died (status 500 or 507).
WORKER_DIED = b'"Worker died."'
# Readiness asks the management API; a health probe every second or so need not ask each time.
READY_CACHE_SECONDS = 1.0


class FrontDoor(ThreadingHTTPServer):
    """A forwarding HTTP server: POST `predict_route` goes to `upstream`, GET `health_route` answers readiness."""

    daemon_threads = True
    # Vertex's frontends keep connections open; a backlog well above the default 5 avoids resets.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        upstream: str,
        predict_route: str,
        health_route: str,
        is_ready: Callable[[], bool],
        max_body_bytes: int,
    ) -> None:
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname or "127.0.0.1", parts.port or 80
        self.predict_route, self.health_route = predict_route, health_route
        self.is_ready = is_ready
        self.max_body_bytes = max_body_bytes
        self.draining = False
        self._in_flight = 0
        self._lock = threading.Condition()
        self._ready_at = (0.0, False)
        self._local = threading.local()
        super().__init__(address, _Handler)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def ready(self) -> bool:
        checked, answer = self._ready_at
        if time.monotonic() - checked > READY_CACHE_SECONDS:
            answer = self.is_ready()
            self._ready_at = (time.monotonic(), answer)
        return answer and not self.draining

    def start_draining(self) -> None:
        self.draining = True

    def wait_idle(self, timeout: float) -> bool:
        """Block until no request is in flight (True) or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def serve_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        return thread

    def forward(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, list, bytes]:
        """One request to TorchServe over this thread's kept-alive connection.

        A kept-alive connection TorchServe closed meanwhile fails before anything was processed,
        so a failure on a reused connection is tried once more on a fresh one.
        """
        while True:
            connection = getattr(self._local, "connection", None)
            fresh = connection is None
            if fresh:
                connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port)
                self._local.connection = connection
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.getheaders(), response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                self._local.connection = None
                if fresh:
                    raise

    def _enter(self) -> bool:
        with self._lock:
            if self.draining:
                return False
            self._in_flight += 1
            return True

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._lock.notify_all()


class _Handler(BaseHTTPRequestHandler):
    server: FrontDoor
    protocol_version = "HTTP/1.1"  # keep-alive, as clients and Vertex expect

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.split("?")[0].rstrip("/") != self.server.health_route:
            return self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such route: GET {self.path}"})
        if self.server.draining:
            return self._reply(HTTPStatus.SERVICE_UNAVAILABLE, {"status": "Draining: this replica is shutting down"})
        if not self.server.ready():
            return self._reply(HTTPStatus.SERVICE_UNAVAILABLE, {"status": "Unhealthy: the model is not loaded"})
        self._reply(HTTPStatus.OK, {"status": "Healthy"})

    def do_POST(self) -> None:  # noqa: N802
        body = self._read_body()
        if body is None:
            return
        if self.path.split("?")[0].rstrip("/") != self.server.predict_route:
            return self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such route: POST {self.path}"})
        if not self.server._enter():
            return self._reply(
                HTTPStatus.SERVICE_UNAVAILABLE,
                {"error": "this replica is shutting down; send the request again (another replica will answer)"},
                {"Retry-After": "1", "Connection": "close"},
            )
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
            headers["Content-Length"] = str(len(body))
            try:
                status, upstream_headers, data = self.server.forward("POST", self.path, body, headers)
            except (http.client.HTTPException, OSError) as e:
                return self._reply(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    {"error": f"the model server failed while answering ({type(e).__name__}); send the request again"},
                    {"Retry-After": "1"},
                )
            if status in (500, 507) and WORKER_DIED in data:
                # TorchServe fails every request of a dying worker's batch (500 or 507) and starts a
                # new worker: tell the client this one is worth sending again.
                return self._reply(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    {"error": "the model worker died while translating this request; send it again"},
                    {"Retry-After": "1"},
                )
            content_type = next((v for k, v in upstream_headers if k.lower() == "content-type"), "application/json")
            self._send(status, data, {"Content-Type": content_type})
        finally:
            self.server._leave()

    do_PUT = do_DELETE = do_PATCH = lambda self: self._refuse()  # noqa: E731

    def _refuse(self) -> None:
        self._read_body()
        self._reply(HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{self.command} is not served on this port"})

    def _read_body(self) -> bytes | None:
        """The request body (Content-Length or chunked); None once a reply has been sent instead."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            size = 0
            while True:
                length = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                size += length
                if size > self.server.max_body_bytes:
                    return self._too_large(size)
                chunks.append(self.rfile.read(length))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.server.max_body_bytes:
            return self._too_large(length)
        return self.rfile.read(length)

    def _too_large(self, size: int) -> None:
        self.close_connection = True  # the rest of the body is not read
        self._reply(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            {"error": f"request body of {size} bytes or more is over the limit of {self.server.max_body_bytes} bytes"},
            {"Connection": "close"},
        )
        return None

    def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if headers.get("Connection") == "close":
            self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass  # TorchServe's access log already has every prediction
