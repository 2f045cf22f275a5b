"""What the service counts, and how the counts reach TorchServe's metrics (Prometheus on the metrics port).

The service counts into a `Counts` per batch; the TorchServe adapter hands them to the worker's
metrics cache (`context.metrics`), which the frontend exposes at `/metrics` when config.properties
has `metrics_mode=prometheus` and `model_metrics_auto_detect=true` (TorchServe 0.12 drops model
metrics that are neither declared in a metrics YAML nor auto-detected).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

# Every counter the service reports, with what it counts. The names are the Prometheus names.
COUNTERS = {
    "translation_requests_total": "requests answered 200",
    "translation_errors_total": "requests answered with an error, by status (label status)",
    "translation_texts_total": "texts (strings of instances) translated",
    "translation_sentences_total": "sentences translated (a text kept whole counts as one)",
    "translation_source_tokens_total": "source tokens of the segments sent to the model",
    "translation_generated_tokens_total": "tokens generated, end-of-sentence included, all hypotheses",
    "translation_micro_batches_total": "generate calls",
    "translation_padded_tokens_total": "source tokens of the micro-batches with their padding (fill = real / padded)",
    "translation_real_tokens_total": "source tokens of the micro-batches without padding",
    "translation_cache_hits_total": "sentences answered from the cache",
    "translation_cache_misses_total": "sentences looked up in the cache and not found",
    "translation_decoding_cap_hits_total": "segments stopped by the decoding cap below max_new_tokens",
    "translation_batches_total": "batches TorchServe handed the handler",
    "translation_batch_requests_total": "requests in those batches, answered or not (per batch: requests / batches)",
    "translation_handler_seconds_total": "seconds the handler spent on those batches",
    "translation_numerics_errors_total": "micro-batches whose output was NaN, inf or empty (answered 500)",
}

# Gauges the handler reports after each batch when its model is on a GPU (none on a CPU).
GPU_GAUGES = {
    "translation_gpu_memory_used_mib": "the GPU's memory in use, every allocator and process (torch.cuda.mem_get_info)",
    "translation_gpu_memory_allocated_mib": "the GPU memory torch's allocator holds for tensors (not CTranslate2's)",
}


class Counts:
    """Counts of one batch of requests, keyed by counter name and label values."""

    def __init__(self) -> None:
        self.values: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()

    def add(self, name: str, value: float = 1, **labels: str) -> None:
        if name not in COUNTERS:
            raise KeyError(f"unknown counter {name!r}")
        if value:
            self.values[(name, tuple(sorted(labels.items())))] += value

    def get(self, name: str, **labels: str) -> float:
        return self.values[(name, tuple(sorted(labels.items())))]


def report_to_torchserve(counts: Counts, metrics: Any, model_name: str) -> None:
    """Add the counts to TorchServe's worker metrics cache (`context.metrics`) as counters.

    The cache writes each one to the worker's log at once, where the frontend picks it up."""
    if metrics is None:  # a Context made outside a TorchServe worker has no metrics cache
        return
    from ts.metrics.dimension import Dimension

    for (name, labels), value in counts.values.items():
        # Explicit dimensions: TorchServe would otherwise label a batch-level metric Level="Error".
        dimensions = [Dimension("ModelName", model_name), Dimension("Level", "Model")]
        dimensions += [Dimension(key, val) for key, val in labels]
        metrics.add_counter(name, value, None, dimensions)


def gpu_memory_mib(device: str) -> dict[str, float]:
    """GPU_GAUGES for `device` ("cuda:N"); empty on a CPU. TorchServe's own GPU metrics need nvgpu and
    pynvml in the image; these need only torch, and see what CTranslate2 holds too (used_mib)."""
    if not device.startswith("cuda"):
        return {}
    import torch

    free, total = torch.cuda.mem_get_info(device)
    return {
        "translation_gpu_memory_used_mib": round((total - free) / 2**20, 1),
        "translation_gpu_memory_allocated_mib": round(torch.cuda.memory_allocated(device) / 2**20, 1),
    }


def report_gauges(gauges: dict[str, float], metrics: Any, model_name: str) -> None:
    """Set gauges in TorchServe's worker metrics cache, as report_to_torchserve adds counters."""
    if metrics is None:
        return
    from ts.metrics.dimension import Dimension
    from ts.metrics.metric_type_enum import MetricTypes

    for name, value in gauges.items():
        dimensions = [Dimension("ModelName", model_name), Dimension("Level", "Model")]
        metrics.add_metric(name, value, "MB", None, dimensions, MetricTypes.GAUGE)
