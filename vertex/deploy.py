"""Upload the serving image as a Vertex AI model and deploy it to an endpoint.

    python -m vertex.deploy --project P --image-uri REGION-docker.pkg.dev/P/REPO/tr-en:TAG \\
        [--artifact-uri gs://BUCKET/models/tr_en/] [--accelerator-type NVIDIA_TESLA_T4] [--no-deploy]
    # a canary beside the models already there, as a new version of an existing model
    python -m vertex.deploy ... --endpoint E --parent-model M --traffic-percentage 10
    # later: all traffic to it, the others undeployed (no upload)
    python -m vertex.deploy --project P --endpoint E --promote DEPLOYED_MODEL_ID
    # the original sample's routes; a dedicated endpoint (10 MB requests, up to an hour each)
    python -m vertex.deploy ... --predict-route /predict --health-route /health --dedicated-endpoint

The model's routes default to TorchServe's (/predictions/tr_en, /ping) on port 8080; the container
serves whichever routes it is told (AIP_PREDICT_ROUTE, AIP_HEALTH_ROUTE). Readiness is an exec
probe: a script in the image that exits 0 only once the model's workers are READY. The endpoint
is the one given by --endpoint, else the newest one with --endpoint-display-name, else a new one.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from typing import Any

from vertex import common

IMAGE_URI = common.Setting("image_uri", "--image-uri", ("SERVING_IMAGE_URI",), "serving container image URI")
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
# The container's request limits, read when it starts; unset, it applies a shared endpoint's
# (1.5 MB, 60 s). A dedicated endpoint takes 10 MB and up to 3,600 s (shared/vertex-contract.md).
MAX_REQUEST_BYTES_ENV = "MAX_REQUEST_BYTES"
REQUEST_TIMEOUT_ENV = "REQUEST_TIMEOUT_SECONDS"
DEDICATED_MAX_REQUEST_BYTES = 10 * 1024 * 1024
DEDICATED_MAX_TIMEOUT_S = 3600
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
    parser.add_argument("--container-port", type=int, default=common.CONTAINER_PORT,
                        help=f"port TorchServe listens on (default {common.CONTAINER_PORT})")  # fmt: skip
    parser.add_argument("--predict-route", type=route, default=common.PREDICT_ROUTE,
                        help=f"path Vertex sends predictions to, AIP_PREDICT_ROUTE in the container "
                             f"(default {common.PREDICT_ROUTE})")  # fmt: skip
    parser.add_argument("--health-route", type=route, default=common.HEALTH_ROUTE,
                        help=f"path Vertex checks health on, AIP_HEALTH_ROUTE in the container "
                             f"(default {common.HEALTH_ROUTE})")  # fmt: skip
    parser.add_argument("--dedicated-endpoint", action="store_true",
                        help="create a dedicated endpoint (requests up to 10 MB and --request-timeout) and give "
                             f"the container those limits ({MAX_REQUEST_BYTES_ENV}, {REQUEST_TIMEOUT_ENV}); "
                             "default: a shared endpoint, 1.5 MB and 60 s")  # fmt: skip
    parser.add_argument("--request-timeout", type=timeout_seconds, metavar="SECONDS",
                        help=f"dedicated endpoints: seconds one prediction may take, the endpoint's inference "
                             f"timeout and the container's (1 to {DEDICATED_MAX_TIMEOUT_S}, "
                             f"default {DEDICATED_MAX_TIMEOUT_S})")  # fmt: skip
    parser.add_argument("--readiness-command", default=common.READINESS_COMMAND,
                        help=f"exec probe run inside the container (default: {common.READINESS_COMMAND})")  # fmt: skip
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
    rollout = parser.add_argument_group("rollout and versions")
    rollout.add_argument("--traffic-percentage", type=percentage, default=100, metavar="N",
                         help="share of the endpoint's traffic for the new model; the models already there "
                              "keep the rest in their proportions (default 100: all of it)")  # fmt: skip
    rollout.add_argument("--undeploy-others", action="store_true",
                         help="after deploying, move all traffic to the new model and undeploy the others")  # fmt: skip
    rollout.add_argument("--promote", metavar="DEPLOYED_MODEL_ID",
                         help="upload nothing: move all traffic of --endpoint to this deployed model "
                              "(a canary) and undeploy the others")  # fmt: skip
    rollout.add_argument("--parent-model", metavar="MODEL_ID",
                         help="upload as a new version of this Model Registry model (id or resource name)")  # fmt: skip
    rollout.add_argument("--version-aliases", nargs="+", default=None, metavar="ALIAS",
                         help="aliases of the uploaded version, e.g. canary (letters, digits, dashes)")  # fmt: skip
    rollout.add_argument("--is-default-version", action=argparse.BooleanOptionalAction, default=True,
                         help="make the uploaded version the model's default (default: yes)")  # fmt: skip
    scaling = parser.add_argument_group("autoscaling targets (between --min-replicas and --max-replicas)")
    scaling.add_argument("--autoscaling-target-cpu-utilization", type=percentage, metavar="PERCENT",
                         help="CPU utilisation that replicas are added above (Vertex's default: 60)")  # fmt: skip
    scaling.add_argument("--autoscaling-target-accelerator-duty-cycle", type=percentage, metavar="PERCENT",
                         help="GPU duty cycle that replicas are added above (needs --accelerator-type)")  # fmt: skip
    return parser


def percentage(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"must be a whole percentage from 0 to 100, not {text!r}")
    return int(text)


def route(text: str) -> str:
    if not text.startswith("/") or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"must be an absolute path such as /predict, not {text!r}")
    return text


def timeout_seconds(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= DEDICATED_MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(f"must be whole seconds from 1 to {DEDICATED_MAX_TIMEOUT_S}, not {text!r}")
    return int(text)


ALIAS = re.compile(r"[a-z][a-z0-9-]{0,126}[a-z0-9]")


def check_rollout(args: argparse.Namespace) -> None:
    """The rollout flags that contradict each other or the machine, refused before any API call."""
    if args.promote and (args.image_uri or args.artifact_uri or args.parent_model or args.no_deploy):
        raise common.UsageError("--promote only moves traffic on --endpoint: it takes no model to upload")
    if args.promote and not args.endpoint:
        raise common.UsageError("--promote needs --endpoint, the endpoint the deployed model is on")
    if not args.promote and not args.image_uri:
        raise common.UsageError(f"no {IMAGE_URI.help} given: {IMAGE_URI.source()}")
    if args.artifact_uri and not args.artifact_uri.startswith("gs://"):
        raise common.UsageError(
            f"--artifact-uri must be a gs:// folder holding tr_en.mar or a model directory, not {args.artifact_uri}"
        )
    container_env(args, dedicated=False)
    if args.request_timeout is not None and not args.dedicated_endpoint:
        raise common.UsageError(
            "--request-timeout needs --dedicated-endpoint: a shared endpoint's requests time out after about 60 s"
        )
    if args.undeploy_others and args.traffic_percentage != 100:
        raise common.UsageError(
            f"--undeploy-others gives the new model all traffic; drop --traffic-percentage {args.traffic_percentage}"
        )
    if args.traffic_percentage == 0 and not args.no_deploy:
        raise common.UsageError("--traffic-percentage 0 would deploy a model that serves nothing; use 1 to 100")
    if args.autoscaling_target_accelerator_duty_cycle is not None and not args.accelerator_type:
        raise common.UsageError("--autoscaling-target-accelerator-duty-cycle needs --accelerator-type")
    bad = [a for a in args.version_aliases or [] if not ALIAS.fullmatch(a) or a == "default"]
    if bad:
        raise common.UsageError(
            f"--version-aliases {' '.join(bad)}: an alias is lower-case letters, digits and dashes, starting "
            "with a letter (and 'default' is set by --is-default-version)"
        )


def container_env(args: argparse.Namespace, dedicated: bool) -> dict[str, str]:
    """The serving container's variables: a dedicated endpoint's limits, then --env (which wins)."""
    env: dict[str, str] = {}
    if dedicated:
        env[MAX_REQUEST_BYTES_ENV] = str(DEDICATED_MAX_REQUEST_BYTES)
        env[REQUEST_TIMEOUT_ENV] = str(args.request_timeout or DEDICATED_MAX_TIMEOUT_S)
    try:
        return {**env, **dict(common.key_value(item) for item in args.env)}
    except ValueError as e:
        raise common.UsageError(f"--env {e}") from None


def upload_model(args: argparse.Namespace, dedicated: bool = False) -> Any:
    from google.cloud import aiplatform

    env = container_env(args, dedicated)
    probe = shlex.split(args.readiness_command)
    return aiplatform.Model.upload(
        display_name=args.model_display_name,
        parent_model=args.parent_model,
        version_aliases=list(args.version_aliases) if args.version_aliases else None,
        is_default_version=args.is_default_version,
        serving_container_image_uri=args.image_uri,
        artifact_uri=args.artifact_uri,
        serving_container_predict_route=args.predict_route,
        serving_container_health_route=args.health_route,
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
        return check_dedicated(aiplatform.Endpoint(args.endpoint), args)
    name = args.endpoint_display_name
    existing = aiplatform.Endpoint.list(filter=f'display_name="{name}"', order_by="create_time desc")
    if existing:
        if len(existing) > 1:
            print(f"{len(existing)} endpoints are named {name}; using the newest", file=sys.stderr)
        return check_dedicated(existing[0], args)
    if args.dedicated_endpoint:
        return aiplatform.Endpoint.create(
            display_name=name,
            dedicated_endpoint_enabled=True,
            inference_timeout=args.request_timeout or DEDICATED_MAX_TIMEOUT_S,
        )
    return aiplatform.Endpoint.create(display_name=name)


def check_dedicated(endpoint: Any, args: argparse.Namespace) -> Any:
    """An existing endpoint, refused when --dedicated-endpoint asks for a kind it is not."""
    if args.dedicated_endpoint and not endpoint.dedicated_endpoint_enabled:
        raise common.UsageError(
            f"--dedicated-endpoint: endpoint {endpoint.resource_name} is a shared endpoint, and an endpoint's kind "
            "is fixed when it is created; name a new one with --endpoint-display-name"
        )
    if args.request_timeout is not None:
        print("--request-timeout: the existing endpoint keeps its own inference timeout", file=sys.stderr)
    return endpoint


def promote(endpoint: Any, deployed_model_id: str) -> None:
    """All of the endpoint's traffic to `deployed_model_id`, then every other deployed model undeployed.

    Traffic moves first, in one undeploy call per model that names the new split, so requests
    never reach a model that is going away."""
    deployed = [m.id for m in endpoint.list_models()]
    if deployed_model_id not in deployed:
        raise common.UsageError(
            f"deployed model {deployed_model_id} is not on endpoint {endpoint.resource_name} "
            f"(deployed there: {', '.join(deployed) or 'none'})"
        )
    for other in deployed:
        if other != deployed_model_id:
            endpoint.undeploy(other, traffic_split={deployed_model_id: 100})
            print(f"undeployed {other}; all traffic on {deployed_model_id}")


def deploy_to(endpoint: Any, model: Any, args: argparse.Namespace) -> str:
    """Deploy `model` with --traffic-percentage of the traffic; returns its deployed model id."""
    accelerator_type, accelerator_count = common.machine_spec(args)
    before = {m.id for m in endpoint.list_models()}
    # The models deployed earlier share the rest of the traffic in their current proportions.
    endpoint.deploy(
        model=model,
        deployed_model_display_name=args.model_display_name,
        machine_type=args.machine_type,
        accelerator_type=accelerator_type,
        accelerator_count=accelerator_count,
        min_replica_count=args.min_replicas,
        max_replica_count=args.max_replicas or args.min_replicas,
        traffic_percentage=args.traffic_percentage,
        service_account=args.service_account,
        autoscaling_target_cpu_utilization=args.autoscaling_target_cpu_utilization,
        autoscaling_target_accelerator_duty_cycle=args.autoscaling_target_accelerator_duty_cycle,
    )
    return next(m.id for m in endpoint.list_models() if m.id not in before)


def deploy(args: argparse.Namespace) -> int:
    check_rollout(args)
    common.machine_spec(args)
    max_replicas = args.max_replicas or args.min_replicas
    if max_replicas < args.min_replicas:
        raise common.UsageError(f"--max-replicas {max_replicas} is below --min-replicas {args.min_replicas}")
    common.init_sdk(args)
    if args.promote:
        endpoint = aiplatform_endpoint(args.endpoint)
        promote(endpoint, args.promote)
        print_traffic(endpoint)
        return 0
    # The endpoint first, so that a canary without a model to stand beside is refused before the upload.
    endpoint = None if args.no_deploy else find_or_create_endpoint(args)
    if endpoint is not None and args.traffic_percentage < 100 and not endpoint.list_models():
        raise common.UsageError(
            f"--traffic-percentage {args.traffic_percentage} needs an endpoint that already serves a model; "
            f"{endpoint.resource_name} has none, so its first model takes all the traffic"
        )
    # The container takes a dedicated endpoint's limits whenever it will serve on one.
    dedicated = args.dedicated_endpoint or bool(endpoint is not None and endpoint.dedicated_endpoint_enabled)
    model = upload_model(args, dedicated)
    print(f"model:    {model.versioned_resource_name}\n          {common.console_link(model.resource_name)}")
    if endpoint is None:
        return 0
    deployed_model_id = deploy_to(endpoint, model, args)
    print(f"endpoint: {endpoint.resource_name}\n          {common.console_link(endpoint.resource_name)}")
    print(f"deployed: {deployed_model_id}")
    if args.undeploy_others:
        promote(endpoint, deployed_model_id)
    print_traffic(endpoint)
    endpoint_id = common.resource_id(endpoint.resource_name)
    print(f"try it:   python -m vertex.predict --endpoint {endpoint_id} 'Bu odun yanmaz.'")
    return 0


def aiplatform_endpoint(name: str) -> Any:
    from google.cloud import aiplatform

    return aiplatform.Endpoint(name)


def print_traffic(endpoint: Any) -> None:
    split = endpoint.traffic_split
    shares = sorted(split.items(), key=lambda item: (-item[1], item[0]))
    print("traffic:  " + (", ".join(f"{k} {v}%" for k, v in shares) or "none"))


def main(argv: list[str] | None = None) -> int:
    return common.run(build_parser(), SETTINGS, deploy, argv)


if __name__ == "__main__":
    sys.exit(main())
