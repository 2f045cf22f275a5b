"""The load generator of the benchmarks: a closed loop of clients posting JSON bodies over HTTP.

`bench.run` (and `bench.floor`) and `bench.request_path` each turn its outcome into their own
result rows; the soak (`bench.soak`) is open loop and keeps its own schedule.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from tqdm import tqdm


@dataclass
class LoadOutcome:
    seconds: float = 0.0  # wall time from the first request to the last answer
    latencies: list[float] = field(default_factory=list)  # in the order the answers came
    # Each body's reply when it was a 200 with one prediction per instance, else None.
    answers: list[dict[str, Any] | None] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(answer is None for answer in self.answers)


async def post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The reply to `body` when it is a 200 with one prediction per instance, else None."""
    try:
        async with session.post(url, json=body) as response:
            answer = await response.json(content_type=None)
            ok = response.status == 200 and len(answer.get("predictions", [])) == len(body["instances"])
    except (TimeoutError, aiohttp.ClientError, ValueError):
        return None
    return answer if ok else None


async def closed_loop(
    url: str, bodies: list[dict[str, Any]], concurrency: int, label: str, timeout_s: float = 600.0
) -> LoadOutcome:
    """`concurrency` clients, each sending its next body when its last one is answered."""
    outcome = LoadOutcome(answers=[None] * len(bodies))
    queue = list(reversed(list(enumerate(bodies))))
    progress = tqdm(total=len(bodies), desc=label, leave=False)

    async def client(session: aiohttp.ClientSession) -> None:
        while queue:
            i, body = queue.pop()
            t0 = time.perf_counter()
            outcome.answers[i] = await post(session, url, body)
            outcome.latencies.append(time.perf_counter() - t0)
            progress.update()

    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
        outcome.seconds = time.perf_counter() - started
    progress.close()
    return outcome
