"""The container entrypoint and readiness check, run on the host as the image runs them.

No Docker engine runs here: the entrypoint (python -m container.entrypoint) starts a real TorchServe
on free ports behind its edge, the model comes from a real Cloud Storage emulator or a local folder,
and the Dockerfile is linted. Each route set Vertex may give is served by one of the tests that
start an entrypoint anyway: the sample's /predict and /health, Vertex's defaults (the Cloud Storage
test) and TorchServe's own (the shutdown test).
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import psutil
import pytest
import requests

from container import entrypoint, readiness
from container.load_watch import LoadWatch
from container.model_install import install_model
from container.settings import ContainerSettings, EntrypointError
from handler.torchserve import free_ports, workers_status
from tests.faults import with_faults, with_member

REPO_ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = [sys.executable, "-m", "container.entrypoint"]
READINESS = [sys.executable, "-m", "container.readiness"]
SAMPLE_ROUTES = {"AIP_PREDICT_ROUTE": "/predict", "AIP_HEALTH_ROUTE": "/health"}
# What Vertex sets when the model was uploaded without routes.
VERTEX_ROUTES = {
    "AIP_PREDICT_ROUTE": "/v1/endpoints/1234/deployedModels/5678:predict",
    "AIP_HEALTH_ROUTE": "/v1/endpoints/1234/deployedModels/5678",
}
TORCHSERVE_ROUTES = {"AIP_PREDICT_ROUTE": "/predictions/tr_en", "AIP_HEALTH_ROUTE": "/ping"}


class Container:
    """python -m container.entrypoint as a child process with its own ports, stopped in teardown."""

    def __init__(self, workdir: Path, env: dict[str, str], store: Path | None = None) -> None:
        http, inference, management, metrics, grpc_inference, grpc_management = free_ports(6)
        self.port, self.management_port = http, management
        self.env = {
            **os.environ,
            "AIP_HTTP_PORT": str(http),
            "TS_INFERENCE_PORT": str(inference),
            "TS_MANAGEMENT_PORT": str(management),
            "TS_METRICS_PORT": str(metrics),
            "TS_GRPC_INFERENCE_PORT": str(grpc_inference),
            "TS_GRPC_MANAGEMENT_PORT": str(grpc_management),
            **env,
        }
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "entrypoint.log"
        command = [*ENTRYPOINT, "--workdir", str(workdir / "ts")]
        if store is not None:
            command += ["--model-store", str(store)]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def predict_url(self) -> str:
        return self.url + self.env.get("AIP_PREDICT_ROUTE", "/predictions/tr_en")

    @property
    def health_url(self) -> str:
        return self.url + self.env.get("AIP_HEALTH_ROUTE", "/ping")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ready(self, command: bool = False) -> bool:
        """The readiness check's answer: container.readiness in this process (polled every half second),
        or as the image's HEALTHCHECK runs it, `python -m container.readiness` (`command`)."""
        if command:
            env = {**self.env, "TS_MANAGEMENT_PORT": str(self.management_port), "AIP_HTTP_PORT": str(self.port)}
            return subprocess.run(READINESS, env=env, capture_output=True).returncode == 0
        urls = ["--management-url", f"http://127.0.0.1:{self.management_port}", "--health-url", self.health_url]
        with contextlib.redirect_stdout(io.StringIO()):
            return readiness.main(urls) == 0

    def wait_ready(self, timeout: float = 240) -> list[bool]:
        """Poll the readiness check until it passes; returns every answer it gave."""
        answers = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answers.append(self.ready())
            if answers[-1]:
                return answers
            assert self.process.poll() is None, f"entrypoint exited early:\n{self.output()[-3000:]}"
            time.sleep(0.5)
        raise AssertionError(f"never ready:\n{self.output()[-3000:]}")

    def tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


@pytest.fixture
def container(tmp_path):
    started: list[Container] = []

    def start(env: dict[str, str] | None = None, store: Path | None = None) -> Container:
        started.append(Container(tmp_path / f"c{len(started)}", env or {}, store))
        return started[-1]

    (tmp_path / "c0").mkdir()
    yield start
    for c in started:
        stop(c)


