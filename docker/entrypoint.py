"""Container entrypoint: map Vertex AI's AIP_* variables onto TorchServe and supervise it.

    python3 docker/entrypoint.py            # in the image: ENTRYPOINT; on a host: the same, see docker/README.md

- AIP_HTTP_PORT (default 8080): the public port on 0.0.0.0 (the front door, below); TorchServe's
  inference API, management, metrics and gRPC stay on 127.0.0.1.
- AIP_PREDICT_ROUTE / AIP_HEALTH_ROUTE, when set, must be /predictions/tr_en and /ping, the only
  routes TorchServe serves for this model; anything else stops the container at once.
- AIP_STORAGE_URI: a gs:// folder (or a local folder or file) holding the .mar to serve, or a model
  directory as training.finetune writes it (config.json, weights, tokenizer files; checkpoints and
  logs beside them are ignored), which is archived at start with the backend MODEL_BACKEND
  (transformers, the default, or ctranslate2). Empty serves the archive baked into the image
  (MODEL_STORE/tr_en.mar).
- The model must have been archived (if need be) and loaded within MODEL_LOAD_TIMEOUT seconds, else
  the container exits non-zero (TorchServe's /ping says Healthy even when the model failed to load).
  A model that fails to load LOAD_FAILURES_LIMIT times in a row (default 3) with the same worker
  error exits at once, printing it.
- The public port is docker/front_door.py, which forwards predictions to TorchServe on loopback
  (TS_INFERENCE_PORT, default 8083) and answers the health route from the workers' status.
- SIGTERM or SIGINT: readiness turns false at once, new predictions get 503, the ones in flight are
  finished for up to DRAIN_SECONDS (default 20, below the 30 s Kubernetes grace period Vertex's
  serving containers get), then TorchServe stops and the entrypoint exits 0.
- TorchServe dying (its Java frontend killed, say) exits 1 within a second, so Vertex restarts the container.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from front_door import FrontDoor  # noqa: E402  (docker/, beside this script)

from handler.torchserve import (  # noqa: E402
    GRPC_PORTS,
    HEALTH_ROUTE,
    INFERENCE_PORT,
    MANAGEMENT_PORT,
    METRICS_PORT,
    MODEL_NAME,
    PREDICT_ROUTE,
    TorchServe,
    model_status,
)

ARCHIVE = f"{MODEL_NAME}.mar"
# Loopback ports of the parts that must not be reachable from outside; overridable so that several
# instances can run side by side on one host (the tests do).
LOOPBACK_PORTS = {
    # TorchServe's inference API, behind the front door that listens on AIP_HTTP_PORT.
    "TS_INFERENCE_PORT": 8083,
    "TS_MANAGEMENT_PORT": MANAGEMENT_PORT,
    "TS_METRICS_PORT": METRICS_PORT,
    "TS_GRPC_INFERENCE_PORT": GRPC_PORTS[0],
    "TS_GRPC_MANAGEMENT_PORT": GRPC_PORTS[1],
}
# The generation backend of an archive built here from a model directory (MODEL_BACKEND).
DEFAULT_BACKEND = "transformers"
EXIT_CONFIG = 2  # bad environment or model location: nothing was started
EXIT_NOT_SERVING = 1  # TorchServe started but the model never became ready, or TorchServe died
# Kubernetes' default terminationGracePeriodSeconds, which the serving containers' spec follows
# (ModelContainerSpec mirrors the Kubernetes Container spec; Google documents no other figure).
VERTEX_GRACE_SECONDS = 30
DRAIN_SECONDS = VERTEX_GRACE_SECONDS - 10  # leaves TorchServe 10 s to stop within the grace period


class EntrypointError(Exception):
    """A problem with the container's configuration, told in one sentence."""


def check_routes(env: Mapping[str, str]) -> None:
    expected = {"AIP_PREDICT_ROUTE": PREDICT_ROUTE, "AIP_HEALTH_ROUTE": HEALTH_ROUTE}
    for name, route in expected.items():
        given = env.get(name, "")
        if given and given.rstrip("/") != route:
            raise EntrypointError(
                f"{name} is {given!r}, but TorchServe serves this model only at {route}: upload the model with "
                f"serving_container_predict_route={PREDICT_ROUTE} and serving_container_health_route={HEALTH_ROUTE}"
            )


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
    if seconds <= 0:
        raise EntrypointError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


