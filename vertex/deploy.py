"""Upload the serving image as a Vertex AI model and deploy it to an endpoint.

    python -m vertex.deploy --project P --image-uri REGION-docker.pkg.dev/P/REPO/tr-en:TAG \\
        [--artifact-uri gs://BUCKET/models/tr_en/] [--accelerator-type NVIDIA_TESLA_T4] [--no-deploy]

The model points Vertex at TorchServe's fixed routes (/predictions/tr_en, /ping) on port 8080.
/ping says Healthy before the model has loaded, so readiness is an exec probe instead: a script
in the image that exits 0 only once the model's workers are READY. The endpoint is the one given
by --endpoint, else the newest one with --endpoint-display-name, else a new one.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from vertex import common

PREDICT_ROUTE = "/predictions/tr_en"
HEALTH_ROUTE = "/ping"
READINESS_COMMAND = "python3 /app/docker/readiness.py"

IMAGE_URI = common.Setting(
    "image_uri", "--image-uri", ("SERVING_IMAGE_URI",), "serving container image URI", required=True
)
ARTIFACT_URI = common.Setting(
    "artifact_uri", "--artifact-uri", ("VERTEX_ARTIFACT_URI",),
    "gs:// folder holding tr_en.mar or a model directory (training.finetune's output), handed to the container "
    "as AIP_STORAGE_URI (default: the image's model)",
)  # fmt: skip
MODEL_DISPLAY_NAME = common.Setting(
    "model_display_name", "--model-display-name", ("VERTEX_MODEL_DISPLAY_NAME",), "model display name", default="tr-en"
)
ENDPOINT = common.Setting(
    "endpoint", "--endpoint", ("VERTEX_ENDPOINT",), "endpoint id or resource name (default: found by display name)"
)
ENDPOINT_DISPLAY_NAME = common.Setting(
    "endpoint_display_name", "--endpoint-display-name", ("VERTEX_ENDPOINT_DISPLAY_NAME",),
    "endpoint display name, to find or create it", default="tr-en",
)  # fmt: skip
MIN_REPLICAS = common.Setting(
    "min_replicas", "--min-replicas", ("VERTEX_MIN_REPLICAS",), "minimum replicas", default=1, type=common.positive_int
)
MAX_REPLICAS = common.Setting(
    "max_replicas", "--max-replicas", ("VERTEX_MAX_REPLICAS",), "maximum replicas (default: --min-replicas)",
    type=common.positive_int,
)  # fmt: skip
SETTINGS = (
    *common.COMMON, IMAGE_URI, ARTIFACT_URI, MODEL_DISPLAY_NAME, ENDPOINT, ENDPOINT_DISPLAY_NAME,
    *common.MACHINE, MIN_REPLICAS, MAX_REPLICAS, common.SERVICE_ACCOUNT,
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vertex.deploy",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common.add_settings(parser, *SETTINGS)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment variable for the serving container (repeatable)")  # fmt: skip
    parser.add_argument("--container-port", type=int, default=8080, help="port TorchServe listens on (default 8080)")
    parser.add_argument("--readiness-command", default=READINESS_COMMAND,
                        help=f"exec probe command run inside the container (default: {READINESS_COMMAND})")  # fmt: skip
    # Vertex's startup probe gives up after 3 failures (failureThreshold, which the SDK cannot
    # set), so the period must be about half the time the model takes to load.
    parser.add_argument("--startup-probe-period", type=int, default=30, metavar="SECONDS",
                        help="seconds between startup probes; loading may take twice this (default 30)")  # fmt: skip
    parser.add_argument("--startup-probe-timeout", type=int, default=10, metavar="SECONDS",
                        help="seconds one startup probe may run (default 10)")  # fmt: skip
    parser.add_argument("--health-probe-period", type=int, default=10, metavar="SECONDS",
                        help="seconds between health probes once started (default 10)")  # fmt: skip
    parser.add_argument("--health-probe-timeout", type=int, default=10, metavar="SECONDS",
                        help="seconds one health probe may run (default 10)")  # fmt: skip
    parser.add_argument("--no-deploy", action="store_true", help="upload the model only")
    return parser


def upload_model(args: argparse.Namespace) -> Any:
    from google.cloud import aiplatform

    if args.artifact_uri and not args.artifact_uri.startswith("gs://"):
        raise common.UsageError(
            f"--artifact-uri must be a gs:// folder holding tr_en.mar or a model directory, not {args.artifact_uri}"
        )
    try:
        env = dict(common.key_value(item) for item in args.env)
    except ValueError as e:
        raise common.UsageError(f"--env {e}") from None
    probe = shlex.split(args.readiness_command)
    return aiplatform.Model.upload(
        display_name=args.model_display_name,
        serving_container_image_uri=args.image_uri,
        artifact_uri=args.artifact_uri,
        serving_container_predict_route=PREDICT_ROUTE,
        serving_container_health_route=HEALTH_ROUTE,
        serving_container_ports=[args.container_port],
        serving_container_environment_variables=env or None,
        serving_container_startup_probe_exec=probe,
        serving_container_startup_probe_period_seconds=args.startup_probe_period,
        serving_container_startup_probe_timeout_seconds=args.startup_probe_timeout,
        serving_container_health_probe_exec=probe,
        serving_container_health_probe_period_seconds=args.health_probe_period,
        serving_container_health_probe_timeout_seconds=args.health_probe_timeout,
    )


def find_or_create_endpoint(args: argparse.Namespace) -> Any:
    from google.cloud import aiplatform

    if args.endpoint:
        return aiplatform.Endpoint(args.endpoint)
    name = args.endpoint_display_name
    existing = aiplatform.Endpoint.list(filter=f'display_name="{name}"', order_by="create_time desc")
    if existing:
        if len(existing) > 1:
            print(f"{len(existing)} endpoints are named {name}; using the newest", file=sys.stderr)
        return existing[0]
    return aiplatform.Endpoint.create(display_name=name)


def deploy(args: argparse.Namespace) -> int:
    accelerator_type, accelerator_count = common.machine_spec(args)
    max_replicas = args.max_replicas or args.min_replicas
    if max_replicas < args.min_replicas:
        raise common.UsageError(f"--max-replicas {max_replicas} is below --min-replicas {args.min_replicas}")
    common.init_sdk(args)
    model = upload_model(args)
    print(f"model:    {model.resource_name}\n          {common.console_link(model.resource_name)}")
    if args.no_deploy:
        return 0
    endpoint = find_or_create_endpoint(args)
    # All traffic goes to the new model; models deployed earlier stay deployed at 0 %.
    endpoint.deploy(
        model=model,
        deployed_model_display_name=args.model_display_name,
        machine_type=args.machine_type,
        accelerator_type=accelerator_type,
        accelerator_count=accelerator_count,
        min_replica_count=args.min_replicas,
        max_replica_count=max_replicas,
        traffic_percentage=100,
        service_account=args.service_account,
    )
    print(f"endpoint: {endpoint.resource_name}\n          {common.console_link(endpoint.resource_name)}")
    endpoint_id = common.resource_id(endpoint.resource_name)
    print(f"try it:   python -m vertex.predict --endpoint {endpoint_id} 'Bu odun yanmaz.'")
    return 0


def main(argv: list[str] | None = None) -> int:
    return common.run(build_parser(), SETTINGS, deploy, argv)


if __name__ == "__main__":
    sys.exit(main())
