"""Run the built serving image as a container and drive it as the sample's user would (make image-check).

    python -m tools.image_check --image localhost/tr-en-serve:cpu [--model artifacts/demo-model]

No Docker engine is needed: the container is `buildah from` the image and `buildah run --isolation
chroot` of its ENTRYPOINT, with the sample's `docker run` environment (AIP_HTTP_PORT=7080,
AIP_HEALTH_ROUTE=/health, AIP_PREDICT_ROUTE=/predict) and the model mounted read-only at
AIP_STORAGE_URI. The check re-runs itself in a network namespace of its own (unshare --net), so
that the container's ports collide with nothing on the host and the listening sockets it reads
are the container's only.

Checks, each printed as PASS or FAIL: ready within --ready-timeout (seconds from start to ready
reported); the image's HEALTHCHECK command passes; the sample's curl; vertex/examples/instances_test.json;
a vertex.batch_local run of vertex/examples/batch_input_data.jsonl; the serving processes run as a
non-root user; only AIP_HTTP_PORT listens beyond loopback; SIGTERM with requests in flight (they
finish with 200, a new one gets 503, the container exits 0). Exit code 0 when every check passed,
1 otherwise, 2 for bad arguments. Not part of make test: it needs buildah and a few minutes.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = REPO_ROOT / "vertex" / "examples"
DEFAULT_MODEL = REPO_ROOT / "artifacts" / "demo-model"
MODEL_MOUNT = "/mnt/model"
# The sample's `docker run -p 7080:7080 -e AIP_HTTP_PORT=7080 -e AIP_HEALTH_ROUTE=/health
#   -e AIP_PREDICT_ROUTE=/predict`.
SAMPLE_PORT = 7080
SAMPLE_ROUTES = ("/predict", "/health")
# TorchServe's own routes, which today's entrypoint insists on (--torchserve-routes).
TORCHSERVE_ROUTES = ("/predictions/tr_en", "/ping")
SAMPLE_BODY = '{"instances": ["Bu odun yanmaz."]}'
# Long enough that a batch of them is still being translated when SIGTERM comes.
SLOW_SENTENCE = "Yarın sabah erken kalkıp kütüphaneye gideceğim ve akşama kadar orada ders çalışacağım."
LISTEN = "0A"  # the TCP state in /proc/net/tcp


@dataclass
class Report:
    """PASS/FAIL lines as they come, and the figures for docker/README.md."""

    failures: list[str] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'}  {name}{f': {detail}' if detail else ''}", flush=True)
        if not ok:
            self.failures.append(name)
        return ok

    def figure(self, name: str, value: str) -> None:
        print(f"      {name}: {value}", flush=True)
        self.figures[name] = value


def buildah(*args: str, timeout: float = 120) -> str:
    result = subprocess.run(["buildah", *args], capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"buildah {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def image_config(image: str) -> dict:
    """The image's run configuration (Entrypoint, Cmd, User, Healthcheck) from its Docker-format manifest."""
    inspected = json.loads(buildah("inspect", "--type", "image", image))
    config = dict(inspected["OCIv1"].get("config", {}))
    docker = (inspected.get("Docker") or {}).get("config") or {}
    config["Healthcheck"] = docker.get("Healthcheck")  # only the Docker format keeps HEALTHCHECK
    return config


def image_size_bytes(image: str) -> int:
    result = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Size}}", image], capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip())


def listening_sockets() -> list[tuple[str, int]]:
    """(address, port) of every listening TCP socket of this network namespace."""
    sockets = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state != LISTEN:
                    continue
                hex_address, hex_port = local.split(":")
                raw = bytes.fromhex(hex_address)
                # The kernel prints each 32-bit word in host (little-endian) order.
                packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                address = ipaddress.ip_address(packed)
                if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                    address = address.ipv4_mapped
                sockets.append((str(address), int(hex_port, 16)))
    return sockets


def is_loopback(address: str) -> bool:
    return ipaddress.ip_address(address).is_loopback