def positive_count(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "") or str(default)
    if not value.isdigit() or int(value) < 1:
        raise EntrypointError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def pick_archive(names: list[str], where: str) -> str:
    """The one .mar of a folder: tr_en.mar if present, else the only one (Google's samples call it model.mar)."""
    archives = sorted(n for n in names if n.endswith(".mar"))
    if ARCHIVE in archives:
        return ARCHIVE
    if len(archives) == 1:
        return archives[0]
    if not archives:
        raise EntrypointError(
            f"AIP_STORAGE_URI {where} holds no .mar archive and no model directory (config.json); "
            f"upload model_store/{ARCHIVE} or a model directory there"
        )
    raise EntrypointError(f"AIP_STORAGE_URI {where} holds several archives ({', '.join(archives)}); keep one")


def fetch_from_gcs(uri: str, target: Path) -> None:
    """Download the folder's archive: retried on transient errors, verified, renamed into place."""
    from handler.gcs_download import GcsDownloadError, download_blob, list_names, split_uri

    try:
        split_uri(uri)
        # The folder's own files: an archive in a sub-folder is not this model's.
        name = pick_archive([n for n in list_names(uri) if "/" not in n], uri)
        download_blob(f"{uri.rstrip('/')}/{name}", target)
    except GcsDownloadError as e:  # credentials, permissions, network: one sentence, not a traceback
        raise EntrypointError(str(e)) from None


