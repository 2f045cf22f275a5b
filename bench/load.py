"""The load generator of the benchmarks: a closed loop of clients posting JSON bodies over HTTP.

`bench.run` (and `bench.floor`) and `bench.request_path` each turn its outcome into their own
result rows; the soak (`bench.soak`) is open loop and keeps its own schedule.

The load generator runs on the cores it measures, so each request must cost it little: a client is
one keep-alive HTTP/1.1 connection written and read with asyncio streams (`Connection`), 30 to 40 µs
of CPU per request where aiohttp took 110 to 150 (bench/README.md "The load generator").
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tqdm import tqdm

# What a failed request raises: refused or dropped connections, timeouts, replies that are not HTTP.
REQUEST_ERRORS = (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError)


class Connection:
    """One client's keep-alive connection to `url`: posts a JSON payload and reads the whole reply.

    It connects on the first request, and again after the server closed the connection or a request
    failed (the failed request is not sent again)."""

    def __init__(self, url: str, timeout_s: float = 600.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the load generator speaks plain http to a host, not {url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.host_header = parts.netloc
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        """Opens the connection now, if it is not open, rather than on the next request."""
        if self._writer is None:
            async with asyncio.timeout(self.timeout_s):
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, payload: bytes) -> tuple[int, bytes]:
        """(status, body) of the reply to a POST of the JSON `payload`; REQUEST_ERRORS when it fails."""
        head = (
            f"POST {self.target} HTTP/1.1\r\nHost: {self.host_header}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode("ascii")
        try:
            await self.connect()
            async with asyncio.timeout(self.timeout_s):
                assert self._reader is not None and self._writer is not None
                self._writer.write(head + payload)
                status, keep_alive, body = await read_reply(self._reader)
        except BaseException:
            self.close()
            raise
        if not keep_alive:
            self.close()
        return status, body

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


async def read_reply(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status, whether the connection stays open, body) of one HTTP/1.1 reply: a Content-Length or
    chunked body, or one that runs to the end of the connection."""
    version, status, _ = (await reader.readline()).decode("latin-1").split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not an HTTP/1.x reply: {version!r}")
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n"):
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    keep_alive = headers.get("connection") != "close" and version == "HTTP/1.1"
    if "chunked" in headers.get("transfer-encoding", ""):
        chunks = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readline()
        while await reader.readline() not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return int(status), keep_alive, b"".join(chunks)
    if "content-length" in headers:
        return int(status), keep_alive, await reader.readexactly(int(headers["content-length"]))
    return int(status), False, await reader.read()


@dataclass
class LoadOutcome:
    seconds: float = 0.0  # wall time from the first request to the last answer
    latencies: list[float] = field(default_factory=list)  # in the order the answers came
    # Each body's reply when it was a 200 with one prediction per instance, else None.
    answers: list[dict[str, Any] | None] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(answer is None for answer in self.answers)


async def post(connection: Connection, body: dict[str, Any]) -> dict[str, Any] | None:
    """The reply to `body` when it is a 200 with one prediction per instance, else None."""
    try:
        status, data = await connection.post(json.dumps(body).encode())
        answer = json.loads(data)
    except REQUEST_ERRORS:
        return None
    ok = status == 200 and isinstance(answer, dict) and len(answer.get("predictions", [])) == len(body["instances"])
    return answer if ok else None


async def closed_loop(
    url: str, bodies: list[dict[str, Any]], concurrency: int, label: str, timeout_s: float = 600.0
) -> LoadOutcome:
    """`concurrency` clients, each on its own connection, sending its next body when its last one is
    answered; `timeout_s` per request. The clients connect before the clock starts: opened all at
    once with the first requests, the connections delay some of them past TorchServe's batching
    delay, and the batch that leaves out runs alone at the end of the run."""
    outcome = LoadOutcome(answers=[None] * len(bodies))
    queue = list(reversed(list(enumerate(bodies))))
    connections = [Connection(url, timeout_s) for _ in range(concurrency)]
    progress = tqdm(total=len(bodies), desc=label, leave=False)

    async def client(connection: Connection) -> None:
        try:
            while queue:
                i, body = queue.pop()
                t0 = time.perf_counter()
                outcome.answers[i] = await post(connection, body)
                outcome.latencies.append(time.perf_counter() - t0)
                progress.update()
        finally:
            connection.close()

    # A client that cannot connect tries again with its first request, which then fails as it would have.
    await asyncio.gather(*(c.connect() for c in connections), return_exceptions=True)
    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    outcome.seconds = time.perf_counter() - started
    progress.close()
    return outcome