def uids(pid: int) -> list[int]:
    """Real, effective, saved and filesystem uid of a process, from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status") as f:
        line = next(line for line in f if line.startswith("Uid:"))
    return [int(u) for u in line.split()[1:]]


class Container:
    """One `buildah run` of the image's ENTRYPOINT in a working container, removed by close()."""

    def __init__(self, image: str, env: dict[str, str], model: Path, log_path: Path) -> None:
        self.config = image_config(image)
        self.name = f"image-check-{os.getpid()}"
        self.env = env
        self.log_path = log_path
        self._lines: list[str] = []
        buildah("from", "--pull=never", "--name", self.name, image)
        command = ["buildah", "run", "--isolation", "chroot", "--network", "host", "-v", f"{model}:{MODEL_MOUNT}:ro"]
        for key, value in env.items():
            command += ["--env", f"{key}={value}"]
        command += [self.name, "--", *self.config.get("Entrypoint", []), *(self.config.get("Cmd") or [])]
        self.command = command
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with open(self.log_path, "w") as log:
            for line in self.process.stdout:
                self._lines.append(line)
                log.write(line)
                log.flush()

    def output(self) -> str:
        return "".join(self._lines)

    def entrypoint_process(self) -> psutil.Process | None:
        """The ENTRYPOINT's own process, the one `docker stop` signals (the container's PID 1); None once gone."""
        arguments = self.config.get("Entrypoint", [])[1:]
        try:
            candidates = [
                p for p in psutil.Process(self.process.pid).children(recursive=True) if p.cmdline()[1:] == arguments
            ]
        except psutil.NoSuchProcess:
            return None
        return min(candidates, key=lambda p: p.create_time(), default=None)

    def serving_processes(self) -> list[psutil.Process]:
        """The image's processes: the ENTRYPOINT's and all its descendants (not buildah's own)."""
        entrypoint = self.entrypoint_process()
        try:
            return [entrypoint, *entrypoint.children(recursive=True)] if entrypoint else []
        except psutil.NoSuchProcess:
            return []

    def exec(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        """Another command in the same container, as `docker exec` (what Docker's HEALTHCHECK runs)."""
        environment = [f"--env={key}={value}" for key, value in self.env.items()]
        return subprocess.run(
            ["buildah", "run", "--isolation", "chroot", "--network", "host", *environment, self.name, "--", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def close(self) -> None:
        if self.process.poll() is None:
            for p in self.serving_processes():
                p.kill()
            self.process.kill()
            self.process.wait(timeout=30)
        subprocess.run(["buildah", "rm", self.name], capture_output=True)


def post(url: str, body: str | dict, timeout: float = 120) -> requests.Response:
    if isinstance(body, dict):
        return requests.post(url, json=body, timeout=timeout)
    return requests.post(url, data=body.encode(), headers={"Content-Type": "application/json"}, timeout=timeout)


def translations(response: requests.Response) -> list:
    try:
        predictions = response.json()["predictions"]
    except (ValueError, KeyError, TypeError):
        return []
    return [p for p in predictions if p]


def wait_ready(container: Container, health_url: str, timeout: float) -> float | None:
    """Seconds from start until the health route answers 200, or None (timeout or the container exited)."""
    deadline = container.started + timeout
    while time.monotonic() < deadline and container.process.poll() is None:
        try:
            if requests.get(health_url, timeout=2).status_code == 200:
                return time.monotonic() - container.started
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return None


def check_sample_curl(report: Report, url: str, torchserve_routes: bool) -> None:
    # The sample's command as it is (curl's default form Content-Type); today's server wants JSON's.
    command = ["curl", "-X", "POST", url, "-d", SAMPLE_BODY]
    if torchserve_routes:
        command[-2:-2] = ["-H", "Content-Type: application/json"]
    result = subprocess.run([*command, "-sS", "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=120)
    body, _, status = result.stdout.rpartition("\n")
    try:
        predictions = json.loads(body)["predictions"]
    except (ValueError, KeyError, TypeError):
        predictions = []
    ok = status == "200" and len(predictions) == 1 and bool(predictions[0])
    report.check("the sample's curl", ok, f"{shlex.join(command)} -> {status} {body[:200]}")


def check_instances_file(report: Report, url: str) -> None:
    body = (EXAMPLES / "instances_test.json").read_text()
    expected = len(json.loads(body)["instances"])
    response = post(url, body)
    got = translations(response)
    report.check(
        "vertex/examples/instances_test.json",
        response.status_code == 200 and len(got) == expected,
        f"{response.status_code}, {len(got)} of {expected} translated, first: {got[:1]}",
    )


def check_batch_local(report: Report, url: str, workdir: Path) -> None:
    source = EXAMPLES / "batch_input_data.jsonl"
    expected = sum(1 for line in source.read_text().splitlines() if line.strip())
    out = workdir / "batch"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vertex.batch_local",
            "--input",
            str(source),
            "--output-dir",
            str(out),
            "--url",
            url,
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = out / "prediction.results-00000-of-00001"
    lines = results.read_text().splitlines() if results.exists() else []
    report.check(
        "vertex.batch_local",
        result.returncode == 0 and len(lines) == expected,
        f"exit {result.returncode}, {len(lines)} of {expected} predictions {result.stderr.strip()[-300:]}",
    )


def check_non_root(report: Report, container: Container) -> None:
    found = []
    for p in container.serving_processes():
        try:
            found.append((p.name(), p.pid, uids(p.pid)))
        except (psutil.NoSuchProcess, FileNotFoundError, StopIteration):
            continue
    names = {name for name, _, _ in found}
    ok = bool(found) and all(0 not in ids for _, _, ids in found) and "java" in names
    summary = ", ".join(sorted({f"{name} uid {'/'.join(map(str, ids))}" for name, _, ids in found}))
    report.check("the server runs as a non-root user (/proc/<pid>/status)", ok, summary or "no serving process found")


def check_listeners(report: Report, port: int) -> None:
    sockets = listening_sockets()
    public = sorted({p for a, p in sockets if not is_loopback(a)})
    loopback = sorted({p for a, p in sockets if is_loopback(a)})
    report.check(
        f"only AIP_HTTP_PORT ({port}) listens beyond loopback",
        public == [port],
        f"beyond loopback: {public}; loopback only: {loopback}",
    )


def check_sigterm(
    report: Report, container: Container, predict_url: str, health_url: str, requests_in_flight: int, instances: int
) -> None:
    body = {"instances": [f"{SLOW_SENTENCE} ({i})" for i in range(instances)]}
    seen = len(container.output())
    with ThreadPoolExecutor(requests_in_flight) as pool:
        futures = [pool.submit(post, predict_url, body, 300) for _ in range(requests_in_flight)]
        # Until the worker holds them: TorchServe's log (the entrypoint echoes it) says so.
        deadline = time.monotonic() + 60
        while "Backend received inference" not in container.output()[seen:] and time.monotonic() < deadline:
            time.sleep(0.05)
        entrypoint = container.entrypoint_process()
        if entrypoint is None:
            report.check("SIGTERM with requests in flight", False, "the ENTRYPOINT's process is gone")
            return
        signalled = time.monotonic()
        entrypoint.send_signal(signal.SIGTERM)
        while "draining" not in container.output()[seen:] and time.monotonic() < signalled + 10:
            time.sleep(0.05)
        try:
            refused = requests.post(predict_url, json={"instances": ["Bu odun yanmaz."]}, timeout=30).status_code
            health = requests.get(health_url, timeout=30).status_code
        except requests.RequestException as e:
            refused = health = f"no answer ({type(e).__name__})"
        answers = []
        for future in futures:
            try:
                response = future.result()
                answers.append((response.status_code, len(translations(response))))
            except requests.RequestException as e:
                answers.append((type(e).__name__, 0))
    try:
        code = container.process.wait(timeout=90)
    except subprocess.TimeoutExpired:
        code = "still running after 90 s"
    stopped = time.monotonic() - signalled
    draining = next((line.strip() for line in container.output()[seen:].splitlines() if "draining" in line), "")
    in_flight = int(draining.split("draining ")[1].split()[0]) if "draining " in draining else 0
    finished = all(a == (200, instances) for a in answers)
    ok = finished and in_flight > 0 and refused == 503 and health == 503 and code == 0
    report.check(
        "SIGTERM with requests in flight",
        ok,
        f"{in_flight} in flight at the signal; their answers {answers}; a new request then got {refused}, "
        f"the health route {health}; exit code {code} after {stopped:.1f} s",
    )


def run_checks(args: argparse.Namespace) -> int:
    report = Report()
    size = image_size_bytes(args.image)
    report.figure("image", args.image)
    report.figure("image size", f"{size / 1e6:.0f} MB ({size} bytes)")
    predict_route, health_route = TORCHSERVE_ROUTES if args.torchserve_routes else SAMPLE_ROUTES
    env = {
        # The image's setting (default 20 s), raised so that a busy shared machine finishes the requests.
        "DRAIN_SECONDS": f"{args.drain_seconds:g}",
        "AIP_HTTP_PORT": str(args.port),
        "AIP_PREDICT_ROUTE": predict_route,
        "AIP_HEALTH_ROUTE": health_route,
        "AIP_STORAGE_URI": MODEL_MOUNT + (f"/{args.model.name}" if args.model.is_file() else ""),
    }
    base = f"http://localhost:{args.port}"
    workdir = Path(tempfile.mkdtemp(prefix="image-check-"))
    log_path = args.log or workdir / "container.log"
    container = Container(args.image, env, args.model.parent if args.model.is_file() else args.model, log_path)
    print(f"      container: {shlex.join(container.command)}", flush=True)
    print(f"      its output: {log_path}", flush=True)
    try:
        seconds = wait_ready(container, base + health_route, args.ready_timeout)
        if not report.check(
            f"ready within {args.ready_timeout:g} s ({health_route} answers 200)",
            seconds is not None,
            ""
            if seconds is not None
            else f"exit code {container.process.poll()}; last output:\n{container.output()[-3000:]}",
        ):
            return 1
        report.figure("seconds from start to ready", f"{seconds:.1f}")
        healthcheck = (container.config.get("Healthcheck") or {}).get("Test") or []
        if healthcheck[:1] == ["CMD"]:
            result = container.exec(healthcheck[1:])
            report.check(
                "the image's HEALTHCHECK command",
                result.returncode == 0,
                f"{shlex.join(healthcheck[1:])} -> exit {result.returncode} {result.stderr.strip()[-300:]}",
            )
        else:
            report.check("the image's HEALTHCHECK command", False, f"the image has none (Test: {healthcheck})")
        check_sample_curl(report, base + predict_route, args.torchserve_routes)
        check_instances_file(report, base + predict_route)
        check_batch_local(report, base + predict_route, workdir)
        check_non_root(report, container)
        check_listeners(report, args.port)
        check_sigterm(
            report, container, base + predict_route, base + health_route, args.requests_in_flight, args.instances
        )
    finally:
        container.close()
    print(
        f"{'PASS' if not report.failures else 'FAIL'}: {len(report.failures)} check(s) failed"
        f"{': ' + ', '.join(report.failures) if report.failures else ''}",
        flush=True,
    )
    return 1 if report.failures else 0


def in_own_network_namespace(argv: list[str]) -> int:
    """Run this check again inside `unshare --net` with loopback up: the container's ports are its own."""
    script = 'ip link set lo up && exec "$@"'
    command = [
        "unshare",
        "--net",
        "--",
        "sh",
        "-c",
        script,
        "sh",
        sys.executable,
        "-m",
        "tools.image_check",
        "--in-netns",
        *argv,
    ]
    return subprocess.run(command, cwd=REPO_ROOT).returncode


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.image_check",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--image", default="localhost/tr-en-serve:cpu", help="the built image (default: %(default)s)")
    parser.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL,
        help="model directory or .mar mounted at AIP_STORAGE_URI (default: artifacts/demo-model)",
    )
    parser.add_argument(
        "--port", type=int, default=SAMPLE_PORT, help="AIP_HTTP_PORT (default: the sample's %(default)s)"
    )
    parser.add_argument(
        "--torchserve-routes",
        action="store_true",
        help="AIP_PREDICT_ROUTE=/predictions/tr_en, AIP_HEALTH_ROUTE=/ping and a JSON Content-Type on "
        "the sample's curl, for images whose entrypoint serves only TorchServe's routes",
    )
    parser.add_argument("--ready-timeout", type=float, default=600, help="seconds (default: %(default)s)")
    parser.add_argument("--requests-in-flight", type=int, default=4, help="at SIGTERM (default: %(default)s)")
    parser.add_argument("--instances", type=int, default=64,
                        help="per request in flight, enough to outlast the signal (default: %(default)s)")
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=120,
        help="DRAIN_SECONDS for the container (the image's default is 20; default here: %(default)s)",
    )
    parser.add_argument("--log", type=Path, default=None, help="file for the container's output (default: a temp file)")
    parser.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if shutil.which("podman") and subprocess.run(["podman", "image", "exists", args.image]).returncode != 0:
        parser.error(f"no image {args.image} here: build it with make image (or name another with --image)")
    args.model = args.model.resolve()
    if not args.model.exists():
        parser.error(f"--model {args.model} does not exist (make demo-model makes the default)")
    # The server runs as uid 1000: a file only root may read (Trainer saves weights 0600) cannot be served.
    unreadable = [
        p
        for p in ([args.model] if args.model.is_file() else args.model.rglob("*"))
        if p.is_file() and not p.stat().st_mode & 0o004
    ]
    if unreadable:
        parser.error(
            f"--model: {unreadable[0]} is not readable by other users, as the container's non-root "
            f"server must read it: chmod -R a+rX {args.model}"
        )
    for tool in ("buildah", "podman", "curl", "unshare"):
        if not shutil.which(tool):
            parser.error(f"{tool} is not installed: sudo apt-get install buildah podman curl util-linux")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not args.in_netns:
        return in_own_network_namespace(argv)
    try:
        return run_checks(args)
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