class Watched:
    """A Container whose readiness a thread polls every half second from its start, until it is ready
    (`until_ready`) or exits: the answers are what a probe would have seen however late a test looks."""

    def __init__(self, container: Container, until_ready: bool) -> None:
        self.container, self.answers = container, []
        self._thread = threading.Thread(target=self._poll, args=(until_ready,), daemon=True)
        self._thread.start()

    def _poll(self, until_ready: bool) -> None:
        while self.container.process.poll() is None:
            self.answers.append(self.container.ready())
            if until_ready and self.answers[-1]:
                return
            time.sleep(0.5)

    def wait(self, timeout: float) -> list[bool]:
        """The answers once polling ended (ready, or exited)."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"neither ready nor exited in {timeout} s:\n{self.container.output()[-3000:]}"
        return self.answers


@pytest.fixture(scope="module")
def lifecycles(tmp_path_factory, tiny_archive, nan_model_dir):
    """The entrypoints whose checks are mostly waiting (a load that fails, fails for good, overflows or
    takes long; a frontend killed), started together at the first test that asks, so that their waits
    overlap; each test below checks its own."""
    from handler.archive import build_archive

    root = tmp_path_factory.mktemp("lifecycles")
    stores = {name: root / name / "store" for name in LIFECYCLES}
    for store in stores.values():
        store.parent.mkdir()
    corrupt = lambda data: b"not safetensors"  # noqa: E731
    with_member(tiny_archive, stores["fails-to-load"] / "tr_en.mar", "model.safetensors", corrupt)
    with_member(tiny_archive, stores["corrupt-weights"] / "tr_en.mar", "model.safetensors", corrupt)
    with_faults(tiny_archive, stores["handler-raises"] / "tr_en.mar", initialize_raise="broken on purpose")
    with_faults(tiny_archive, stores["slow-load"] / "tr_en.mar", initialize_sleep=20)
    build_archive(nan_model_dir, stores["overflow"], dtype="float32")
    store_with(root / "killed-frontend", tiny_archive)
    started = {
        name: Watched(Container(root / name / "run", env, stores[name]), until_ready=name in ("slow-load", "killed-frontend"))
        for name, env in LIFECYCLES.items()
    }
    yield started
    for watched in started.values():
        stop(watched.container)


# Each lifecycle's settings: a 10 s load timeout with failures unlimited (the timeout decides), the
# default failure limit within a timeout it never reaches (the limit decides).
LIFECYCLES = {
    "fails-to-load": {"MODEL_LOAD_TIMEOUT": "10", "LOAD_FAILURES_LIMIT": "1000"},
    "corrupt-weights": {"MODEL_LOAD_TIMEOUT": "600"},
    "handler-raises": {"MODEL_LOAD_TIMEOUT": "600"},
    "slow-load": {"MODEL_LOAD_TIMEOUT": "300"},
    "overflow": {"MODEL_LOAD_TIMEOUT": "600"},
    "killed-frontend": {},
}


def stop(c: Container) -> None:
    """Kill the entrypoint and its TorchServe (its own process group)."""
    for p in c.tree() if c.process.poll() is None else []:
        try:
            p.kill()
        except psutil.Error:
            pass
    c.kill()


def store_with(tmp_path: Path, archive: Path, name: str = "tr_en.mar") -> Path:
    store = tmp_path / "store"
    store.mkdir(exist_ok=True)
    shutil.copyfile(archive, store / name)
    return store


def is_loopback(ip: str) -> bool:
    return ipaddress.ip_address(ip.removeprefix("::ffff:")).is_loopback


def predict(c: Container) -> requests.Response:
    return requests.post(c.predict_url, json={"instances": ["Bu odun yanmaz."]}, timeout=60)


def json_lines(output: str) -> list[dict]:
    """The container's own log lines (JSON objects); TorchServe's lines are text and skipped."""
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.mark.torchserve
def test_serves_the_samples_routes_on_the_aip_port_listens_only_there_and_stops_on_sigterm(
    container, tmp_path, tiny_archive
):
    from handler.settings import SHARED_ENDPOINT_REQUEST_BYTES

    vertex = {"AIP_DEPLOYED_MODEL_ID": "5678", "AIP_ENDPOINT_ID": "1234", "AIP_MODE": "PREDICTION"}
    # A body limit of 1/64 of a shared endpoint's: the handler's limit of 128 instances becomes 2.
    limits = {"MAX_REQUEST_BYTES": str(SHARED_ENDPOINT_REQUEST_BYTES // 64), "REQUEST_TIMEOUT_SECONDS": "300"}
    c = container({**SAMPLE_ROUTES, **vertex, **limits}, store_with(tmp_path, tiny_archive))
    answers = c.wait_ready()
    assert answers[0] is False, "readiness passed before TorchServe could have loaded the model"
    assert c.ready(command=True), "the image's HEALTHCHECK command"
    response = predict(c)
    assert response.status_code == 200 and isinstance(response.json()["predictions"][0], str)
    assert requests.get(f"{c.url}/health", timeout=10).status_code == 200
    # Documents through the edge as through TorchServe: the tags come back around the translation.
    html = requests.post(c.predict_url, json={"instances": ["<p>Bu <b>odun</b> yanmaz.</p>"],
                                              "parameters": {"mime_type": "text/html"}}, timeout=60)  # fmt: skip
    assert html.status_code == 200, html.text
    (document,) = html.json()["predictions"]
    assert document.startswith("<p>") and document.endswith("</p>") and document.count("<b>") == 1, document
    # The sample's curl: -d without a Content-Type sends the JSON as form data.
    curl = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", f"{c.url}/predict",
                           "-d", '{"instances": ["Bu odun yanmaz."]}'], capture_output=True, text=True)  # fmt: skip
    body, status = curl.stdout.rsplit("\n", 1)
    assert status == "200" and isinstance(json.loads(body)["predictions"][0], str)
    # TorchServe's own routes are not served when others are given.
    assert requests.post(f"{c.url}/predictions/tr_en", json={"instances": ["a"]}, timeout=10).status_code == 404
    assert requests.get(f"{c.url}/ping", timeout=10).status_code == 404
    # The limits reach TorchServe and the handler.
    three = requests.post(c.predict_url, json={"instances": ["a", "b", "c"]}, timeout=60)
    assert three.status_code == 413 and "the limit is 2 per request" in three.text
    too_big = requests.post(c.predict_url, data=b"x" * (SHARED_ENDPOINT_REQUEST_BYTES // 64 + 1), timeout=60)
    assert too_big.status_code == 413
    config = (tmp_path / "c0" / "ts" / "config.properties").read_text()
    assert f"max_request_size={SHARED_ENDPOINT_REQUEST_BYTES // 64}" in config
    description = requests.get(f"http://127.0.0.1:{c.management_port}/models/tr_en", timeout=10).json()
    assert description[0]["responseTimeout"] == 295
    # The container's own lines are JSON with severity and message; Vertex's variables logged once.
    lines = json_lines(c.output())
    assert lines and all({"severity", "message"} <= set(line) for line in lines)
    (described,) = [line for line in lines if line["message"].startswith("Vertex environment")]
    assert described["vertex"] == {**dict.fromkeys(("AIP_MACHINE_TYPE", "AIP_ACCELERATOR_TYPE")), **vertex}
    assert any(line["logger"] == "uvicorn.access" and '"POST /predict HTTP/1.1" 200' in line["message"]
               for line in lines)  # fmt: skip

    # Nothing but the inference port listens beyond loopback.
    pids = {p.pid for p in c.tree()}
    listening = [
        conn.laddr
        for conn in psutil.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN and conn.pid in pids
    ]
    # Java listens on IPv6 sockets: 127.0.0.1 shows as ::ffff:127.0.0.1 and 0.0.0.0 as ::.
    public = {(a.ip, a.port) for a in listening if not is_loopback(a.ip)}
    assert public and {port for _, port in public} == {c.port}, listening
    assert all(ip in ("0.0.0.0", "::") for ip, _ in public)
    assert {c.management_port, c.port} <= {a.port for a in listening}

    # Management and model registration on the inference port are refused.
    for method, path in [("POST", "/models?url=file:///etc/passwd"), ("DELETE", "/models/tr_en"), ("GET", "/models")]:
        refused = requests.request(method, c.url + path, timeout=10)
        assert refused.status_code in (400, 404, 405), (method, path, refused.status_code)
    assert predict(c).status_code == 200

    processes = c.tree()
    c.process.send_signal(signal.SIGTERM)
    assert c.process.wait(timeout=90) == 0, c.output()[-2000:]
    assert "SIGTERM received" in c.output()
    time.sleep(1)
    assert not [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.torchserve
def test_model_is_fetched_from_a_gcs_folder(container, gcs_bucket, tiny_archive):
    from google.cloud import storage

    # Google's samples name the archive model.mar; any single .mar of the folder is served.
    storage.Client().bucket(gcs_bucket).blob("models/run-7/model.mar").upload_from_filename(str(tiny_archive))
    storage.Client().bucket(gcs_bucket).blob("models/run-7/eval_results.json").upload_from_string("{}")
    # As Vertex starts it when the model was uploaded without routes.
    c = container({"AIP_STORAGE_URI": f"gs://{gcs_bucket}/models/run-7", **VERTEX_ROUTES})
    c.wait_ready()
    assert predict(c).status_code == 200
    assert requests.get(c.health_url, timeout=10).json() == {"status": "Healthy"}
    assert requests.get(f"{c.url}/ping", timeout=10).status_code == 404


def test_gcs_folder_without_an_archive_is_a_clear_error(container, gcs_bucket):
    from google.cloud import storage

    storage.Client().bucket(gcs_bucket).blob("empty/readme.txt").upload_from_string("no model here")
    c = container({"AIP_STORAGE_URI": f"gs://{gcs_bucket}/empty/"})
    assert c.process.wait(timeout=60) == entrypoint.EXIT_CONFIG
    assert f"AIP_STORAGE_URI gs://{gcs_bucket}/empty/ holds no .mar archive" in c.output()


def test_model_location_errors_are_one_sentence(tmp_path, tiny_archive):
    def error(uri: str, baked: Path = tmp_path / "none") -> str:
        with pytest.raises(EntrypointError) as caught:
            install_model(uri, baked, tmp_path / "store")
        return str(caught.value)

    assert "AIP_STORAGE_URI is empty" in error("")
    assert "is neither a gs:// folder nor a local path" in error(str(tmp_path / "missing"))
    two = tmp_path / "two"
    two.mkdir()
    for name in ("a.mar", "b.mar"):
        shutil.copyfile(tiny_archive, two / name)
    assert "holds several archives (a.mar, b.mar)" in error(str(two))
    assert "names no bucket" in error("gs://")


def test_a_local_folder_or_file_is_installed_as_tr_en_mar(tmp_path, tiny_archive):
    folder = tmp_path / "artifacts"
    folder.mkdir()
    shutil.copyfile(tiny_archive, folder / "model.mar")
    for uri in (str(folder), str(folder / "model.mar")):
        store = install_model(uri, tmp_path / "none", tmp_path / "store")
        assert (store / "tr_en.mar").read_bytes() == tiny_archive.read_bytes()


@pytest.mark.parametrize(
    "env, message",
    [
        ({"AIP_HTTP_PORT": "http"}, "AIP_HTTP_PORT must be a TCP port number, not 'http'"),
        ({"MODEL_LOAD_TIMEOUT": "soon"}, "MODEL_LOAD_TIMEOUT must be a positive number of seconds"),
        ({"DRAIN_SECONDS": "-1"}, "DRAIN_SECONDS must be a positive number of seconds"),
        ({"LOAD_FAILURES_LIMIT": "0"}, "LOAD_FAILURES_LIMIT must be a whole number of at least 1, not '0'"),
        ({"AIP_PREDICT_ROUTE": "predict"}, "AIP_PREDICT_ROUTE must be a path starting with /, not 'predict'"),
        ({"MAX_REQUEST_BYTES": "1.5MB"}, "MAX_REQUEST_BYTES must be a whole number of at least 1"),
        ({"REQUEST_TIMEOUT_SECONDS": "0"}, "REQUEST_TIMEOUT_SECONDS must be a positive number of seconds"),
        ({"WARMUP_SECONDS": "-5"}, "WARMUP_SECONDS must be a non-negative number of seconds, not '-5'"),
    ],
)
def test_bad_settings_are_refused(container, tmp_path, tiny_archive, env, message):
    c = container(env, store_with(tmp_path, tiny_archive))
    assert c.process.wait(timeout=30) == entrypoint.EXIT_CONFIG
    assert message in c.output()


def test_generated_config_keeps_everything_but_inference_on_loopback(tmp_path):
    env = {"AIP_HTTP_PORT": "9000", "TS_MANAGEMENT_PORT": "9001", "TS_INFERENCE_PORT": "9002"}
    server = entrypoint.build_server(ContainerSettings.from_env(env), tmp_path, tmp_path / "ts")
    config = server.config()
    # TorchServe's inference API too: the public port is the front door, which forwards to it.
    assert config["inference_address"] == "http://127.0.0.1:9002"
    assert config["management_address"] == "http://127.0.0.1:9001"
    assert config["metrics_address"].startswith("http://127.0.0.1:")
    assert config["grpc_inference_address"] == config["grpc_management_address"] == "127.0.0.1"
    assert config["enable_model_api"] == "false" and config["disable_token_authorization"] == "true"
    assert config["allowed_urls"] == f"^file://{tmp_path.resolve()}/.*$"
    assert config["install_py_dep_per_model"] == "false"
    # A shared endpoint's limits by default; a dedicated endpoint's when set.
    assert config["max_request_size"] == "1572864"
    dedicated = {**env, "MAX_REQUEST_BYTES": "10485760", "REQUEST_TIMEOUT_SECONDS": "3600"}
    settings = ContainerSettings.from_env(dedicated)
    server = entrypoint.build_server(settings, tmp_path, tmp_path / "ts")
    config = server.config()
    assert config["max_request_size"] == config["max_response_size"] == "10485760"
    assert server.env["MAX_REQUEST_BYTES"] == "10485760"
    assert entrypoint.response_timeout(settings) == 3595


def test_the_archives_response_timeout_follows_the_request_timeout(tmp_path, tiny_archive):
    from container.model_install import with_response_timeout

    store = store_with(tmp_path, tiny_archive)
    # The default (60 s for the edge, 55 s for TorchServe) is what model-config.yaml packs: nothing to do.
    assert with_response_timeout(store, tmp_path / "changed", 55) == store and not (tmp_path / "changed").exists()
    changed = with_response_timeout(store, tmp_path / "changed", 3595)
    with zipfile.ZipFile(changed / "tr_en.mar") as z, zipfile.ZipFile(tiny_archive) as original:
        assert z.namelist() == original.namelist()
        assert "responseTimeout: 3595\n" in z.read("model-config.yaml").decode()
        assert z.read("model.safetensors") == original.read("model.safetensors")


def test_commands_have_help():
    for command in (ENTRYPOINT, READINESS):
        result = subprocess.run([*command, "--help"], capture_output=True, text=True, cwd="/")
        assert result.returncode == 0 and "usage:" in result.stdout


def test_readiness_is_false_without_a_server():
    port = free_ports(1)[0]
    result = subprocess.run(
        [*READINESS, "--management-url", f"http://127.0.0.1:{port}"], capture_output=True, text=True
    )
    assert result.returncode == 1 and "not ready: management API not answering" in result.stdout


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "Dockerfile.train"])
def test_dockerfile_passes_hadolint(dockerfile):
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    result = subprocess.run([hadolint, str(REPO_ROOT / "docker" / dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_training_image_runs_the_launcher_as_a_non_root_user():
    """What Vertex runs with --image-uri: the entry point is training.launch, and not as root."""
    text = (REPO_ROOT / "docker" / "Dockerfile.train").read_text()
    instructions = [line.split(None, 1) for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert instructions[-1] == ["ENTRYPOINT", '["python", "-m", "training.launch"]']
    assert ["USER", "1000:1000"] in instructions
    import tomllib

    (torch_pin,) = [d for d in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
                    if d.startswith("torch==")]  # fmt: skip
    assert '-e ".[train]"' in text and torch_pin in text


def finetune_into(output_dir: str, base_model: Path, tmp_path: Path) -> None:
    """A short training.finetune run of `base_model`, as a Vertex training job runs it."""
    from tests.training_fixtures import DATA_DIR, data_args, read_pairs, write_jsonl
    from training import finetune
    from training.args import parse_args

    train = write_jsonl(tmp_path / "train.jsonl", read_pairs(DATA_DIR / "train.jsonl")[:64])
    validation = write_jsonl(tmp_path / "validation.jsonl", read_pairs(DATA_DIR / "validation.jsonl")[:8])
    argv = [
        "--model_name_or_path", str(base_model), *data_args(train, validation), "--output_dir", output_dir,
        "--max_steps", "4", "--eval_steps", "2", "--per_device_train_batch_size", "16",
        "--generation_num_beams", "1", "--max_target_length", "16", "--eval_on_start", "false",
    ]  # fmt: skip
    finetune.run(*parse_args(argv))


@pytest.mark.torchserve
def test_training_output_in_gcs_is_archived_and_served(container, gcs_bucket, tiny_model_dir, tmp_path):
    """The original pipeline offline: training.finetune writes gs://.../model (AIP_MODEL_DIR on Vertex), the
    container is given that folder as AIP_STORAGE_URI, archives it at start and answers on AIP_HTTP_PORT."""
    from google.cloud import storage

    uri = f"gs://{gcs_bucket}/jobs/7/model"
    finetune_into(uri, tiny_model_dir, tmp_path)
    uploaded = {b.name for b in storage.Client().list_blobs(gcs_bucket, prefix="jobs/7/model/")}
    assert {"jobs/7/model/config.json", "jobs/7/model/model.safetensors"} <= uploaded
    assert any("/checkpoint-" in name for name in uploaded)

    c = container({"AIP_STORAGE_URI": uri, "MODEL_BACKEND": "transformers"})
    answers = c.wait_ready()
    assert answers[0] is False, "readiness passed before the archive could have been built"
    response = requests.post(
        c.predict_url,
        json={"instances": ["Bu odun yanmaz."], "parameters": {"num_beams": 1, "max_new_tokens": 8}},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["predictions"][0], str)
    out = c.output()
    assert f"{uri} holds a model directory; archiving it (transformers backend)" in out
    # The worker's start-up log names where the model came from.
    assert f"model source: Cloud Storage {uri}" in out


def test_a_local_model_directory_is_archived_with_the_chosen_backend(tmp_path, tiny_model_dir):
    store = install_model(str(tiny_model_dir), tmp_path / "none", tmp_path / "store", "ctranslate2")
    with zipfile.ZipFile(store / "tr_en.mar") as z:
        names = set(z.namelist())
    assert "ctranslate2/model.bin" in names and "model.safetensors" not in names


def test_bad_model_directory_and_backend_are_one_sentence(container, tmp_path, tiny_model_dir):
    bad = tmp_path / "not-marian"
    shutil.copytree(tiny_model_dir, bad)
    (bad / "config.json").write_text('{"model_type": "bert"}')
    c = container({"AIP_STORAGE_URI": str(bad)})
    assert c.process.wait(timeout=120) == entrypoint.EXIT_CONFIG
    assert "cannot serve the model directory in AIP_STORAGE_URI: " in c.output()
    assert "describes a bert model, not a Marian translation model" in c.output()
    c = container({"AIP_STORAGE_URI": str(tiny_model_dir), "MODEL_BACKEND": "onnx"})
    assert c.process.wait(timeout=60) == entrypoint.EXIT_CONFIG
    assert "MODEL_BACKEND must be one of transformers, ctranslate2, not 'onnx'" in c.output()


@pytest.mark.slow
def test_archiving_counts_against_the_load_timeout(container, tiny_model_dir):
    # Archiving a model directory takes seconds; a load timeout of a millisecond is used up by it.
    c = container({"AIP_STORAGE_URI": str(tiny_model_dir), "MODEL_LOAD_TIMEOUT": "0.001"})
    assert c.process.wait(timeout=120) == entrypoint.EXIT_NOT_SERVING
    assert "past MODEL_LOAD_TIMEOUT (0.001 s)" in c.output()
    assert '"serving ' not in c.output()  # TorchServe was never started


# --- faults: shutdown while busy, a dying frontend, a model that never loads -------------------


@pytest.mark.torchserve
def test_a_dying_worker_is_a_503_to_retry_and_sigterm_finishes_requests_in_flight(container, tmp_path, tiny_archive):
    """One entrypoint with TorchServe's own routes, for two checks: a worker killed mid-batch, then a shutdown."""
    from concurrent.futures import ThreadPoolExecutor

    # Every batch is held in the handler until the test releases it, so that the requests are surely in
    # flight at the kill and at SIGTERM however fast the machine is (a slow model, to the entrypoint).
    store, release = tmp_path / "held-batches", tmp_path / "release"
    with_faults(tiny_archive, store / "tr_en.mar", handle_sleep=120, release=str(release))
    c = container({**TORCHSERVE_ROUTES, "DRAIN_SECONDS": "120"}, store)
    c.wait_ready()

    def wait_for_batch(count: int) -> None:
        # Until the worker holds the batch: TorchServe's log (the entrypoint's output) says so.
        deadline = time.monotonic() + 60
        while c.output().count("Backend received inference") < count and time.monotonic() < deadline:
            time.sleep(0.05)

    (worker,) = [p for p in c.tree() if "model_service_worker" in " ".join(p.cmdline())]
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(requests.post, c.predict_url, json={"instances": ["Bu odun yanmaz."]}, timeout=300)
        wait_for_batch(1)
        worker.kill()
        response = pending.result()
    # TorchServe says 507 "Worker died."; the edge says what to do about it.
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1" and "send it again" in response.json()["error"]

    c.wait_ready()  # TorchServe's new worker
    with ThreadPoolExecutor(4) as pool:
        in_flight = [pool.submit(requests.post, c.predict_url, json={"instances": [f"Bu odun yanmaz {i}."] * 3},
                                 timeout=300) for i in range(4)]  # fmt: skip
        wait_for_batch(2)
        c.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while "draining" not in c.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        # Readiness is false at once and a new request is refused, not held, while the others run.
        assert not c.ready(command=True)
        assert requests.get(c.health_url, timeout=30).status_code == 503
        refused = requests.post(c.predict_url, json={"instances": ["Bu odun yanmaz."]}, timeout=30)
        assert refused.status_code == 503 and "shutting down" in refused.json()["error"]
        assert refused.headers["Retry-After"] == "1"
        release.touch()
        for future in in_flight:
            response = future.result()
            assert response.status_code == 200, response.text
            predictions = response.json()["predictions"]
            assert len(predictions) == 3 and all(isinstance(p, str) and p for p in predictions)
    assert c.process.wait(timeout=120) == 0, c.output()[-3000:]
    assert "SIGTERM received, draining 4 request(s) in flight" in c.output()
    assert "drained, stopping TorchServe" in c.output()


