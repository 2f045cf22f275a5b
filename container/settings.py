"""The container's settings, read once from the environment when it starts.

Each bad value stops the container with one sentence naming the variable (EntrypointError).
docker/README.md "Environment" documents every variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from handler.torchserve import GRPC_PORTS, HEALTH_ROUTE, INFERENCE_PORT, MANAGEMENT_PORT, METRICS_PORT, PREDICT_ROUTE

# Loopback ports of the parts that must not be reachable from outside; overridable so that several
# instances can run side by side on one host (the tests do).
LOOPBACK_PORTS = {
    # TorchServe's inference API, behind the edge that listens on AIP_HTTP_PORT.
    "TS_INFERENCE_PORT": 8083,
    "TS_MANAGEMENT_PORT": MANAGEMENT_PORT,
    "TS_METRICS_PORT": METRICS_PORT,
    "TS_GRPC_INFERENCE_PORT": GRPC_PORTS[0],
    "TS_GRPC_MANAGEMENT_PORT": GRPC_PORTS[1],
}
# The generation backend of an archive built here from a model directory (MODEL_BACKEND).
DEFAULT_BACKEND = "transformers"
# Kubernetes' default terminationGracePeriodSeconds, which the serving containers' spec follows
# (ModelContainerSpec mirrors the Kubernetes Container spec; Google documents no other figure).
VERTEX_GRACE_SECONDS = 30
DRAIN_SECONDS = VERTEX_GRACE_SECONDS - 10  # leaves TorchServe 10 s to stop within the grace period
# A Vertex shared endpoint's limits: 1.5 MB per request and about 60 s per prediction. Dedicated
# endpoints take 10 MB and up to 3,600 s: raise both there.
MAX_REQUEST_BYTES = 1572864
REQUEST_TIMEOUT_SECONDS = 60.0
# A client gets this long to send a request's headers (slow clients are cut off) and its body.
HEADER_TIMEOUT_SECONDS = 10.0
BODY_TIMEOUT_SECONDS = 30.0
# Open client connections the edge holds at most (asyncio connections are cheap; beyond this, 503).
MAX_CONNECTIONS = 2048


class EntrypointError(Exception):
    """A problem with the container's configuration, told in one sentence."""


def port_from(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "") or str(default)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise EntrypointError(f"{name} must be a TCP port number, not {value!r}")
    return int(value)


def positive_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "") or str(default)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not seconds > 0:
        raise EntrypointError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


def positive_count(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "") or str(default)
    if not value.isdigit() or int(value) < 1:
        raise EntrypointError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def route_from(env: Mapping[str, str], name: str, default: str) -> str:
    """A route as Vertex gives it (any path); a trailing slash is not part of it."""
    value = env.get(name, "") or default
    if not value.startswith("/") or any(c.isspace() for c in value):
        raise EntrypointError(f"{name} must be a path starting with /, not {value!r}")
    return value.rstrip("/") or "/"


def backend_from(env: Mapping[str, str]) -> str:
    from handler.settings import BACKENDS

    backend = env.get("MODEL_BACKEND", "") or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise EntrypointError(f"MODEL_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    return backend


def warmup_from(env: Mapping[str, str]) -> float | None:
    from handler.settings import warmup_seconds_from_env

    try:
        return warmup_seconds_from_env(env)
    except ValueError as e:
        raise EntrypointError(str(e)) from None


def flag_from(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = (env.get(name, "") or str(int(default))).lower()
    if value not in ("0", "1", "true", "false"):
        raise EntrypointError(f"{name} must be 1 or 0 (true or false), not {value!r}")
    return value in ("1", "true")


@dataclass(frozen=True)
class ContainerSettings:
    http_port: int
    predict_route: str
    health_route: str
    loopback_ports: dict[str, int]
    load_timeout: float
    load_failures: int
    drain_seconds: float
    backend: str
    max_request_bytes: int
    request_timeout: float
    header_timeout: float
    body_timeout: float
    max_connections: int
    access_log: bool
    # The workers read WARMUP_SECONDS themselves (inherited through TorchServe); checked here, at start.
    warmup_seconds: float | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ContainerSettings:
        return cls(
            http_port=port_from(env, "AIP_HTTP_PORT", INFERENCE_PORT),
            predict_route=route_from(env, "AIP_PREDICT_ROUTE", PREDICT_ROUTE),
            health_route=route_from(env, "AIP_HEALTH_ROUTE", HEALTH_ROUTE),
            loopback_ports={name: port_from(env, name, default) for name, default in LOOPBACK_PORTS.items()},
            load_timeout=positive_seconds(env, "MODEL_LOAD_TIMEOUT", 600),
            load_failures=positive_count(env, "LOAD_FAILURES_LIMIT", 3),
            drain_seconds=positive_seconds(env, "DRAIN_SECONDS", DRAIN_SECONDS),
            backend=backend_from(env),
            max_request_bytes=positive_count(env, "MAX_REQUEST_BYTES", MAX_REQUEST_BYTES),
            request_timeout=positive_seconds(env, "REQUEST_TIMEOUT_SECONDS", REQUEST_TIMEOUT_SECONDS),
            header_timeout=positive_seconds(env, "HEADER_TIMEOUT_SECONDS", HEADER_TIMEOUT_SECONDS),
            body_timeout=positive_seconds(env, "BODY_TIMEOUT_SECONDS", BODY_TIMEOUT_SECONDS),
            max_connections=positive_count(env, "MAX_CONNECTIONS", MAX_CONNECTIONS),
            access_log=flag_from(env, "ACCESS_LOG", True),
            warmup_seconds=warmup_from(env),
        )
