"""Submit the fine-tuning trainer (python -m training.finetune) as a Vertex AI custom job.

    python -m vertex.train_job --image-uri REGION-docker.pkg.dev/P/REPO/tr-en-train:TAG \\
        --base-output-dir gs://BUCKET/runs/opus-tr-en --accelerator-type NVIDIA_TESLA_V100 \\
        -- --train_file gs://BUCKET/data/train.jsonl --num_train_epochs 3

Everything after `--` goes to the trainer unchanged. Vertex sets AIP_MODEL_DIR to
<base-output-dir>/model, which the trainer uses as its output directory unless given
--output_dir. With --replica-count N, the first replica is the chief and the other N-1 form a
second worker pool (Vertex allows only one replica in the first pool).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from vertex import common

TRAINER_COMMAND = "python3 -m training.finetune"

IMAGE_URI = common.Setting(
    "image_uri", "--image-uri", ("TRAINING_IMAGE_URI",), "training container image URI (with this repo installed)",
    required=True,
)  # fmt: skip
BASE_OUTPUT_DIR = common.Setting(
    "base_output_dir", "--base-output-dir", ("VERTEX_BASE_OUTPUT_DIR",),
    "gs:// folder for the job's output; the model goes to <it>/model (default: a dated folder in STAGING_BUCKET)",
)  # fmt: skip
DISPLAY_NAME = common.Setting(
    "display_name", "--display-name", ("VERTEX_TRAINING_DISPLAY_NAME",), "job display name", default="tr-en-finetune"
)
REPLICA_COUNT = common.Setting(
    "replica_count", "--replica-count", ("VERTEX_REPLICA_COUNT",), "machines (replicas) in the job", default=1,
    type=common.positive_int,
)  # fmt: skip
SETTINGS = (
    *common.COMMON, common.STAGING_BUCKET, IMAGE_URI, BASE_OUTPUT_DIR, DISPLAY_NAME,
    *common.MACHINE, REPLICA_COUNT, common.SERVICE_ACCOUNT,
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vertex.train_job",
        usage="%(prog)s [options] [-- TRAINER_ARGS...]",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common.add_settings(parser, *SETTINGS)
    parser.add_argument("--command", default=TRAINER_COMMAND,
                        help=f"command that starts the trainer in the image (default: {TRAINER_COMMAND})")  # fmt: skip
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment variable for the trainer (repeatable)")  # fmt: skip
    parser.add_argument("--wait", action="store_true", help="wait for the job to end (default: submit and return)")
    parser.add_argument("--poll-interval", type=float, default=60.0, metavar="SECONDS",
                        help="seconds between job status reads with --wait (default 60)")  # fmt: skip
    return parser


def split_trainer_args(argv: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(our arguments, the trainer's): the trainer's follow the first `--`, which argparse would eat."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut + 1 :]
    return argv, []


def worker_pool_specs(args: argparse.Namespace, trainer_args: list[str]) -> list[dict[str, Any]]:
    accelerator_type, accelerator_count = common.machine_spec(args)
    machine: dict[str, Any] = {"machine_type": args.machine_type}
    if accelerator_type:
        machine.update(accelerator_type=accelerator_type, accelerator_count=accelerator_count)
    try:
        env = [{"name": k, "value": v} for k, v in (common.key_value(item) for item in args.env)]
    except ValueError as e:
        raise common.UsageError(f"--env {e}") from None
    command = shlex.split(args.command)
    container = {"image_uri": args.image_uri, "command": command, "args": trainer_args, "env": env}
    pool = {"machine_spec": machine, "replica_count": 1, "container_spec": container}
    pools = [pool]
    if args.replica_count > 1:
        pools.append({**pool, "replica_count": args.replica_count - 1})
    return pools


def submit(args: argparse.Namespace, trainer_args: list[str]) -> Any:
    """Build and submit the CustomJob.

    CustomJob, not CustomContainerTrainingJob or CustomPythonPackageTrainingJob: it is one
    customJobs.create request with our image and command, where the other two wrap the job in a
    TrainingPipeline (and the package variant also builds and uploads a source distribution).
    """
    from google.cloud import aiplatform

    pools = worker_pool_specs(args, trainer_args)
    if args.base_output_dir and not args.base_output_dir.startswith("gs://"):
        raise common.UsageError(f"--base-output-dir must be a gs:// folder, not {args.base_output_dir}")
    # The SDK insists on a staging bucket even when the output folder is given, though it only
    # uses it to name a default folder: the output folder's bucket does.
    staging = args.staging_bucket or (
        "gs://" + args.base_output_dir.removeprefix("gs://").split("/")[0] if args.base_output_dir else None
    )
    if staging is None:
        raise common.UsageError(
            f"no output folder given: {BASE_OUTPUT_DIR.source()}, or give a staging bucket "
            f"({common.STAGING_BUCKET.source()})"
        )
    common.init_sdk(args)
    job = aiplatform.CustomJob(
        display_name=args.display_name,
        worker_pool_specs=pools,
        base_output_dir=args.base_output_dir,
        staging_bucket=staging,
    )
    job.submit(service_account=args.service_account)
    return job


def train_job(args: argparse.Namespace, trainer_args: list[str]) -> int:
    from google.cloud.aiplatform.compat.types import job_state

    job = submit(args, trainer_args)
    print(f"job:    {job.resource_name}\n        {common.console_link(job.resource_name)}")
    print(f"output: {job.job_spec.base_output_directory.output_uri_prefix}")
    if not args.wait:
        return 0
    state = common.wait_for_job(job, args.poll_interval)
    print(f"state:  {state.name}")
    if state != job_state.JobState.JOB_STATE_SUCCEEDED:
        print(f"error:  {job.error.message or 'the job did not succeed'}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    ours, trainer_args = split_trainer_args(argv)
    parser = build_parser()
    return common.run(parser, SETTINGS, lambda args: train_job(args, trainer_args), ours)


if __name__ == "__main__":
    sys.exit(main())