def test_load_watch_counts_restarts_with_the_same_error():
    def attempt(error: str | None, retry_first: bool = False, retries: int = 1) -> list[str]:
        started = ["W-9000-tr_en_1.0-stdout MODEL_LOG - Torch worker started."]
        trace = [f"W-9000-tr_en_1.0-stdout MODEL_LOG - {line}" for line in
                 ("Traceback (most recent call last):", error, "RuntimeError: 500 - Unknown exception") if line]  # fmt: skip
        retry = ["W-9000-tr_en_1.0 org.pytorch.serve.wlm.WorkerThread - Retry worker: 9000 in 1 seconds."] * retries
        return started + (retry + trace if retry_first else trace + retry)

    def watch(*attempts: list[str] | tuple[bool, str]) -> LoadWatch:
        """Fed log lines (lists) and the management API's answers (tuples), in order."""
        w = LoadWatch(3)
        for fed in attempts:
            if isinstance(fed, tuple):
                w.observe(*fed)
            for line in fed if isinstance(fed, list) else []:
                w.feed(line)
        return w

    bad = "OSError: model.safetensors is corrupt"
    # The error line may come before or after the retry, twice logged retries count once, and
    # an attempt whose output was lost counts as the same kind.
    w = watch(attempt(bad), attempt(bad, retry_first=True, retries=2), attempt(None))
    assert w.hopeless() == bad and not w.loaded
    assert watch(attempt(bad), attempt(bad)).hopeless() is None
    assert watch(attempt(bad), attempt("MemoryError: no"), attempt(bad)).hopeless() is None
    assert watch(attempt(None), attempt(None), attempt(None)).hopeless() is None
    # With handler/log4j2.xml TorchServe's INFO lines are gone: the next worker start ends an attempt.
    quiet = [attempt(bad, retries=0) for _ in range(3)]
    assert watch(*quiet).hopeless() is None  # the third attempt is still running
    assert watch(*quiet, attempt(bad, retries=0)[:1]).hopeless() == bad


