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
from handler.metrics import Counts, report_to_torchserve
from handler.model_source import SOURCE_FILE, describe
from handler.request_body import request_body
from handler.service import TranslationService
from handler.settings import ServingSettings
from handler.vertex_protocol import encode_reply
from handler.warmup import warm_up

logger = logging.getLogger(__name__)


def select_device(gpu_id: int | None) -> str:
    """CUDA when TorchServe assigned this worker a GPU, else the CPU."""
    if gpu_id is not None and torch.cuda.is_available():
        return f"cuda:{gpu_id}"
    return "cpu"


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
        )
        self.service = TranslationService(backend, settings)
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
        report_to_torchserve(counts, context.metrics, context.model_name)
        # The benchmark reads the batch sizes and times from this line (bench/run.py batch_log).
        logger.info(
            "handled a batch of %d requests in %.4f s: %s",
            len(replies),
            time.perf_counter() - started,
            " ".join(str(r.status) for r in replies),
        )
        for idx, reply in enumerate(replies):
            context.set_response_status(reply.status, "", idx)
            context.set_response_content_type(idx, "application/json")
        return [encode_reply(reply.body) for reply in replies]


def read_source(model_dir: str) -> dict[str, Any] | None:
    """Where the archive's model came from (model-source.json); None for archives built before it existed."""
    try:
        return json.loads(Path(model_dir, SOURCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _content_type(context: Any, idx: int) -> str | None:
    headers = context.get_all_request_header(idx) or {}
    return next((str(v) for k, v in headers.items() if str(k).lower() == "content-type"), None)