def backend_from(env: Mapping[str, str]) -> str:
    from handler.settings import BACKENDS

    backend = env.get("MODEL_BACKEND", "") or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise EntrypointError(f"MODEL_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    return backend


def is_model_directory(storage_uri: str) -> bool:
    """A folder with config.json and no .mar: a model directory, to be archived here."""
    from handler.model_source import CONFIG_FILE, ModelSourceError, gcs_folder_names

    if storage_uri.startswith("gs://"):
        try:
            names = gcs_folder_names(storage_uri)[2]
        except ModelSourceError as e:
            raise EntrypointError(f"AIP_STORAGE_URI {e}") from None
    else:
        path = Path(storage_uri)
        names = [p.name for p in path.iterdir()] if path.is_dir() else []
    return CONFIG_FILE in names and not any(n.endswith(".mar") for n in names)


def archive_model_directory(storage_uri: str, store: Path, backend: str) -> None:
    """Build store/tr_en.mar from a model directory, as `make archive` would."""
    from handler.archive import ArchiveError, build_archive

    print(f"entrypoint: {storage_uri} holds a model directory; archiving it ({backend} backend)", flush=True)
    try:
        build_archive(storage_uri, store, backend=backend)
    except ArchiveError as e:
        raise EntrypointError(f"cannot serve the model directory in AIP_STORAGE_URI: {e}") from None


def install_model(storage_uri: str, baked_store: Path, store: Path, backend: str = DEFAULT_BACKEND) -> Path:
    """Put the archive to serve at `store/tr_en.mar` and return the model store to serve from."""
    if not storage_uri:
        if not (baked_store / ARCHIVE).is_file():
            raise EntrypointError(
                f"no model: AIP_STORAGE_URI is empty and {baked_store / ARCHIVE} does not exist; "
                "bake model_store/tr_en.mar into the image or upload the model with an artifact_uri"
            )
        return baked_store
    store.mkdir(parents=True, exist_ok=True)
    target = store / ARCHIVE
    if is_model_directory(storage_uri):
        archive_model_directory(storage_uri, store, backend)
    elif storage_uri.startswith("gs://"):
        fetch_from_gcs(storage_uri, target)
    else:
        source = Path(storage_uri)
        if source.is_dir():
            source = source / pick_archive([p.name for p in source.iterdir()], storage_uri)
        elif not source.is_file():
            raise EntrypointError(f"AIP_STORAGE_URI {storage_uri} is neither a gs:// folder nor a local path")
        shutil.copyfile(source, target)
    return store


def build_server(env: Mapping[str, str], store: Path, workdir: Path) -> TorchServe:
    ports = {name: port_from(env, name, default) for name, default in LOOPBACK_PORTS.items()}
    return TorchServe(
        model_store=store,
        workdir=workdir,
        # Loopback only: the public port is the front door (build_front_door), which can drain.
        inference_address=f"http://127.0.0.1:{ports['TS_INFERENCE_PORT']}",
        management_address=f"http://127.0.0.1:{ports['TS_MANAGEMENT_PORT']}",
        metrics_address=f"http://127.0.0.1:{ports['TS_METRICS_PORT']}",
        grpc_ports=(ports["TS_GRPC_INFERENCE_PORT"], ports["TS_GRPC_MANAGEMENT_PORT"]),
        # Archives only from this model store.
        overrides={"allowed_urls": f"^file://{store.resolve()}/.*$"},
        log_to_console=True,
        pipe_output=True,
    )


def build_front_door(env: Mapping[str, str], server: TorchServe) -> FrontDoor:
    """The public port (AIP_HTTP_PORT on 0.0.0.0), forwarding predictions to TorchServe's loopback port."""
    return FrontDoor(
        ("0.0.0.0", port_from(env, "AIP_HTTP_PORT", INFERENCE_PORT)),
        upstream=server.inference_address,
        predict_route=PREDICT_ROUTE,
        health_route=HEALTH_ROUTE,
        is_ready=lambda: model_status(server.management_address)[0],
        max_body_bytes=int(server.config()["max_request_size"]),
    )


# The last line of a Python traceback: "safetensors_rust.SafetensorError: Error while deserializing ...".
ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b")
# TorchServe's worker re-raises a load failure as "RuntimeError: 500 - Unknown exception": not the cause.
TORCHSERVE_WRAPPER = re.compile(r"^RuntimeError: \d{3} - ")
# Lines that end a worker's attempt to load (the worker's own, then TorchServe's at WARN and INFO).
FAILURE_MARKERS = ("MODEL_LOG - Backend worker process died.", "Load model failed", "Retry worker:")
# TorchServe's DEBUG state change, and the handler's own line once its backend is loaded.
LOADED_MARKERS = ("-> WORKER_MODEL_LOADED", "MODEL_LOG - loaded ")


class LoadWatch:
    """Echoes TorchServe's console output and tells when the model will never load.

    TorchServe restarts a worker that dies while loading, with back-off, for as long as it runs,
    and /ping stays Healthy meanwhile. Every start of a worker logs "Torch worker started." (the
    worker's own output, which handler/log4j2.xml keeps); a start before the model was ready means
    the previous attempt failed, and so do "Backend worker process died.", TorchServe's "Load model
    failed" and "Retry worker" when they are logged. The attempt's first error (its traceback's
    last line, before TorchServe's own wrapper) says why. `limit` failures in a row with the same
    error mean it will never load. A slow load logs no failure, so it gets the whole MODEL_LOAD_TIMEOUT.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.failures: list[str] = []
        self._error = ""
        self._attempt = False  # a worker started and has not been counted as failed yet

    def feed(self, line: str) -> None:
        message = line.split("MODEL_LOG - ", 1)[1].strip() if "MODEL_LOG - " in line else ""
        if message == "Torch worker started.":
            self._fail()  # the previous attempt, if it is still open, ended without loading
            self._error, self._attempt = "", True
        elif ERROR_LINE.match(message) and not TORCHSERVE_WRAPPER.match(message) and not self._error:
            self._error = message
            # The worker's output and TorchServe's own lines come through separate threads, so
            # the error may arrive after the failure was seen: it belongs to that failure.
            if not self._attempt and self.failures and not self.failures[-1]:
                self.failures[-1] = message
        elif any(marker in line for marker in FAILURE_MARKERS):
            self._fail()
        elif any(marker in line for marker in LOADED_MARKERS):
            self._attempt = False
            self.failures.clear()

    def _fail(self) -> None:
        if self._attempt:
            self.failures.append(self._error)
            self._attempt = False

    def hopeless(self) -> str | None:
        """The worker's error once it failed `limit` times in a row the same way, else None.

        A failure without an error line counts as the same kind: TorchServe sometimes stops
        reading a dying worker's output before its traceback is through.
        """
        last = self.failures[-self.limit :]
        errors = {e for e in last if e}
        return errors.pop() if len(last) >= self.limit and len(errors) == 1 else None

    def follow(self, lines: Iterable[str]) -> threading.Thread:
        def run() -> None:
            for line in lines:
                sys.stdout.write(line)
                sys.stdout.flush()
                self.feed(line)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


def supervise(
    server: TorchServe,
    front: FrontDoor,
    load_timeout: float,
    drain_seconds: float,
    load_failures: int,
    spent: float = 0.0,
) -> int:
    """Run TorchServe until a signal (drain, exit 0), its death or a model that will not load (exit 1).

    `spent`: seconds of `load_timeout` already used before TorchServe started (building the archive)."""
    stop = {"signal": None}

    def on_signal(signum: int, _frame: object) -> None:
        if stop["signal"] is None:
            front.start_draining()  # readiness false and new requests refused from this moment
        stop["signal"] = signum

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    front.serve_in_background()  # before anything that can fail: shutdown() below waits for it
    deadline = time.monotonic() + load_timeout - spent
    ready = False
    reason = "TorchServe is starting"
    try:
        server.start()
        watch = LoadWatch(load_failures)
        reader = watch.follow(server.process.stdout)
        while stop["signal"] is None:
            code = server.process.poll()
            if code is not None:
                reader.join(timeout=2)  # the last lines of its output first
                print(f"entrypoint: TorchServe exited with code {code}; stopping so that the container is restarted",
                      file=sys.stderr, flush=True)  # fmt: skip
                return EXIT_NOT_SERVING
            if not ready:
                error = watch.hopeless()
                if error:
                    print(
                        f"entrypoint: model {MODEL_NAME} failed to load {len(watch.failures)} times in a row with the "
                        f"same error, giving up: {error}",
                        file=sys.stderr,
                        flush=True,
                    )
                    return EXIT_NOT_SERVING
                ready, reason = model_status(server.management_address)
                if ready:
                    print(f"entrypoint: model {MODEL_NAME} is ready ({reason})", flush=True)
                elif time.monotonic() > deadline:
                    print(
                        f"entrypoint: model {MODEL_NAME} did not load within {load_timeout:g} s ({reason}); "
                        "see the TorchServe log above for the worker's error",
                        file=sys.stderr,
                        flush=True,
                    )
                    return EXIT_NOT_SERVING
            time.sleep(0.5)
        return drain(front, signal.Signals(stop["signal"]).name, drain_seconds)
    finally:
        front.start_draining()
        server.stop()
        front.shutdown()
        front.server_close()


def drain(front: FrontDoor, signal_name: str, seconds: float) -> int:
    """Let the requests in flight finish (new ones are refused already); exit 0 either way."""
    print(f"entrypoint: {signal_name} received, draining {front.in_flight} request(s) in flight "
          f"for up to {seconds:g} s", flush=True)  # fmt: skip
    if front.wait_idle(seconds):
        print("entrypoint: drained, stopping TorchServe", flush=True)
    else:
        print(f"entrypoint: {front.in_flight} request(s) still in flight after {seconds:g} s, stopping TorchServe",
              file=sys.stderr, flush=True)  # fmt: skip
    return 0


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="docker/entrypoint.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model-store", type=Path, default=None,
                        help="folder of the baked-in archive (env MODEL_STORE; default: ./model_store)")  # fmt: skip
    parser.add_argument("--workdir", type=Path, default=None,
                        help="config, logs and fetched archive (env TS_WORKDIR; default: a temp dir)")  # fmt: skip
    args = parser.parse_args(argv)
    env = os.environ if env is None else env
    baked_store = args.model_store or Path(env.get("MODEL_STORE") or REPO_ROOT / "model_store")
    workdir = args.workdir or Path(env.get("TS_WORKDIR") or tempfile.mkdtemp(prefix="torchserve-"))
    started = time.monotonic()
    try:
        check_routes(env)
        load_timeout = positive_seconds(env, "MODEL_LOAD_TIMEOUT", 600)
        drain_seconds = positive_seconds(env, "DRAIN_SECONDS", DRAIN_SECONDS)
        load_failures = positive_count(env, "LOAD_FAILURES_LIMIT", 3)
        backend = backend_from(env)
        store = install_model(env.get("AIP_STORAGE_URI", ""), baked_store, workdir / "model_store", backend)
        server = build_server(env, store, workdir)
        front = build_front_door(env, server)
    except EntrypointError as e:
        print(f"entrypoint: {e}", file=sys.stderr, flush=True)
        return EXIT_CONFIG
    except OSError as e:  # the public port is taken
        print(f"entrypoint: cannot listen on AIP_HTTP_PORT: {e}", file=sys.stderr, flush=True)
        return EXIT_CONFIG
    spent = time.monotonic() - started
    if spent >= load_timeout:  # archiving a model directory took all of it
        print(
            f"entrypoint: preparing the model took {spent:.0f} s, past MODEL_LOAD_TIMEOUT ({load_timeout:g} s)",
            file=sys.stderr,
            flush=True,
        )
        front.server_close()
        return EXIT_NOT_SERVING
    host, port = front.server_address[:2]
    print(f"entrypoint: serving {store / ARCHIVE} on http://{host}:{port}{PREDICT_ROUTE}", flush=True)
    return supervise(server, front, load_timeout, drain_seconds, load_failures, spent=spent)


if __name__ == "__main__":
    sys.exit(main())