def test_loaded_is_the_management_apis_answer_not_a_log_line():
    loading = workers_status([{"workers": [{"status": "UNLOADING"}]}])
    ready = workers_status([{"workers": [{"status": "READY"}]}])
    assert loading == (False, "workers not ready: UNLOADING") and ready == (True, "1 worker(s) READY")
    assert workers_status([{"workers": []}])[0] is False
    assert workers_status([{"workers": [{"status": "READY"}, {"status": "UNLOADING"}]}])[0] is False
    w = LoadWatch(3)
    # The handler's own words and TorchServe's state change are log text: they decide nothing.
    for line in ("W-9000-tr_en_1.0-stdout MODEL_LOG - loaded the transformers backend in 2.1 s",
                 "W-9000 WorkerThread - State change WORKER_STARTED -> WORKER_MODEL_LOADED"):  # fmt: skip
        w.feed(line)
    assert not w.loaded
    assert w.observe(*loading) is False and not w.loaded and w.reason == "workers not ready: UNLOADING"
    assert w.observe(*ready) is True and w.loaded
    assert w.observe(*ready) is False, "told once"
    # Failures before the load are forgotten once the API says READY, and none count after it.
    bad = "OSError: model.safetensors is corrupt"
    w = LoadWatch(2)
    for line in [f"W-9000 MODEL_LOG - {x}" for x in ("Torch worker started.", bad, "Torch worker started.")]:
        w.feed(line)
    assert w.failures == [bad]
    w.observe(*ready)
    assert w.failures == []
    for line in [f"W-9000 MODEL_LOG - {x}" for x in (bad, "Torch worker started.", bad, "Torch worker started.")]:
        w.feed(line)
    assert w.hopeless() is None


