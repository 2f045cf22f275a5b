"""What the vertex/ scripts share: settings from flags or environment, SDK set-up, console links.

Every setting is a flag with environment-variable fallbacks, declared once as a `Setting`; its
help text names the variables and the default, so `--help` is the reference. A missing required
setting is a usage error (exit 2) naming the flag and the variable.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# The serving container's contract as Vertex must be told it: TorchServe's fixed routes for the
# model, the port and the readiness probe of docker/. Spelled once for vertex/; tests/test_contract.py
# pins it to handler/torchserve.py and the Dockerfile.
MODEL_NAME = "tr_en"
PREDICT_ROUTE = f"/predictions/{MODEL_NAME}"
HEALTH_ROUTE = "/ping"
CONTAINER_PORT = 8080
READINESS_COMMAND = "python3 -m container.readiness"

DEFAULT_REGION = "us-central1"
DEFAULT_MACHINE_TYPE = "n1-standard-4"
CONSOLE = "https://console.cloud.google.com/vertex-ai"
# Where each resource collection lives in the console, after CONSOLE.
CONSOLE_PAGES = {
    "models": "models/locations/{location}/models/{id}",
    "endpoints": "online-prediction/locations/{location}/endpoints/{id}",
    "batchPredictionJobs": "locations/{location}/batch-predictions/{id}",
    "customJobs": "locations/{location}/training/{id}",
    # The SDK's own dashboard link puts tuning jobs on the same training page.
    "hyperparameterTuningJobs": "locations/{location}/training/{id}",
}


class UsageError(Exception):
    """A missing or malformed setting: reported in one sentence, exit code 2."""


@dataclass(frozen=True)
class Setting:
    dest: str
    flag: str
    env: tuple[str, ...]
    help: str
    default: Any = None
    type: Callable[[str], Any] = str
    required: bool = False
    hidden: bool = False

    def source(self) -> str:
        """How to give it, for error messages: 'pass --project or set GOOGLE_CLOUD_PROJECT (or ...)'."""
        alternatives = f" (or {', '.join(self.env[1:])})" if len(self.env) > 1 else ""
        return f"pass {self.flag} or set {self.env[0]}{alternatives}"


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError("a positive integer")
    return int(text)


def json_object(text: str) -> dict[str, Any]:
    """A JSON object given on the command line, e.g. --parameters '{"num_beams": 4}'."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno}): {text}") from None
    if not isinstance(value, dict):
        raise ValueError(f"must be a JSON object like '{{\"num_beams\": 4}}', not {text}")
    return value


