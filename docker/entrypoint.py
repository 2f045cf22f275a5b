"""Container entrypoint: map Vertex AI's AIP_* variables onto TorchServe and supervise it.

    python3 docker/entrypoint.py            # in the image: ENTRYPOINT; on a host: the same, see docker/README.md

- AIP_HTTP_PORT (default 8080): TorchServe's inference API listens there on 0.0.0.0; management,
  metrics and gRPC stay on 127.0.0.1.
- AIP_PREDICT_ROUTE / AIP_HEALTH_ROUTE, when set, must be /predictions/tr_en and /ping, the only
  routes TorchServe serves for this model; anything else stops the container at once.
- AIP_STORAGE_URI: a gs:// folder (or a local folder or file) holding the .mar to serve, or a model
  directory as training.finetune writes it (config.json, weights, tokenizer files; checkpoints and
  logs beside them are ignored), which is archived at start with the backend MODEL_BACKEND
  (transformers, the default, or ctranslate2). Empty serves the archive baked into the image
  (MODEL_STORE/tr_en.mar).
- The model must have been archived (if need be) and loaded within MODEL_LOAD_TIMEOUT seconds, else
  the container exits non-zero (TorchServe's /ping says Healthy even when the model failed to load).
- SIGTERM or SIGINT stop TorchServe (its whole process group) and exit 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

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
    "TS_MANAGEMENT_PORT": MANAGEMENT_PORT,
    "TS_METRICS_PORT": METRICS_PORT,
    "TS_GRPC_INFERENCE_PORT": GRPC_PORTS[0],
    "TS_GRPC_MANAGEMENT_PORT": GRPC_PORTS[1],
}
# The generation backend of an archive built here from a model directory (MODEL_BACKEND).
DEFAULT_BACKEND = "transformers"
EXIT_CONFIG = 2  # bad environment or model location: nothing was started
EXIT_NOT_SERVING = 1  # TorchServe started but the model never became ready, or TorchServe died


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
    """Download the folder's archive with google-cloud-storage (STORAGE_EMULATOR_HOST is honoured)."""
    from google.cloud import storage

    bucket_name, _, prefix = uri.removeprefix("gs://").partition("/")
    if not bucket_name:
        raise EntrypointError(f"AIP_STORAGE_URI {uri!r} names no bucket")
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    try:
        if os.environ.get("STORAGE_EMULATOR_HOST"):
            from google.auth.credentials import AnonymousCredentials

            client = storage.Client(project="emulator", credentials=AnonymousCredentials())
        else:
            client = storage.Client()
        blobs = {b.name[len(prefix) :]: b for b in client.list_blobs(bucket_name, prefix=prefix, delimiter="/")}
        name = pick_archive(list(blobs), uri)
        partial = target.with_suffix(".partial")
        blobs[name].download_to_filename(str(partial))
    except EntrypointError:
        raise
    except Exception as e:  # credentials, permissions, network: one sentence, not a traceback
        raise EntrypointError(f"cannot fetch the model from {uri}: {type(e).__name__}: {e}") from None
    partial.replace(target)


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
    port = port_from(env, "AIP_HTTP_PORT", INFERENCE_PORT)
    ports = {name: port_from(env, name, default) for name, default in LOOPBACK_PORTS.items()}
    return TorchServe(
        model_store=store,
        workdir=workdir,
        inference_address=f"http://0.0.0.0:{port}",
        management_address=f"http://127.0.0.1:{ports['TS_MANAGEMENT_PORT']}",
        metrics_address=f"http://127.0.0.1:{ports['TS_METRICS_PORT']}",
        grpc_ports=(ports["TS_GRPC_INFERENCE_PORT"], ports["TS_GRPC_MANAGEMENT_PORT"]),
        # Archives only from this model store.
        overrides={"allowed_urls": f"^file://{store.resolve()}/.*$"},
        log_to_console=True,
    )


def supervise(server: TorchServe, load_timeout: float, spent: float = 0.0) -> int:
    """Run TorchServe until a signal (exit 0), its death or a model that never loads (exit 1).

    `spent`: seconds of `load_timeout` already used before TorchServe started (building the archive)."""
    stop = {"signal": None}

    def on_signal(signum: int, _frame: object) -> None:
        stop["signal"] = signum

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    server.start()
    management = server.management_address
    deadline = time.monotonic() + load_timeout - spent
    ready = False
    reason = "TorchServe is starting"
    try:
        while stop["signal"] is None:
            code = server.process.poll()
            if code is not None:
                print(f"entrypoint: TorchServe exited with code {code}", file=sys.stderr, flush=True)
                return EXIT_NOT_SERVING
            if not ready:
                ready, reason = model_status(management)
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
        print(f"entrypoint: {signal.Signals(stop['signal']).name} received, stopping TorchServe", flush=True)
        return 0
    finally:
        server.stop()


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
        backend = backend_from(env)
        store = install_model(env.get("AIP_STORAGE_URI", ""), baked_store, workdir / "model_store", backend)
        server = build_server(env, store, workdir)
    except EntrypointError as e:
        print(f"entrypoint: {e}", file=sys.stderr, flush=True)
        return EXIT_CONFIG
    spent = time.monotonic() - started
    if spent >= load_timeout:  # archiving a model directory took all of it
        print(
            f"entrypoint: preparing the model took {spent:.0f} s, past MODEL_LOAD_TIMEOUT ({load_timeout:g} s)",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_NOT_SERVING
    print(f"entrypoint: serving {store / ARCHIVE} on {server.inference_address}{PREDICT_ROUTE}", flush=True)
    return supervise(server, load_timeout, spent=spent)


if __name__ == "__main__":
    sys.exit(main())
