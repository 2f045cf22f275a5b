"""The batches TorchServe handed the handler during a run, and the handler's time on them, read from
the handler's counters on the metrics port (handler/metrics.py) rather than from its log lines."""

from __future__ import annotations

import re
import time
import urllib.request

from bench.result import Result

BATCHES, BATCH_REQUESTS, HANDLER_SECONDS = (
    "translation_batches_total",
    "translation_batch_requests_total",
    "translation_handler_seconds_total",
)


def scrape(metrics_address: str) -> dict[str, float]:
    """The handler's counters on a server's metrics port (`TorchServe.metrics_address`), summed over their labels."""
    with urllib.request.urlopen(f"{metrics_address}/metrics", timeout=10) as response:
        text = response.read().decode()
    values: dict[str, float] = {}
    for name, value in re.findall(r"^(translation_\w+)\{[^}]*\} (\S+)$", text, flags=re.M):
        values[name] = values.get(name, 0.0) + float(value)
    return values


def steady(metrics_address: str, gap_s: float = 0.1, timeout_s: float = 2.0) -> dict[str, float]:
    """The counters once two reads `gap_s` apart agree: the metric lines of what was answered before (a
    warm-up) reach the frontend's /metrics through the worker's log, a moment after the replies."""
    last = scrape(metrics_address)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(gap_s)
        now = scrape(metrics_address)
        if now == last:
            break
        last = now
    return last


def after_requests(metrics_address: str, before: dict[str, float], requests: int, timeout_s: float = 2.0) -> dict:
    """The counters once the batches of `requests` more requests have reached them (see `steady`), or
    after `timeout_s` when fewer reached the handler."""
    deadline = time.monotonic() + timeout_s
    while True:
        now = scrape(metrics_address)
        if now.get(BATCH_REQUESTS, 0.0) - before.get(BATCH_REQUESTS, 0.0) >= requests:
            return steady(metrics_address, gap_s=0.02)  # a batch's counters arrive as lines one after another
        if time.monotonic() > deadline:
            return now
        time.sleep(0.02)


class BatchCounter:
    """start() before a run, record(result) after it: the counters' growth in between.

    `metrics_address` None (a server without the handler's metrics, such as the naive one) records nothing."""

    def __init__(self, metrics_address: str | None) -> None:
        self.metrics_address = metrics_address
        self.before: dict[str, float] = {}

    def start(self) -> None:
        if self.metrics_address:
            self.before = steady(self.metrics_address)

    def record(self, result: Result) -> None:
        if not self.metrics_address:
            return
        after = after_requests(self.metrics_address, self.before, len(result.latencies))
        grown = {name: after.get(name, 0.0) - self.before.get(name, 0.0) for name in after}
        result.batches = round(grown.get(BATCHES, 0.0))
        result.batched_requests = round(grown.get(BATCH_REQUESTS, 0.0))
        result.handling_s = grown.get(HANDLER_SECONDS, 0.0)