def key_value(text: str) -> tuple[str, str]:
    """KEY=VALUE, for --env."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"{text!r} is not KEY=VALUE")
    return key, value


PROJECT = Setting(
    "project", "--project", ("GOOGLE_CLOUD_PROJECT", "VERTEX_PROJECT"), "Google Cloud project id", required=True
)
REGION = Setting("region", "--region", ("VERTEX_REGION",), "Vertex AI region", default=DEFAULT_REGION)
STAGING_BUCKET = Setting(
    "staging_bucket", "--staging-bucket", ("VERTEX_STAGING_BUCKET",), "gs:// bucket for staged files and job output"
)
SERVICE_ACCOUNT = Setting(
    "service_account", "--service-account", ("VERTEX_SERVICE_ACCOUNT",), "service account the job or model runs as"
)
# Tests point the SDK at a local stand-in of the Vertex REST API with this; hidden from --help.
API_ENDPOINT = Setting("api_endpoint", "--api-endpoint", ("VERTEX_API_ENDPOINT",), "API host", hidden=True)
MACHINE_TYPE = Setting(
    "machine_type", "--machine-type", ("VERTEX_MACHINE_TYPE",), "Compute Engine machine type",
    default=DEFAULT_MACHINE_TYPE,
)  # fmt: skip
ACCELERATOR_TYPE = Setting(
    "accelerator_type", "--accelerator-type", ("VERTEX_ACCELERATOR_TYPE",),
    "GPU type, e.g. NVIDIA_TESLA_T4 or NVIDIA_TESLA_V100 (default: none, CPU only)",
)  # fmt: skip
ACCELERATOR_COUNT = Setting(
    "accelerator_count", "--accelerator-count", ("VERTEX_ACCELERATOR_COUNT",),
    "GPUs per replica (default: 1 when --accelerator-type is given)", type=positive_int,
)  # fmt: skip
COMMON = (PROJECT, REGION, API_ENDPOINT)
MACHINE = (MACHINE_TYPE, ACCELERATOR_TYPE, ACCELERATOR_COUNT)


def add_settings(parser: argparse.ArgumentParser, *settings: Setting) -> None:
    """Add each setting as a flag whose help names its environment variables and default."""
    for s in settings:
        if s.hidden:
            parser.add_argument(s.flag, dest=s.dest, help=argparse.SUPPRESS)
            continue
        default = "required" if s.required else (f"default {s.default}" if s.default is not None else None)
        extra = "; ".join(x for x in (f"env {', '.join(s.env)}", default) if x)
        parser.add_argument(s.flag, dest=s.dest, metavar=s.dest.upper(), help=f"{s.help} [{extra}]")


def resolve(args: argparse.Namespace, *settings: Setting) -> argparse.Namespace:
    """Fill each setting from its flag, else its first set environment variable, else its default.

    Flags are parsed as strings here rather than by argparse so that a value from the
    environment gets the same conversion and the same error message.
    """
    for s in settings:
        raw, origin = getattr(args, s.dest, None), s.flag
        if raw is None:
            origin, raw = next(((name, os.environ[name]) for name in s.env if os.environ.get(name)), (s.flag, None))
        if raw is None:
            if s.required:
                raise UsageError(f"no {s.help} given: {s.source()}")
            setattr(args, s.dest, s.default)
            continue
        try:
            setattr(args, s.dest, s.type(raw))
        except ValueError as e:  # the converter's message says what is expected
            raise UsageError(f"{origin} must be {e}, not {raw!r}") from None
    return args


def require(args: argparse.Namespace, setting: Setting, why: str) -> Any:
    """A setting that only some runs need: `why` says which, e.g. 'to upload a local input file'."""
    value = getattr(args, setting.dest, None)
    if value is None:
        raise UsageError(f"no {setting.help} given, needed {why}: {setting.source()}")
    return value


def machine_spec(args: argparse.Namespace) -> tuple[str | None, int | None]:
    """(accelerator type, count): a count defaults to 1 with a type, and is refused without one."""
    from google.cloud.aiplatform.compat.types import accelerator_type as gca_accelerator

    if args.accelerator_type is None:
        if args.accelerator_count:
            raise UsageError(f"--accelerator-count {args.accelerator_count} needs --accelerator-type")
        return None, None
    known = [name for name in gca_accelerator.AcceleratorType.__members__ if name != "ACCELERATOR_TYPE_UNSPECIFIED"]
    if args.accelerator_type not in known:
        raise UsageError(f"unknown --accelerator-type {args.accelerator_type}; known types: {', '.join(known)}")
    return args.accelerator_type, args.accelerator_count or 1


def init_sdk(args: argparse.Namespace) -> None:
    """aiplatform.init with the resolved settings.

    An `http://` API endpoint is a local stand-in (the tests'): it gets the REST transport,
    which keeps the scheme (gRPC cannot), and anonymous credentials, so nothing asks Google.
    """
    from google.cloud import aiplatform

    extra: dict[str, Any] = {}
    if args.api_endpoint:
        extra["api_endpoint"] = args.api_endpoint
        if args.api_endpoint.startswith("http://"):
            from google.auth.credentials import AnonymousCredentials

            extra.update(api_transport="rest", credentials=AnonymousCredentials())
    try:
        aiplatform.init(project=args.project, location=args.region, **extra)
    except ValueError:  # the SDK checks the region against its own list
        raise UsageError(
            f"--region {args.region} is not a Vertex AI region (see https://cloud.google.com/vertex-ai/docs/general/locations)"
        ) from None


def resource_id(resource_name: str) -> str:
    """The last part of projects/p/locations/l/endpoints/123, without a @version."""
    return resource_name.rsplit("/", 1)[-1].partition("@")[0]


def console_link(resource_name: str) -> str:
    """The Cloud console page of a Vertex resource name (projects/P/locations/L/COLLECTION/ID)."""
    parts = resource_name.split("/")
    project, location, collection = parts[1], parts[3], parts[4]
    page = CONSOLE_PAGES[collection].format(location=location, id=resource_id(resource_name))
    return f"{CONSOLE}/{page}?project={project}"


def run(
    parser: argparse.ArgumentParser,
    settings: Sequence[Setting],
    command: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None,
) -> int:
    """Parse, resolve settings, run `command`; turn the expected failures into one line and an exit code."""
    import requests
    from google.api_core import exceptions as api_exceptions
    from google.auth import exceptions as auth_exceptions

    # The SDK logs its progress to stdout unless a stream handler exists when it is imported:
    # this one sends it to stderr, keeping stdout for results that scripts may read.
    if not logging.getLogger().handlers:
        logging.basicConfig(stream=sys.stderr, format="%(message)s")
    args = parser.parse_args(argv)
    try:
        resolve(args, *settings)
        return command(args)
    except UsageError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    except auth_exceptions.DefaultCredentialsError:
        print(
            f"{parser.prog}: error: no Google Cloud credentials found: run `gcloud auth application-default login`"
            " or set GOOGLE_APPLICATION_CREDENTIALS",
            file=sys.stderr,
        )
        return 1
    except api_exceptions.GoogleAPICallError as e:
        print(f"{parser.prog}: error: Vertex AI answered {e.code}: {e.message}", file=sys.stderr)
        return 1
    except (requests.exceptions.ConnectionError, auth_exceptions.TransportError) as e:
        # The REST transport lets connection failures through as they are (gRPC wraps them).
        print(f"{parser.prog}: error: cannot reach the Google Cloud API: {e}", file=sys.stderr)
        return 1


def wait_for_job(job: Any, poll_interval: float, total: int | None = None) -> Any:
    """Poll a Vertex job until it ends, showing its state and instance counts; return the final state.

    `job.state` re-reads the job from the API on every access (the SDK's own wait loop starts
    at 5 s and doubles, too coarse for a progress display).
    """
    from google.cloud.aiplatform.compat.types import job_state
    from tqdm import tqdm

    done_states = {
        job_state.JobState.JOB_STATE_SUCCEEDED,
        job_state.JobState.JOB_STATE_FAILED,
        job_state.JobState.JOB_STATE_CANCELLED,
        job_state.JobState.JOB_STATE_EXPIRED,
        job_state.JobState.JOB_STATE_PARTIALLY_SUCCEEDED,
    }
    counts = hasattr(job, "completion_stats")  # batch prediction jobs count instances; others show time
    bar_format = None if counts else "{desc}: {elapsed}"
    with tqdm(total=total, unit="instance", desc="waiting", bar_format=bar_format, file=sys.stderr) as bar:
        while True:
            state = job.state
            stats = job.completion_stats if counts else None
            if stats is not None:
                bar.update(stats.successful_count + stats.failed_count - bar.n)
            bar.set_description(state.name.removeprefix("JOB_STATE_").lower())
            if state in done_states:
                return state
            time.sleep(poll_interval)


def report_training_job(job: Any, output_uri: str, wait: bool, poll_interval: float) -> int:
    """Print where a submitted training or tuning job is and, with `wait`, follow it to the end.

    Exit code: 0 when not waiting or when the job succeeded, 1 with the job's error otherwise.
    """
    from google.cloud.aiplatform.compat.types import job_state

    print(f"job:    {job.resource_name}\n        {console_link(job.resource_name)}")
    print(f"output: {output_uri}")
    if not wait:
        return 0
    state = wait_for_job(job, poll_interval)
    print(f"state:  {state.name}")
    if state != job_state.JobState.JOB_STATE_SUCCEEDED:
        print(f"error:  {job.error.message or 'the job did not succeed'}", file=sys.stderr)
        return 1
    return 0
