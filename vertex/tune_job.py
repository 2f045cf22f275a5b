"""Submit a Vertex AI hyperparameter tuning job over the trainer, maximising validation BLEU.

    python -m vertex.tune_job --executor-image-uri us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest \\
        --staging-bucket gs://BUCKET --accelerator-type NVIDIA_TESLA_T4 \\
        --learning-rate 1e-5:3e-4 --epochs 1:4 --max-trial-count 12 --parallel-trial-count 3 \\
        -- --train_file gs://BUCKET/data/train.jsonl --validation_file gs://BUCKET/data/validation.jsonl

Each trial is the custom job `python -m vertex.train_job` would submit with the same settings
(prebuilt image and package, or --image-uri; replicas; GPUs), and Vertex appends the trial's
values to the trainer's arguments (--learning_rate=..., --num_train_epochs=..., --warmup_ratio=...,
--label_smoothing_factor=...). A range is MIN:MAX; MIN:MIN fixes a value (leave a flag out to keep
its default range). The trainer reports its validation BLEU where the tuning service reads it
(training/hypertune.py); the best checkpoint's is reported last, the trial's final measurement.
Each trial writes its model to <base-output-dir>/<trial id>/model (AIP_MODEL_DIR).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vertex import common, train_job

METRIC = "bleu"  # the tag training/hypertune.py reports; a test pins the two copies


@dataclass(frozen=True)
class Range:
    low: float
    high: float


def range_of(kind: Callable[[str], float], low_limit: float, high_limit: float | None) -> Callable[[str], Range]:
    """A MIN:MAX converter for common.Setting, with the limits the trainer accepts."""

    def convert(text: str) -> Range:
        parts = text.split(":")
        try:
            low, high = (kind(p) for p in parts) if len(parts) == 2 else (None, None)
        except ValueError:
            low = high = None
        upper = f" and at most {high_limit:g}" if high_limit is not None else ""
        if low is None or high is None or not (low_limit <= low <= high and (high_limit is None or high <= high_limit)):
            raise ValueError(f"a range MIN:MAX with MIN <= MAX, at least {low_limit:g}{upper}")
        return Range(low, high)

    return convert


@dataclass(frozen=True)
class Tuned:
    """A trainer flag the study searches, and how."""

    setting: common.Setting
    trainer_flag: str
    integer: bool = False
    scale: str = "linear"


TUNED = (
    Tuned(common.Setting("learning_rate", "--learning-rate", ("TUNE_LEARNING_RATE",), "learning rate range",
                         default=Range(1e-5, 1e-3), type=range_of(float, 1e-8, 1.0)), "--learning_rate", scale="log"),
    Tuned(common.Setting("epochs", "--epochs", ("TUNE_EPOCHS",), "training epochs range",
                         default=Range(1, 5), type=range_of(int, 1, None)), "--num_train_epochs", integer=True),
    Tuned(common.Setting("warmup", "--warmup", ("TUNE_WARMUP",), "warmup range, as a fraction of the steps",
                         default=Range(0.0, 0.2), type=range_of(float, 0.0, 0.99)), "--warmup_ratio"),
    Tuned(common.Setting("label_smoothing", "--label-smoothing", ("TUNE_LABEL_SMOOTHING",), "label smoothing range",
                         default=Range(0.0, 0.2), type=range_of(float, 0.0, 0.99)), "--label_smoothing_factor"),
)  # fmt: skip
MAX_TRIALS = common.Setting(
    "max_trial_count", "--max-trial-count", ("TUNE_MAX_TRIALS",), "trials in all", default=8, type=common.positive_int
)
PARALLEL_TRIALS = common.Setting(
    "parallel_trial_count", "--parallel-trial-count", ("TUNE_PARALLEL_TRIALS",), "trials running at once",
    default=2, type=common.positive_int,
)  # fmt: skip
MAX_FAILED = common.Setting(
    "max_failed_trial_count", "--max-failed-trial-count", ("TUNE_MAX_FAILED_TRIALS",),
    "failed trials that end the study (default: Vertex's choice)", type=common.positive_int,
)  # fmt: skip
ALGORITHM = common.Setting(
    "search_algorithm", "--search-algorithm", ("TUNE_SEARCH_ALGORITHM",),
    "grid or random (default: Vertex's Bayesian optimisation)",
)  # fmt: skip
DISPLAY_NAME = common.Setting(
    "display_name", "--display-name", ("VERTEX_TUNING_DISPLAY_NAME",), "job display name", default="tr-en-tune"
)
SETTINGS = (
    *(DISPLAY_NAME if s is train_job.DISPLAY_NAME else s for s in train_job.SETTINGS),
    *(t.setting for t in TUNED), MAX_TRIALS, PARALLEL_TRIALS, MAX_FAILED, ALGORITHM,
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    return train_job.build_parser("python -m vertex.tune_job", __doc__, SETTINGS)


def parameter_spec(args: argparse.Namespace) -> dict[str, Any]:
    """The study's parameters, keyed by the trainer flag that Vertex passes each trial's value as."""
    from google.cloud.aiplatform import hyperparameter_tuning as hpt

    spec: dict[str, Any] = {}
    for tuned in TUNED:
        value: Range = getattr(args, tuned.setting.dest)
        name = tuned.trainer_flag.removeprefix("--")
        if tuned.integer:
            spec[name] = hpt.IntegerParameterSpec(min=int(value.low), max=int(value.high), scale=tuned.scale)
        else:
            spec[name] = hpt.DoubleParameterSpec(min=value.low, max=value.high, scale=tuned.scale)
    return spec


def check(args: argparse.Namespace, trainer_args: list[str]) -> None:
    fixed = {arg.split("=")[0] for arg in trainer_args}
    for tuned in TUNED:
        if tuned.trainer_flag in fixed or tuned.trainer_flag.replace("_", "-") in fixed:
            raise common.UsageError(
                f"{tuned.trainer_flag} is tuned ({tuned.setting.flag}); leave it out of the trainer arguments"
            )
    if args.parallel_trial_count > args.max_trial_count:
        raise common.UsageError(
            f"--parallel-trial-count {args.parallel_trial_count} is above --max-trial-count {args.max_trial_count}"
        )
    if args.search_algorithm not in (None, "grid", "random"):
        raise common.UsageError(f"--search-algorithm must be grid or random, not {args.search_algorithm}")
    if args.search_algorithm == "grid" and any(not t.integer for t in TUNED if _spread(args, t)):
        raise common.UsageError("grid search needs discrete values: fix each real range as MIN:MIN, or use random")


def _spread(args: argparse.Namespace, tuned: Tuned) -> bool:
    value: Range = getattr(args, tuned.setting.dest)
    return value.low != value.high


def submit(args: argparse.Namespace, trainer_args: list[str]) -> Any:
    """Build the trial's custom job as train_job does, wrap it in a study and create the tuning job.

    The SDK's HyperparameterTuningJob.run() blocks until the study ends; this sends the same
    create request (hyperparameterTuningJobs.create) and returns, so --wait is a choice.
    """
    from google.cloud import aiplatform

    check(args, trainer_args)
    pools, staging = train_job.prepare(args, trainer_args)
    common.init_sdk(args)
    trial = aiplatform.CustomJob(
        display_name=f"{args.display_name}-trial",
        worker_pool_specs=pools,
        base_output_dir=args.base_output_dir,
        staging_bucket=staging,
    )
    job = aiplatform.HyperparameterTuningJob(
        display_name=args.display_name,
        custom_job=trial,
        metric_spec={METRIC: "maximize"},
        parameter_spec=parameter_spec(args),
        max_trial_count=args.max_trial_count,
        parallel_trial_count=args.parallel_trial_count,
        max_failed_trial_count=args.max_failed_trial_count or 0,
        search_algorithm=args.search_algorithm,
    )
    if args.service_account:
        job._gca_resource.trial_job_spec.service_account = args.service_account
    job._gca_resource = job.api_client.create_hyperparameter_tuning_job(
        parent=job._parent, hyperparameter_tuning_job=job._gca_resource
    )
    return job


def tune_job(args: argparse.Namespace, trainer_args: list[str]) -> int:
    job = submit(args, trainer_args)
    return common.report_training_job(
        job, job._gca_resource.trial_job_spec.base_output_directory.output_uri_prefix, args.wait, args.poll_interval
    )


def main(argv: Sequence[str] | None = None) -> int:
    ours, trainer_args = train_job.split_trainer_args(argv)
    return common.run(build_parser(), SETTINGS, lambda args: tune_job(args, trainer_args), ours)


if __name__ == "__main__":
    sys.exit(main())
