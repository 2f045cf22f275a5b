"""Submit the fine-tuning trainer (python -m training.launch) as a Vertex AI custom job.

    # no image to build: a Google prebuilt PyTorch image, this project's trainer as a package
    python -m vertex.train_job --executor-image-uri us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest \\
        --staging-bucket gs://BUCKET --accelerator-type NVIDIA_TESLA_T4 -- --train_file gs://BUCKET/data/train.jsonl
    # a training image built from docker/Dockerfile.train
    python -m vertex.train_job --image-uri REGION-docker.pkg.dev/P/REPO/tr-en-train:TAG \\
        --base-output-dir gs://BUCKET/runs/opus-tr-en --accelerator-type NVIDIA_TESLA_V100 -- --num_train_epochs 3

Everything after `--` goes to the trainer (training.finetune) and is checked by the trainer's
own argument parser before anything is submitted. Vertex sets AIP_MODEL_DIR to
<base-output-dir>/model, which the trainer uses as its output directory unless given
--output_dir. With --executor-image-uri the trainer is built as a source distribution
(vertex/package.py), uploaded to <staging-bucket>/trainer-packages/ and installed by Vertex into
the prebuilt image. With --replica-count N the first replica is the primary and the other N-1
form a second worker pool; training.launch turns them into one DDP run over N x GPUs processes.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shlex
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vertex import common

REPO_ROOT = Path(__file__).resolve().parent.parent

TRAINER_MODULE = "training.launch"
TRAINER_COMMAND = f"python3 -m {TRAINER_MODULE} --"
# Google's prebuilt PyTorch training images (vertex/README.md lists the ones checked). Only the
# :latest tag is supported by Vertex; pytorch-xla images are the CPU-only ones.
PREBUILT_IMAGE = re.compile(
    r"(?:us|europe|asia)-docker\.pkg\.dev/vertex-ai/training/pytorch-(?P<kind>gpu|xla)"
    r"\.(?P<major>\d+)-(?P<minor>\d+)(?:\.py(?P<python>\d+))?:latest"
)
EXAMPLE_IMAGE = "us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest"
# transformers 4.57, what the package installs there (vertex/package.py), needs torch 2.2.
OLDEST_TORCH = (2, 2)
N1_GPU_COUNTS = (1, 2, 4, 8)
# Machine types with their GPUs built in: the accelerator count must be theirs.
BUILT_IN_GPUS = re.compile(r"(?:a2-(?:high|mega|ultra)gpu|a3-(?:high|mega|edge)gpu)-(?P<count>\d+)g")
G2_GPUS = {"g2-standard-4": 1, "g2-standard-8": 1, "g2-standard-12": 1, "g2-standard-16": 1,
           "g2-standard-24": 2, "g2-standard-32": 1, "g2-standard-48": 4, "g2-standard-96": 8}  # fmt: skip

IMAGE_URI = common.Setting(
    "image_uri", "--image-uri", ("TRAINING_IMAGE_URI",),
    "training container image URI (docker/Dockerfile.train); or give --executor-image-uri",
)  # fmt: skip
EXECUTOR_IMAGE_URI = common.Setting(
    "executor_image_uri", "--executor-image-uri", ("TRAINING_EXECUTOR_IMAGE_URI",),
    f"Vertex prebuilt PyTorch training image to install the trainer package into, e.g. {EXAMPLE_IMAGE}",
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
    *common.COMMON, common.STAGING_BUCKET, IMAGE_URI, EXECUTOR_IMAGE_URI, BASE_OUTPUT_DIR, DISPLAY_NAME,
    *common.MACHINE, REPLICA_COUNT, common.SERVICE_ACCOUNT,
)  # fmt: skip


def build_parser(
    prog: str = "python -m vertex.train_job", doc: str = __doc__, settings: Sequence[common.Setting] = SETTINGS
) -> argparse.ArgumentParser:
    """This script's parser; vertex.tune_job builds its own from it with more settings."""
    parser = argparse.ArgumentParser(
        prog=prog,
        usage="%(prog)s [options] [-- TRAINER_ARGS...]",
        description=doc.split("\n\n")[0],
        epilog=doc.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common.add_settings(parser, *settings)
    parser.add_argument("--command", default=TRAINER_COMMAND,
                        help=f"with --image-uri: the trainer's command (default: {TRAINER_COMMAND})")  # fmt: skip
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


def check_gs(flag: str, value: str | None) -> None:
    if value and not value.startswith("gs://"):
        raise common.UsageError(f"{flag} must be a gs:// folder, not {value}")


def check_executor_image(uri: str, accelerated: bool) -> None:
    match = PREBUILT_IMAGE.fullmatch(uri)
    if match is None:
        raise common.UsageError(
            f"--executor-image-uri must be a Vertex AI prebuilt PyTorch training image like {EXAMPLE_IMAGE}, not {uri}"
        )
    if (int(match["major"]), int(match["minor"])) < OLDEST_TORCH:
        raise common.UsageError(
            f"--executor-image-uri {uri} carries torch {match['major']}.{match['minor']}; the trainer needs "
            f"{'.'.join(map(str, OLDEST_TORCH))} or newer"
        )
    if match["kind"] == "xla" and accelerated:
        raise common.UsageError(f"--executor-image-uri {uri} is CPU-only; GPUs need a pytorch-gpu image")


def check_machine(machine_type: str, accelerator: str | None, count: int | None) -> None:
    """The GPU rules of Vertex's machine types, so that a mismatch is refused here, not by the job."""
    built_in = BUILT_IN_GPUS.fullmatch(machine_type)
    fixed = int(built_in["count"]) if built_in else G2_GPUS.get(machine_type)
    gpus = "several GPUs per replica" if count and count > 1 else "GPUs"
    if fixed is not None:
        if accelerator is None:
            raise common.UsageError(
                f"--machine-type {machine_type} has {fixed} GPU(s) built in: pass --accelerator-type with their type"
            )
        if count != fixed:
            raise common.UsageError(
                f"--machine-type {machine_type} has {fixed} GPU(s), not {count}: set --accelerator-count {fixed}"
            )
    elif accelerator is not None:
        if not machine_type.startswith("n1-"):
            raise common.UsageError(
                f"{gpus} attach only to n1 machine types (a2, a3 and g2 types have them built in), not {machine_type}"
            )
        if count not in N1_GPU_COUNTS:
            raise common.UsageError(f"--accelerator-count on an n1 machine must be 1, 2, 4 or 8, not {count}")


def upload_package(args: argparse.Namespace) -> str:
    """Build the trainer's sdist and upload it under the staging bucket; return its gs:// URI."""
    from google.cloud import storage

    from vertex import package

    bucket_uri = common.require(args, common.STAGING_BUCKET, "to upload the trainer package")
    with tempfile.TemporaryDirectory(prefix="trainer-dist-") as tmp:
        sdist = package.build_sdist(Path(tmp))
        # A folder per content hash: a new build never replaces the package a running job installs.
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()[:16]
        bucket_name, _, prefix = bucket_uri.removeprefix("gs://").partition("/")
        blob_name = "/".join(p for p in (prefix.strip("/"), "trainer-packages", digest, sdist.name) if p)
        storage.Client(project=args.project).bucket(bucket_name).blob(blob_name).upload_from_filename(str(sdist))
    uri = f"gs://{bucket_name}/{blob_name}"
    print(f"uploaded the trainer package to {uri}", file=sys.stderr)
    return uri


def worker_pool_specs(
    args: argparse.Namespace, trainer_args: list[str], package_uri: str | None = None
) -> list[dict[str, Any]]:
    """The job's worker pools: the primary replica, then the N-1 workers (Vertex allows one primary)."""
    accelerator_type, accelerator_count = common.machine_spec(args)
    machine: dict[str, Any] = {"machine_type": args.machine_type}
    if accelerator_type:
        machine.update(accelerator_type=accelerator_type, accelerator_count=accelerator_count)
    try:
        env = [{"name": k, "value": v} for k, v in (common.key_value(item) for item in args.env)]
    except ValueError as e:
        raise common.UsageError(f"--env {e}") from None
    if args.executor_image_uri:
        task = {"python_package_spec": {
            "executor_image_uri": args.executor_image_uri, "package_uris": [package_uri],
            "python_module": TRAINER_MODULE, "args": ["--", *trainer_args], "env": env,
        }}  # fmt: skip
    else:
        command = shlex.split(args.command)
        task = {"container_spec": {"image_uri": args.image_uri, "command": command, "args": trainer_args, "env": env}}
    pool = {"machine_spec": machine, "replica_count": 1, **task}
    pools = [pool]
    if args.replica_count > 1:
        pools.append({**pool, "replica_count": args.replica_count - 1})
    return pools


def check(args: argparse.Namespace, trainer_args: list[str]) -> None:
    """Everything that can be refused before a request is sent or a package uploaded."""
    if bool(args.image_uri) == bool(args.executor_image_uri):
        raise common.UsageError(
            f"give one of --image-uri (a training image) and --executor-image-uri (a prebuilt one): "
            f"{'both were' if args.image_uri else 'neither was'} given"
        )
    check_gs("--staging-bucket", args.staging_bucket)
    check_gs("--base-output-dir", args.base_output_dir)
    accelerator_type, accelerator_count = common.machine_spec(args)
    check_machine(args.machine_type, accelerator_type, accelerator_count)
    if args.executor_image_uri:
        check_executor_image(args.executor_image_uri, accelerator_type is not None)
    check_trainer_args(trainer_args)


def check_trainer_args(trainer_args: list[str]) -> None:
    """The trainer's own argument check, run here so that a typo does not cost a cloud job.

    In a child process (`python -m training.args`): vertex/ does not import training/.
    """
    import subprocess

    if not trainer_args:  # the defaults, with Vertex's AIP_MODEL_DIR as output
        return
    result = subprocess.run(
        [sys.executable, "-m", "training.args", *trainer_args], capture_output=True, text=True, cwd=REPO_ROOT
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        raise common.UsageError(lines[-1].removeprefix("error: ") if lines else result.stderr.strip()[-500:])


def prepare(args: argparse.Namespace, trainer_args: list[str]) -> tuple[list[dict[str, Any]], str]:
    """(worker pools, staging bucket) after every check, with the package uploaded where one is needed."""
    check(args, trainer_args)
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
    package_uri = upload_package(args) if args.executor_image_uri else None
    return worker_pool_specs(args, trainer_args, package_uri), staging


def submit(args: argparse.Namespace, trainer_args: list[str]) -> Any:
    """Build and submit the CustomJob.

    CustomJob, not CustomContainerTrainingJob or CustomPythonPackageTrainingJob: it is one
    customJobs.create request with our worker pools, where the other two wrap the job in a
    TrainingPipeline.
    """
    from google.cloud import aiplatform

    pools, staging = prepare(args, trainer_args)
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
    job = submit(args, trainer_args)
    return common.report_training_job(
        job, job.job_spec.base_output_directory.output_uri_prefix, args.wait, args.poll_interval
    )


def main(argv: list[str] | None = None) -> int:
    ours, trainer_args = split_trainer_args(argv)
    parser = build_parser()
    return common.run(parser, SETTINGS, lambda args: train_job(args, trainer_args), ours)


if __name__ == "__main__":
    sys.exit(main())
