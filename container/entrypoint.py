"""Container entrypoint: map Vertex AI's AIP_* variables onto TorchServe behind the edge, and supervise it.

    python -m container.entrypoint          # the image's ENTRYPOINT; on a host the same (docker/README.md)

- AIP_HTTP_PORT (default 8080): the public port on 0.0.0.0 (--host), served by the edge
  (container/edge.py on uvicorn); TorchServe's inference API, management, metrics and gRPC stay on
  127.0.0.1.
- AIP_PREDICT_ROUTE / AIP_HEALTH_ROUTE (default /predictions/tr_en and /ping): the two routes the
  edge serves, whatever they are (Vertex's defaults, the sample's /predict and /health); any other
  path is 404.
- AIP_STORAGE_URI: a gs:// folder (or a local folder or file) holding the .mar to serve, or a model
  directory as training.finetune writes it, archived at start with the backend MODEL_BACKEND.
  Empty serves the archive baked into the image (MODEL_STORE/tr_en.mar).
- MAX_REQUEST_BYTES (default 1572864) and REQUEST_TIMEOUT_SECONDS (default 60): a Vertex shared
  endpoint's limits; raise them for a dedicated endpoint. They go to the edge, to TorchServe
  (max_request_size, the model's responseTimeout) and to the handler's per-request limits.
- The model must be loaded (every worker READY in TorchServe's management API) within
  MODEL_LOAD_TIMEOUT seconds, else exit 1. A model that fails to load LOAD_FAILURES_LIMIT times in a
  row (default 3) with the same worker error exits at once, printing it.
- SIGTERM or SIGINT: readiness turns false at once, new predictions get 503, the ones in flight are
  finished for up to DRAIN_SECONDS (default 20), then TorchServe stops and the entrypoint exits 0.
- TorchServe dying (its Java frontend killed, say) exits 1 within a second, so Vertex restarts the container.
- Logs: the container's own lines are JSON objects on stdout (severity, message); TorchServe's and
  the worker's lines pass through as they are.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from container.edge import Edge
from container.edge_server import EdgeServer, bind
from container.load_watch import LoadWatch
from container.logs import configure_logging, log_vertex_environment
from container.model_install import ARCHIVE, install_model, with_response_timeout
from container.settings import ContainerSettings, EntrypointError
from handler.torchserve import MODEL_NAME, TorchServe, model_status

EXIT_CONFIG = 2  # bad environment or model location: nothing was started
EXIT_NOT_SERVING = 1  # TorchServe started but the model never became ready, or TorchServe died
# TorchServe's own limit on a response (config.properties' max_response_size): never below the request's.
MIN_RESPONSE_BYTES = 6553500
log = logging.getLogger("entrypoint")


def build_server(settings: ContainerSettings, store: Path, workdir: Path) -> TorchServe:
    ports = settings.loopback_ports
    return TorchServe(
        model_store=store,
        workdir=workdir,
        # Loopback only: the public port is the edge, which can drain.
        inference_address=f"http://127.0.0.1:{ports['TS_INFERENCE_PORT']}",
        management_address=f"http://127.0.0.1:{ports['TS_MANAGEMENT_PORT']}",
        metrics_address=f"http://127.0.0.1:{ports['TS_METRICS_PORT']}",
        grpc_ports=(ports["TS_GRPC_INFERENCE_PORT"], ports["TS_GRPC_MANAGEMENT_PORT"]),
        overrides=torchserve_overrides(settings, store),
        # The handler's per-request limits follow the body limit (handler/settings.py reads it).
        env={"MAX_REQUEST_BYTES": str(settings.max_request_bytes)},
        log_to_console=True,
        pipe_output=True,
    )


def torchserve_overrides(settings: ContainerSettings, store: Path) -> dict[str, str]:
    """What the container changes in config.properties: the model store, the limits."""
    return {
        # Archives only from this model store.
        "allowed_urls": f"^file://{store.resolve()}/.*$",
        "max_request_size": str(settings.max_request_bytes),
        "max_response_size": str(max(MIN_RESPONSE_BYTES, settings.max_request_bytes)),
        # For an archive without a model-config.yaml; the archive's own is set by with_response_timeout.
        "default_response_timeout": str(response_timeout(settings)),
    }


def response_timeout(settings: ContainerSettings) -> int:
    """TorchServe's per-model responseTimeout: a few seconds inside the edge's, so that TorchServe
    answers (and restarts a stuck worker) before the edge gives up on the request. 55 s by default,
    as model-config.yaml packs it."""
    return max(1, int(settings.request_timeout) - 5)


def build_edge(settings: ContainerSettings, server: TorchServe) -> Edge:
    return Edge(
        upstream=server.inference_address,
        predict_route=settings.predict_route,
        health_route=settings.health_route,
        is_ready=lambda: model_status(server.management_address),
        max_body_bytes=settings.max_request_bytes,
        request_timeout=settings.request_timeout,
        body_timeout=settings.body_timeout,
    )


def supervise(server: TorchServe, edge: Edge, http: EdgeServer, settings: ContainerSettings, spent: float) -> int:
    """Run TorchServe until a signal (drain, exit 0), its death or a model that will not load (exit 1).

    `spent`: seconds of the load timeout already used before TorchServe started (building the archive)."""
    stop = {"signal": None}

    def on_signal(signum: int, _frame: object) -> None:
        if stop["signal"] is None:
            edge.start_draining()  # readiness false and new requests refused from this moment
        stop["signal"] = signum

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    deadline = time.monotonic() + settings.load_timeout - spent
    try:
        http.start()  # before TorchServe: the health route answers 503 while the model loads
        server.start()
        watch = LoadWatch(settings.load_failures)
        reader = watch.follow(server.process.stdout)
        while stop["signal"] is None:
            code = server.process.poll()
            if code is not None:
                reader.join(timeout=2)  # the last lines of its output first
                log.error(f"TorchServe exited with code {code}; stopping so that the container is restarted")
                return EXIT_NOT_SERVING
            if not watch.loaded:
                error = watch.hopeless()
                if error:
                    log.error(f"model {MODEL_NAME} failed to load {len(watch.failures)} times in a row with the "
                              f"same error, giving up: {error}")  # fmt: skip
                    return EXIT_NOT_SERVING
                if watch.observe(*model_status(server.management_address)):
                    log.info(f"model {MODEL_NAME} is ready ({watch.reason})")
                elif time.monotonic() > deadline:
                    log.error(f"model {MODEL_NAME} did not load within {settings.load_timeout:g} s ({watch.reason}); "
                              "see the TorchServe log above for the worker's error")  # fmt: skip
                    return EXIT_NOT_SERVING
            time.sleep(0.5)
        return drain(edge, signal.Signals(stop["signal"]).name, settings.drain_seconds)
    finally:
        edge.start_draining()
        server.stop()
        http.stop()


def drain(edge: Edge, signal_name: str, seconds: float) -> int:
    """Let the requests in flight finish (new ones are refused already); exit 0 either way."""
    log.info(f"{signal_name} received, draining {edge.in_flight} request(s) in flight for up to {seconds:g} s")
    deadline = time.monotonic() + seconds
    while edge.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    if edge.in_flight:
        log.warning(f"{edge.in_flight} request(s) still in flight after {seconds:g} s, stopping TorchServe")
    else:
        log.info("drained, stopping TorchServe")
    return 0


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m container.entrypoint",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model-store", type=Path, default=None,
                        help="folder of the baked-in archive (env MODEL_STORE; default: ./model_store)")  # fmt: skip
    parser.add_argument("--workdir", type=Path, default=None,
                        help="config, logs and fetched archive (env TS_WORKDIR; default: a temp dir)")  # fmt: skip
    parser.add_argument("--host", default="0.0.0.0",
                        help="address of the public port (default 0.0.0.0; make serve: 127.0.0.1)")  # fmt: skip
    args = parser.parse_args(argv)
    env = os.environ if env is None else env
    configure_logging()
    log_vertex_environment(env, log)
    baked_store = args.model_store or Path(env.get("MODEL_STORE") or "model_store")
    workdir = args.workdir or Path(env.get("TS_WORKDIR") or tempfile.mkdtemp(prefix="torchserve-"))
    started = time.monotonic()
    try:
        settings = ContainerSettings.from_env(env)
        sock = bind(args.host, settings.http_port)
    except EntrypointError as e:
        log.error(str(e))
        return EXIT_CONFIG
    except OSError as e:  # the public port is taken
        log.error(f"cannot listen on AIP_HTTP_PORT: {e}")
        return EXIT_CONFIG
    try:
        store = install_model(env.get("AIP_STORAGE_URI", ""), baked_store, workdir / "model_store", settings.backend)
        store = with_response_timeout(store, workdir / "model_store", response_timeout(settings))
    except EntrypointError as e:
        sock.close()
        log.error(str(e))
        return EXIT_CONFIG
    server = build_server(settings, store, workdir)
    spent = time.monotonic() - started
    if spent >= settings.load_timeout:  # archiving a model directory took all of it
        sock.close()
        log.error(f"preparing the model took {spent:.0f} s, past MODEL_LOAD_TIMEOUT ({settings.load_timeout:g} s)")
        return EXIT_NOT_SERVING
    edge = build_edge(settings, server)
    http = EdgeServer(edge, sock, settings.header_timeout, settings.max_connections, settings.access_log)
    host, port = http.address
    log.info(f"serving {store / ARCHIVE} on http://{host}:{port}: POST {settings.predict_route}, "
             f"GET {settings.health_route}")  # fmt: skip
    return supervise(server, edge, http, settings, spent)


if __name__ == "__main__":
    sys.exit(main())
