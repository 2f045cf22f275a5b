"""TorchServe entry point: a thin adapter between TorchServe's request list and TranslationService.

Packed into the .mar as the archive's handler; the rest of the `handler` package is installed
with the project (`pip install .`), in the serving image and in the local environment alike.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import torch
from ts.torch_handler.base_handler import BaseHandler

from handler.backends import load_backend
from handler.device_failures import DeviceUnavailableError
from handler.metrics import Counts, gpu_memory_mib, report_gauges, report_to_torchserve
from handler.model_source import SOURCE_FILE, describe
from handler.request_body import request_body
from handler.service import TranslationService
from handler.settings import ServingSettings
from handler.vertex_protocol import encode_reply
from handler.warmup import warm_up

logger = logging.getLogger(__name__)


# Where the NVIDIA kernel module tells its version on Linux, when a driver is loaded.
NVIDIA_DRIVER_VERSION = Path("/proc/driver/nvidia/version")


def select_device(gpu_id: int | None) -> str:
    """CUDA when TorchServe assigned this worker a GPU, the CPU when it did not.

    A GPU that torch cannot use fails the load (DeviceUnavailableError, one sentence): serving on the
    CPU instead would keep the endpoint healthy and many times slower, without a word."""
    if gpu_id is None:
        return "cpu"
    if not torch.cuda.is_available():
        raise DeviceUnavailableError(
            gpu_unavailable_message(gpu_id, torch.__version__, torch.version.cuda, nvidia_driver())
        )
    return f"cuda:{gpu_id}"


def gpu_unavailable_message(gpu_id: int, torch_version: str, torch_cuda: str | None, driver: str | None) -> str:
    build = f"built for CUDA {torch_cuda}" if torch_cuda else "a CPU-only build"
    found = f"NVIDIA driver {driver}" if driver else "no NVIDIA driver found"
    return (
        f"TorchServe assigned GPU {gpu_id} to this worker but torch {torch_version} ({build}, {found}) cannot use it: "
        "run the CUDA image on a host whose driver supports that CUDA version, or serve without GPUs "
        "(the CPU image, or number_of_gpu=0 in config.properties)"
    )


def nvidia_driver(path: Path = NVIDIA_DRIVER_VERSION) -> str | None:
    """The loaded NVIDIA driver's version ("550.54.15"), None where no driver is loaded."""
    try:
        first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return None
    # "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024"
    words = first.split("Kernel Module", 1)[-1].split()
    return words[0] if words else None


# TorchServe loads the one class this module defines (more than one fails the load): errors live elsewhere.
class TranslationHandler(BaseHandler):
    def initialize(self, context: Any) -> None:
        # Have TorchServe's worker hand over every body as raw bytes: its own JSON decoding
        # applies only to application/json and makes a JSON string body indistinguishable
        # from a text body. The worker reads this variable per request.
        os.environ["TS_DECODE_INPUT_REQUEST"] = "false"
        properties = context.system_properties
        settings = ServingSettings.from_model_config(context.model_yaml_config or {})
        device = select_device(properties.get("gpu_id"))
        threads = settings.torch_threads()
        # PyTorch's matrix products and CTranslate2's use the same share of the cores.
        torch.set_num_threads(threads)
        backend = load_backend(
            settings.backend,
            properties["model_dir"],
            device,
            threads,
            dtype=settings.dtype,
            pad_to_multiple_of=settings.pad_to_multiple_of,
            inter_threads=settings.inter_threads,
            score_chunk_tokens=settings.score_chunk_tokens,
        )
        self.device = device  # GPU memory gauges are reported per batch where this is "cuda:N"
        self.service = TranslationService(backend, settings)
        self.service.check_model()  # an overflowing precision fails the load, not every request
        # Before initialize returns, which is when TorchServe marks this worker READY.
        warm_up(self.service, settings.warmup_seconds, int((context.model_yaml_config or {}).get("batchSize") or 1))
        self.initialized = True
        logger.info(
            "loaded %s backend (dtype %s) on %s with %d threads", settings.backend, settings.dtype, device, threads
        )
        logger.info("model source: %s", describe(read_source(properties["model_dir"])))

    def handle(self, data: list[dict[str, Any]], context: Any) -> list[str]:
        started = time.perf_counter()
        bodies = [request_body(item, _content_type(context, idx)) for idx, item in enumerate(data)]
        counts = Counts()
        replies = self.service.handle_batch(bodies, counts)
        handling_s = time.perf_counter() - started
        # Programs (bench/batches.py, the tests) read batch sizes and times from these counters; the line is for people.
        counts.add("translation_batches_total")
        counts.add("translation_batch_requests_total", len(replies))
        counts.add("translation_handler_seconds_total", handling_s)
        report_to_torchserve(counts, context.metrics, context.model_name)
        report_gauges(gpu_memory_mib(getattr(self, "device", "cpu")), context.metrics, context.model_name)
        logger.info(
            "handled a batch of %d requests in %.4f s: %s",
            len(replies),
            handling_s,
            " ".join(str(r.status) for r in replies),
        )
        for idx, reply in enumerate(replies):
            context.set_response_status(reply.status, "", idx)
            context.set_response_content_type(idx, "application/json")
        return [self._encode(reply.body, context, idx) for idx, reply in enumerate(replies)]

    @staticmethod
    def _encode(body: dict[str, Any], context: Any, idx: int) -> str:
        try:
            return encode_reply(body)
        except ValueError as e:  # NaN or infinity: not JSON (the service's numerics check should catch it first)
            logger.error("reply %d not encodable: %s", idx, e)
            context.set_response_status(500, "", idx)
            return encode_reply({"error": f"the reply held a non-finite number ({e}); try dtype float32"})


def read_source(model_dir: str) -> dict[str, Any] | None:
    """Where the archive's model came from (model-source.json); None for archives built before it existed."""
    try:
        return json.loads(Path(model_dir, SOURCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _content_type(context: Any, idx: int) -> str | None:
    headers = context.get_all_request_header(idx) or {}
    return next((str(v) for k, v in headers.items() if str(k).lower() == "content-type"), None)
