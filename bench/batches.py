"""The batches TorchServe handed the handler during a run, and the handler's time on them, read from
the handler's counters on the metrics port (handler/metrics.py) rather than from its log lines."""

from __future__ import annotations

import re
import time
import urllib.request

from bench.result import Result

# The worker's metric lines reach the frontend's /metrics through its log, a moment after the reply.
METRICS_SETTLE_S = 0.5
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


class BatchCounter:
    """start() before a run, record(result) after it: the counters' growth in between.

    `metrics_address` None (a server without the handler's metrics, such as the naive one) records nothing."""

    def __init__(self, metrics_address: str | None) -> None:
        self.metrics_address = metrics_address
        self.before: dict[str, float] = {}

    def start(self) -> None:
        if self.metrics_address:
            time.sleep(METRICS_SETTLE_S)  # what came before has reached the counters
            self.before = scrape(self.metrics_address)

    def record(self, result: Result) -> None:
        if not self.metrics_address:
            return
        time.sleep(METRICS_SETTLE_S)
        after = scrape(self.metrics_address)
        grown = {name: after.get(name, 0.0) - self.before.get(name, 0.0) for name in after}
        result.batches = round(grown.get(BATCHES, 0.0))
        result.batched_requests = round(grown.get(BATCH_REQUESTS, 0.0))
        result.handling_s = grown.get(HANDLER_SECONDS, 0.0)
