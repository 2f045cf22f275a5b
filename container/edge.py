"""The container's public edge: an ASGI app that forwards predictions to TorchServe on loopback, answers
the health route from the workers' status, and drains on shutdown. container/edge_server.py runs it
on uvicorn, which parses HTTP (malformed requests get its 400) and bounds connections and timeouts.

TorchServe cannot stop taking requests while it finishes the ones it has: on SIGTERM its frontend
closes every connection at once, in-flight requests included (checked with 0.12), and its Java
frontend, unmaintained since 2025, must never face clients. So the public port (AIP_HTTP_PORT) is
this edge and TorchServe's inference API listens on loopback only. It serves exactly two routes,
whatever Vertex names them (AIP_PREDICT_ROUTE, AIP_HEALTH_ROUTE); every other path is 404.
- POST on the predict route: the body (at most `max_body_bytes`: a Content-Length above it gets 413
  before anything is read, a chunked body is cut off at the limit) goes to TorchServe's
  /predictions/tr_en over a pool of kept-alive connections, at once (TorchServe's batch window is a
  few ms; a request that waits here misses its batch). A body sent as form data (curl -d without a
  Content-Type) that is a JSON document goes as application/json, so it is answered as JSON.
- TorchServe's 500/507 "Worker died." (the worker holding the batch died; a new one starts)
  becomes 503 with Retry-After, a status Vertex and vertex.batch_local send again.
- GET on the health route: 200 only while the model's workers are READY (TorchServe's /ping says
  Healthy while loading and after a failed load) and the replica is not draining.
- Draining (start_draining, on SIGTERM): the health route answers 503 at once, so Vertex stops
  routing here; new predictions get 503 with Retry-After at once, never held; the requests already
  accepted finish, and `in_flight` tells the entrypoint when they have.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from handler.torchserve import PREDICT_ROUTE

# TorchServe's message when the worker holding a request's batch died (status 500 or 507).
WORKER_DIED = b'"Worker died."'
# Readiness asks the management API; a health probe every second or so need not ask each time.
READY_CACHE_SECONDS = 1.0
FORM_TYPE = b"application/x-www-form-urlencoded"
JSON_TYPE = b"application/json"
RETRY = [(b"retry-after", b"1")]
CLOSE = [(b"connection", b"close")]

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
log = logging.getLogger("edge")


class ClientGone(Exception):
    """The client closed its connection before its request was read."""


class Edge:
    """The ASGI app: `predict_route` forwards to `upstream`, `health_route` answers readiness."""

    def __init__(
        self,
        upstream: str,
        predict_route: str,
        health_route: str,
        is_ready: Callable[[], tuple[bool, str]],
        max_body_bytes: int,
        request_timeout: float,
        body_timeout: float,
        upstream_connections: int = 256,
    ) -> None:
        self.upstream_predict = upstream.rstrip("/") + PREDICT_ROUTE
        self.predict_route, self.health_route = predict_route, health_route
        # Blocking (it asks the management API): run in a thread, its answer cached.
        self.is_ready = is_ready
        self.max_body_bytes = max_body_bytes
        self.request_timeout, self.body_timeout = request_timeout, body_timeout
        self.upstream_connections = upstream_connections
        self.draining = False
        # Requests accepted and not yet answered; read by the entrypoint's thread while it drains.
        self.in_flight = 0
        self._ready_at = (0.0, False)
        self._session: aiohttp.ClientSession | None = None

    def start_draining(self) -> None:
        self.draining = True

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] != "http":
            return
        path, method = scope["path"].rstrip("/") or "/", scope["method"]
        if path == self.predict_route and method == "POST":
            await self._predict(scope, receive, send)
        elif path == self.health_route and method in ("GET", "HEAD"):
            await self._health(send)
        elif path in (self.predict_route, self.health_route):
            allowed = "POST" if path == self.predict_route else "GET, HEAD"
            await reply(send, 405, {"error": f"{method} is not served on {path}"}, [(b"allow", allowed.encode())])
        else:
            await reply(send, 404, {"error": f"no such route: {method} {scope['path']}"})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # One pool of kept-alive connections to TorchServe for the life of the server.
                connector = aiohttp.TCPConnector(limit=self.upstream_connections, keepalive_timeout=60)
                self._session = aiohttp.ClientSession(
                    connector=connector,
                    timeout=aiohttp.ClientTimeout(total=self.request_timeout),
                    auto_decompress=False,
                    skip_auto_headers=("User-Agent", "Accept-Encoding"),
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._session is not None:
                    await self._session.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _health(self, send: Send) -> None:
        if self.draining:
            return await reply(send, 503, {"status": "Draining: this replica is shutting down"})
        if not await self._ready():
            return await reply(send, 503, {"status": "Unhealthy: the model is not loaded"})
        await reply(send, 200, {"status": "Healthy"})

    async def _ready(self) -> bool:
        checked, answer = self._ready_at
        if time.monotonic() - checked > READY_CACHE_SECONDS:
            answer = (await asyncio.to_thread(self.is_ready))[0]
            self._ready_at = (time.monotonic(), answer)
        return answer

    async def _predict(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if self.draining:
            message = "this replica is shutting down; send the request again (another replica will answer)"
            return await reply(send, 503, {"error": message}, RETRY + CLOSE)
        headers = dict(scope["headers"])  # names are lower case in ASGI
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return await self._too_large(send, int(declared))
        self.in_flight += 1
        try:
            try:
                async with asyncio.timeout(self.body_timeout):
                    body = await read_body(receive, self.max_body_bytes)
            except TimeoutError:
                message = f"the request body did not arrive within {self.body_timeout:g} s"
                return await reply(send, 408, {"error": message}, CLOSE)
            except ClientGone:
                return
            if body is None:
                return await self._too_large(send, self.max_body_bytes + 1)
            content_type = json_if_form(headers.get(b"content-type"), body)
            await self._forward(send, body, content_type, headers.get(b"accept"))
        finally:
            self.in_flight -= 1

    async def _forward(self, send: Send, body: bytes, content_type: bytes | None, accept: bytes | None) -> None:
        upstream_headers = {}
        if content_type is not None:
            upstream_headers["Content-Type"] = content_type.decode("latin-1")
        if accept is not None:
            upstream_headers["Accept"] = accept.decode("latin-1")
        try:
            status, answer_type, data = await self._post(body, upstream_headers)
        except TimeoutError:
            message = f"the model server did not answer within {self.request_timeout:g} s (REQUEST_TIMEOUT_SECONDS)"
            return await reply(send, 504, {"error": message})
        except (aiohttp.ClientError, OSError) as e:
            message = f"the model server failed while answering ({type(e).__name__}); send the request again"
            return await reply(send, 503, {"error": message}, RETRY)
        if status in (500, 507) and WORKER_DIED in data:
            # TorchServe fails every request of a dying worker's batch (500 or 507) and starts a
            # new worker: tell the client this one is worth sending again.
            message = "the model worker died while translating this request; send it again"
            return await reply(send, 503, {"error": message}, RETRY)
        await respond(send, status, data, [(b"content-type", answer_type)])

    async def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, bytes]:
        """One request to TorchServe; a kept-alive connection it closed meanwhile is tried once more."""
        assert self._session is not None, "the server's lifespan startup opens the session"
        for attempt in (1, 2):
            try:
                async with self._session.post(self.upstream_predict, data=body, headers=headers) as response:
                    data = await response.read()
                    answer_type = response.headers.get("Content-Type", "application/json").encode("latin-1")
                    return response.status, answer_type, data
            except aiohttp.ServerDisconnectedError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _too_large(self, send: Send, size: int) -> None:
        message = f"request body of {size} bytes or more is over the limit of {self.max_body_bytes} bytes"
        # The rest of the body is not read: the connection closes after the answer.
        await reply(send, 413, {"error": message}, CLOSE)


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The request's body, or None as soon as it grows past `limit` bytes (chunked bodies included)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def json_if_form(content_type: bytes | None, body: bytes) -> bytes | None:
    """application/json for a form-typed body that is a JSON document (curl -d's default type), else as sent."""
    if content_type is None or content_type.split(b";")[0].strip().lower() != FORM_TYPE:
        return content_type
    try:
        json.loads(body)
    except ValueError:  # real form data, or not UTF-8: TorchServe's handler answers it
        return content_type
    return JSON_TYPE


async def reply(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()) -> None:
    await respond(send, status, json.dumps(body).encode(), [(b"content-type", JSON_TYPE), *headers])


async def respond(send: Send, status: int, data: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