@pytest.mark.torchserve
def test_a_model_that_fails_to_load_is_never_ready_and_exits_non_zero(lifecycles):
    watched = lifecycles["fails-to-load"]
    answers, c = watched.wait(timeout=180), watched.container
    assert c.process.wait(timeout=30) == entrypoint.EXIT_NOT_SERVING
    assert "did not load within 10 s" in c.output()
    assert len(answers) >= 5 and not any(answers)


@pytest.mark.torchserve
@pytest.mark.parametrize(
    "name, error", [("corrupt-weights", "SafetensorError"), ("handler-raises", "RuntimeError: broken on purpose")]
)
def test_a_model_that_can_never_load_stops_the_container_after_a_few_failures(lifecycles, name, error):
    c = lifecycles[name].container
    # Well within the 600 s TorchServe would otherwise keep retrying (about 20 s here).
    assert c.process.wait(timeout=180) == entrypoint.EXIT_NOT_SERVING
    out = c.output()
    # At least the limit (3): a slow poll under load can see a fourth failure before it gives up.
    times = re.search(r"failed to load (\d+) times in a row with the same error, giving up", out)
    assert times and int(times.group(1)) >= 3, out[-2000:]
    assert error in out.splitlines()[-1] or error in out[-2000:]


@pytest.mark.torchserve
def test_a_slow_load_is_given_the_full_timeout(lifecycles):
    watched = lifecycles["slow-load"]
    answers = watched.wait(timeout=300)
    assert answers[-1] and not any(answers[:-1]) and len(answers) > 10
    assert predict(watched.container).status_code == 200


