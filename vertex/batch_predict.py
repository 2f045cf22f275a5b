"""Run a Vertex AI batch prediction job over a JSON-lines file and wait for it.

    python -m vertex.batch_predict --model MODEL_ID \\
        --gcs-source gs://BUCKET/batch_input_data.jsonl --gcs-destination-prefix gs://BUCKET/batch-out/
    python -m vertex.batch_predict --model MODEL_ID --staging-bucket gs://BUCKET \\
        --gcs-source vertex/examples/batch_input_data.jsonl      # a local file is uploaded first

Each input line is one instance (a string, a list of strings or {"text": ...}). Vertex writes
prediction.results-* and prediction.errors_stats-* files into a new folder under the prefix;
`python -m vertex.batch_local` writes the same files from a local server.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from vertex import common

MODEL = common.Setting("model", "--model", ("VERTEX_MODEL",), "model id or resource name", required=True)
GCS_SOURCE = common.Setting(
    "gcs_source", "--gcs-source", ("VERTEX_BATCH_SOURCE",),
    "JSON-lines input: a gs:// URI, or a local file to upload to the staging bucket", required=True,
)  # fmt: skip
GCS_DESTINATION = common.Setting(
    "gcs_destination_prefix", "--gcs-destination-prefix", ("VERTEX_BATCH_DESTINATION",),
    "gs:// folder the job writes its output folder into (default: STAGING_BUCKET/batch-predictions)",
)  # fmt: skip
JOB_DISPLAY_NAME = common.Setting(
    "job_display_name", "--job-display-name", ("VERTEX_BATCH_JOB_DISPLAY_NAME",), "job display name",
    default="tr-en-batch",
)  # fmt: skip
STARTING_REPLICAS = common.Setting(
    "starting_replica_count", "--starting-replica-count", ("VERTEX_STARTING_REPLICA_COUNT",),
    "replicas to start with", default=1, type=common.positive_int,
)  # fmt: skip
MAX_REPLICAS = common.Setting(
    "max_replica_count", "--max-replica-count", ("VERTEX_MAX_REPLICA_COUNT",),
    "replicas to scale up to (default: --starting-replica-count)", type=common.positive_int,
)  # fmt: skip
BATCH_SIZE = common.Setting(
    "batch_size", "--batch-size", ("VERTEX_BATCH_SIZE",),
    "instances per prediction request (manualBatchTuningParameters; Vertex's default is 64)",
    type=common.positive_int,
)  # fmt: skip
SETTINGS = (
    *common.COMMON, common.STAGING_BUCKET, MODEL, GCS_SOURCE, GCS_DESTINATION, JOB_DISPLAY_NAME,
    *common.MACHINE, STARTING_REPLICAS, MAX_REPLICAS, BATCH_SIZE, common.SERVICE_ACCOUNT,
)  # fmt: skip
EXIT_JOB_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vertex.batch_predict",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common.add_settings(parser, *SETTINGS)
    parser.add_argument("--parameters", help="generation parameters for every request, e.g. '{\"num_beams\": 4}'")
    parser.add_argument("--no-wait", action="store_true", help="submit the job and return")
    parser.add_argument("--poll-interval", type=float, default=30.0, metavar="SECONDS",
                        help="seconds between job status reads while waiting (default 30)")  # fmt: skip
    return parser


def stage_input(args: argparse.Namespace) -> tuple[str, int | None]:
    """(gs:// URI of the input, its line count when known): a local file is uploaded first."""
    if args.gcs_source.startswith("gs://"):
        return args.gcs_source, None
    path = Path(args.gcs_source)
    if not path.is_file():
        raise common.UsageError(f"--gcs-source {path} is neither a gs:// URI nor a local file")
    bucket_uri = common.require(args, common.STAGING_BUCKET, "to upload the local input file")
    from google.cloud import storage

    lines = sum(1 for line in path.open(encoding="utf-8") if line.strip())
    bucket_name, _, prefix = bucket_uri.removeprefix("gs://").partition("/")
    name = f"batch-inputs/{time.strftime('%Y%m%d-%H%M%S')}-{path.name}"
    blob_name = f"{prefix.strip('/')}/{name}" if prefix.strip("/") else name
    storage.Client(project=args.project).bucket(bucket_name).blob(blob_name).upload_from_filename(str(path))
    uri = f"gs://{bucket_name}/{blob_name}"
    print(f"uploaded {path} ({lines} instances) to {uri}", file=sys.stderr)
    return uri, lines


def submit(args: argparse.Namespace) -> tuple[Any, int | None]:
    """(the submitted BatchPredictionJob, the input's line count when it was a local file)."""
    from google.cloud import aiplatform

    accelerator_type, accelerator_count = common.machine_spec(args)
    parameters = None
    if args.parameters is not None:
        try:
            parameters = common.json_object(args.parameters)
        except ValueError as e:
            raise common.UsageError(f"--parameters {e}") from None
    if not args.gcs_destination_prefix:
        bucket = common.require(args, common.STAGING_BUCKET, "when --gcs-destination-prefix is not given")
        args.gcs_destination_prefix = f"{bucket.rstrip('/')}/batch-predictions"
    if not args.gcs_destination_prefix.startswith("gs://"):
        raise common.UsageError(f"--gcs-destination-prefix must be a gs:// folder, not {args.gcs_destination_prefix}")
    max_replicas = args.max_replica_count or args.starting_replica_count
    if max_replicas < args.starting_replica_count:
        raise common.UsageError(
            f"--max-replica-count {max_replicas} is below --starting-replica-count {args.starting_replica_count}"
        )
    common.init_sdk(args)
    source, lines = stage_input(args)
    job = aiplatform.BatchPredictionJob.submit(
        job_display_name=args.job_display_name,
        model_name=args.model,
        gcs_source=source,
        gcs_destination_prefix=args.gcs_destination_prefix,
        instances_format="jsonl",
        predictions_format="jsonl",
        model_parameters=parameters,
        machine_type=args.machine_type,
        accelerator_type=accelerator_type,
        accelerator_count=accelerator_count,
        starting_replica_count=args.starting_replica_count,
        max_replica_count=max_replicas,
        batch_size=args.batch_size,
        service_account=args.service_account,
    )
    return job, lines


def report(job: Any) -> None:
    """Output folder, completion stats and partial failures of a finished job."""
    folder = job.output_info.gcs_output_directory if job.output_info else ""
    stats = job.completion_stats
    print(f"output:     {folder or '(none)'}")
    print(f"successful: {stats.successful_count}")
    print(f"failed:     {stats.failed_count}")
    print(f"incomplete: {stats.incomplete_count}")
    if stats.failed_count and folder:
        print(f"failed instances and their errors: {folder}/prediction.errors_stats-*")
    for failure in job.partial_failures or []:
        print(f"partial failure: code {failure.code}: {failure.message}")
    if job.error and job.error.message:
        print(f"error: code {job.error.code}: {job.error.message}")


def batch_predict(args: argparse.Namespace) -> int:
    from google.cloud.aiplatform.compat.types import job_state

    job, lines = submit(args)
    print(f"job: {job.resource_name}\n     {common.console_link(job.resource_name)}")
    if args.no_wait:
        return 0
    try:
        state = common.wait_for_job(job, args.poll_interval, total=lines)
    except KeyboardInterrupt:
        print(f"stopped waiting; the job goes on: {job.resource_name}", file=sys.stderr)
        return 130
    print(f"state:      {state.name}")
    report(job)
    return 0 if state == job_state.JobState.JOB_STATE_SUCCEEDED else EXIT_JOB_FAILED


def main(argv: list[str] | None = None) -> int:
    return common.run(build_parser(), SETTINGS, batch_predict, argv)


if __name__ == "__main__":
    sys.exit(main())
