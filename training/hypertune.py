"""Report the tuning metric the way Vertex AI's hyperparameter tuning service reads it.

The service reads JSON lines from the file named by CLOUD_ML_HP_METRIC_FILE (default
/tmp/hypertune/output.metrics), each holding the metric under its tag, the trial id, the step
and a timestamp: the format of Google's `cloudml-hypertune` package (preinstalled in the
prebuilt training images), written here without it so that custom images need nothing more.
As that package does, the file is rewritten with the last 100 reports each time.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

METRIC_TAG = "bleu"  # what vertex.tune_job maximises; its copy is pinned by a test
DEFAULT_METRIC_FILE = "/tmp/hypertune/output.metrics"
KEPT_REPORTS = 100


def tuning_trial() -> bool:
    """True inside a Vertex tuning trial, which sets CLOUD_ML_TRIAL_ID (or names the metric file)."""
    return bool(os.environ.get("CLOUD_ML_TRIAL_ID") or os.environ.get("CLOUD_ML_HP_METRIC_FILE"))


class MetricReporter:
    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or os.environ.get("CLOUD_ML_HP_METRIC_FILE") or DEFAULT_METRIC_FILE)
        self.trial = os.environ.get("CLOUD_ML_TRIAL_ID", "0")
        self.reports: deque[dict[str, str | float]] = deque(maxlen=KEPT_REPORTS)

    def report(self, value: float, step: int, tag: str = METRIC_TAG) -> None:
        self.reports.append(
            {"timestamp": time.time(), "trial": str(self.trial), tag: str(float(value)), "global_step": str(int(step)),
             "checkpoint_path": ""}
        )  # fmt: skip
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in self.reports)
        self.path.write_text(lines, encoding="utf-8")


class ReportValidationBleu(TrainerCallback):
    """Reports every validation BLEU from the main process; the trainer reports the best one last."""

    def __init__(self, reporter: MetricReporter) -> None:
        self.reporter = reporter

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict | None = None, **_: Any) -> None:
        if state.is_world_process_zero and metrics and f"eval_{METRIC_TAG}" in metrics:
            self.reporter.report(metrics[f"eval_{METRIC_TAG}"], state.global_step)
