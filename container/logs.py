"""The container's own log lines: one JSON object per line on stdout, with `severity` and `message`,
which Cloud Logging reads as structured entries. TorchServe's and the worker's lines are echoed as
they are by the entrypoint, not through here.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

from pythonjsonlogger.json import JsonFormatter

# What Vertex tells the container about where it runs (logged once at start, never checked).
VERTEX_VARIABLES = ("AIP_DEPLOYED_MODEL_ID", "AIP_ENDPOINT_ID", "AIP_MACHINE_TYPE", "AIP_ACCELERATOR_TYPE", "AIP_MODE")
# Cloud Logging's severity names for the standard library's levels.
SEVERITIES = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL"}


class CloudLoggingFormatter(JsonFormatter):
    """`severity`, `message` and the logger's name, plus any `extra=` fields of the call."""

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
        log_data["severity"] = SEVERITIES.get(record.levelname, "DEFAULT")
        log_data["logger"] = record.name


def configure_logging(level: int = logging.INFO) -> None:
    """Send every logger's records (ours, uvicorn's error and access logs) to stdout as JSON lines."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(CloudLoggingFormatter("{message}", style="{", json_ensure_ascii=False))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def log_vertex_environment(env: Mapping[str, str], logger: logging.Logger) -> None:
    """One line naming the deployment, as Vertex described it; a missing value is logged as null."""
    values = {name: env.get(name) for name in VERTEX_VARIABLES}
    described = ", ".join(f"{name}={value!r}" for name, value in values.items())
    logger.info(f"Vertex environment: {described}", extra={"vertex": values})