@pytest.mark.torchserve
def test_a_killed_frontend_stops_the_container(lifecycles):
    watched = lifecycles["killed-frontend"]
    assert watched.wait(timeout=240)[-1], watched.container.output()[-3000:]
    c = watched.container
    (java,) = [p for p in c.tree() if p.name() == "java"]
    java.kill()
    assert c.process.wait(timeout=30) == entrypoint.EXIT_NOT_SERVING
    assert "TorchServe exited with code" in c.output()


@pytest.mark.torchserve
def test_a_model_whose_arithmetic_overflows_fails_its_load_check_and_stops_the_container(lifecycles):
    """The worker translates one known sentence at load; NaN scores (the tiny model's weights pushed past
    float32's range) fail the load in one sentence instead of answering "" with 200 to every request."""
    c = lifecycles["overflow"].container
    assert c.process.wait(timeout=300) == entrypoint.EXIT_NOT_SERVING
    out = c.output()
    assert re.search(r"failed to load \d+ times in a row with the same error, giving up", out), out[-2000:]
    error = (
        "ModelNumericsError: the model failed its load check (the model's scores held NaN or inf in torch.float32) "
        "translating 'Bu bir deneme cümlesidir.': its precision may overflow: try dtype float32 (make archive "
        "DTYPE=float32)"
    )
    assert error in out, out[-3000:]
