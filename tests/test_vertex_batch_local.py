"""vertex.batch_local: Vertex's batch output format, order, errors, retries and resuming.

A small recording proxy sits between the tool and the server: it counts what is sent, injects
transient failures and delays, and (without a target) stands in for the server by echoing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vertex import batch_local
from vertex.batch_local import ERRORS_FILE, JOURNAL_FILE, RESULTS_FILE

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_INPUT = REPO_ROOT / "vertex" / "examples" / "batch_input_data.jsonl"


class Proxy:
    """Forwards POST bodies to `target`, or echoes each string instance when there is none.

    `fail_with` statuses are answered, one per request, before anything is forwarded; `delay`
    (seconds, from the request's instances) slows answers down to shuffle completion order.
    """

    def __init__(self, target: str | None = None, fail_with: tuple[int, ...] = (), delay: Any = None):
        self.target, self.fail_with, self.delay = target, list(fail_with), delay
        self.received: list[list[Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/predictions/tr_en"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def sent(self) -> list[Any]:
        """Every instance in every request received, in arrival order."""
        return [instance for request in self.received for instance in request]

    def answer(self, raw: bytes) -> tuple[int, Any]:
        instances = json.loads(raw)["instances"]
        with self.lock:
            self.received.append(instances)
            injected = self.fail_with.pop(0) if self.fail_with else None
        if injected:
            return injected, {"code": injected, "type": "Injected", "message": f"injected {injected}"}
        if self.delay:
            time.sleep(self.delay(instances))
        if self.target is None:
            for i, instance in enumerate(instances):
                if not isinstance(instance, str) or not instance.strip():
                    return 400, {"error": f"instances[{i}] is not a non-empty string"}
            return 200, {"predictions": [f"echo {instance}" for instance in instances]}
        request = urllib.request.Request(self.target, data=raw, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, body = proxy.answer(self.rfile.read(int(self.headers["Content-Length"])))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def proxies():
    started: list[Proxy] = []

    def start(**kwargs: Any) -> Proxy:
        started.append(Proxy(**kwargs))
        return started[-1]

    yield start
    for proxy in started:
        proxy.close()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(input_path: Path, out: Path, url: str, *argv: str) -> int:
    return batch_local.main(["--input", str(input_path), "--output-dir", str(out), "--url", url, "--quiet",
                             "--retry-delay", "0.01", *argv])  # fmt: skip


def closed_port_url() -> str:
    from handler.torchserve import free_port

    return f"http://127.0.0.1:{free_port()}/predictions/tr_en"


# --- against an echoing stand-in: fast, exact predictions -------------------------------------


def test_input_order_is_kept_with_concurrent_requests(tmp_path, proxies):
    sentences = [f"cümle {i}" for i in range(40)]
    source = write_lines(tmp_path / "in.jsonl", [json.dumps(s) for s in sentences])
    # Later requests answer sooner, so requests finish in reverse order.
    proxy = proxies(delay=lambda instances: 0.2 - 0.004 * int(instances[0].split()[1]))
    assert run(source, tmp_path / "out", proxy.url, "--batch-size", "3", "--concurrency", "4") == 0
    rows = read_jsonl(tmp_path / "out" / RESULTS_FILE)
    assert rows == [{"instance": s, "prediction": f"echo {s}"} for s in sentences]
    assert sorted(proxy.sent) == sorted(sentences) and len(proxy.sent) == 40
    assert max(len(r) for r in proxy.received) == 3


def test_a_refused_request_is_resent_one_instance_at_a_time(tmp_path, proxies):
    source = write_lines(tmp_path / "in.jsonl", ['"a"', '"b"', "7", '"c"', '"d"'])
    proxy = proxies()
    assert run(source, tmp_path / "out", proxy.url, "--batch-size", "5") == 1
    assert proxy.received == [["a", "b", 7, "c", "d"], ["a"], ["b"], [7], ["c"], ["d"]]
    assert [r["instance"] for r in read_jsonl(tmp_path / "out" / RESULTS_FILE)] == ["a", "b", "c", "d"]
    (failure,) = read_jsonl(tmp_path / "out" / ERRORS_FILE)
    assert failure == {"instance": 7, "error": {"code": 3, "message": "HTTP 400: instances[0] is not a non-empty string"},
                       "line": 3}  # fmt: skip


def test_transient_failures_are_retried(tmp_path, proxies):
    source = write_lines(tmp_path / "in.jsonl", ['"a"', '"b"'])
    proxy = proxies(fail_with=(503, 507, 503))
    assert run(source, tmp_path / "out", proxy.url, "--batch-size", "2", "--max-retries", "3") == 0
    assert proxy.received == [["a", "b"]] * 4
    assert len(read_jsonl(tmp_path / "out" / RESULTS_FILE)) == 2


def test_retries_are_bounded(tmp_path, proxies, capsys):
    source = write_lines(tmp_path / "in.jsonl", ['"a"'])
    proxy = proxies(fail_with=(503,) * 10)
    assert run(source, tmp_path / "out", proxy.url, "--max-retries", "2") == 1
    assert len(proxy.received) == 3
    (failure,) = read_jsonl(tmp_path / "out" / ERRORS_FILE)
    assert failure["error"] == {"code": 14, "message": "HTTP 503: injected 503"}


def test_unreachable_server_fails_instances_as_unavailable(tmp_path, capsys):
    source = write_lines(tmp_path / "in.jsonl", ['"a"', '"b"'])
    assert run(source, tmp_path / "out", closed_port_url(), "--max-retries", "1") == 1
    failures = read_jsonl(tmp_path / "out" / ERRORS_FILE)
    assert [f["error"]["code"] for f in failures] == [14, 14]
    assert failures[0]["error"]["message"].startswith("server unreachable after retries: ClientConnectorError")
    assert "successful: 0\nfailed:     2\nincomplete: 0" in capsys.readouterr().out


def test_a_short_answer_fails_the_request(tmp_path, proxies, monkeypatch):
    source = write_lines(tmp_path / "in.jsonl", ['"a"', '"b"'])
    proxy = proxies()
    monkeypatch.setattr(proxy, "answer", lambda raw: (200, {"predictions": ["only one"]}))
    assert run(source, tmp_path / "out", proxy.url, "--batch-size", "2") == 1
    messages = {f["error"]["message"] for f in read_jsonl(tmp_path / "out" / ERRORS_FILE)}
    assert messages == {"server answered 1 predictions for 2 instances"}


def test_a_torn_journal_line_is_dropped_and_the_rest_resumed(tmp_path, proxies):
    sentences = [f"s{i}" for i in range(6)]
    source = write_lines(tmp_path / "in.jsonl", [json.dumps(s) for s in sentences])
    out = tmp_path / "out"
    out.mkdir()
    header = json.dumps(batch_local.identity(source, None))
    done = [json.dumps({"line": n, "prediction": f"earlier {n}"}) for n in (1, 2, 4)]
    # A kill in the middle of writing line 5's record leaves half a line behind.
    (out / JOURNAL_FILE).write_text("\n".join([header, *done]) + '\n{"line": 5, "predic', encoding="utf-8")
    proxy = proxies()
    assert run(source, out, proxy.url, "--batch-size", "2") == 0
    # Lines 3, 5 and 6, in requests sent concurrently (--concurrency 4): in either order.
    assert sorted(proxy.sent) == ["s2", "s4", "s5"]
    predictions = [r["prediction"] for r in read_jsonl(out / RESULTS_FILE)]
    assert predictions == ["earlier 1", "earlier 2", "echo s2", "earlier 4", "echo s4", "echo s5"]
    # The journal is whole again: a rerun sends nothing.
    assert run(source, out, closed_port_url(), "--max-retries", "0") == 0


def test_failed_instances_are_sent_again_on_rerun(tmp_path, proxies):
    source = write_lines(tmp_path / "in.jsonl", ['"a"', '"b"'])
    assert run(source, tmp_path / "out", proxies(fail_with=(503,) * 2).url, "--max-retries", "0") == 1
    proxy = proxies()
    assert run(source, tmp_path / "out", proxy.url) == 0
    assert proxy.sent == ["a", "b"]
    assert read_jsonl(tmp_path / "out" / ERRORS_FILE) == []


def test_another_input_in_the_same_output_dir_is_refused(tmp_path, proxies, capsys):
    proxy = proxies()
    assert run(write_lines(tmp_path / "in.jsonl", ['"a"']), tmp_path / "out", proxy.url) == 0
    changed = write_lines(tmp_path / "in.jsonl", ['"a"', '"b"'])
    assert run(changed, tmp_path / "out", proxy.url) == 2
    assert "holds results of another input file or other --parameters" in capsys.readouterr().err
    assert run(changed, tmp_path / "out", proxy.url, "--parameters", '{"num_beams": 2}') == 2
    assert run(changed, tmp_path / "out", proxy.url, "--restart") == 0
    assert len(read_jsonl(tmp_path / "out" / RESULTS_FILE)) == 2


def test_bad_arguments(tmp_path, capsys):
    assert batch_local.main(["--input", str(tmp_path / "none.jsonl"), "--output-dir", str(tmp_path)]) == 2
    assert "--input" in capsys.readouterr().err
    for bad, message in (
        (["--batch-size", "0"], "0 is not an integer of at least 1"),
        (["--parameters", "[1]"], "must be a JSON object like '{\"num_beams\": 4}', not [1]"),
        (["--parameters", "{"], "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
        (["--concurrency", "x"], "x is not an integer of at least 1"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            batch_local.main(["--input", "x", "--output-dir", "y", *bad])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err


# --- against the real TorchServe -------------------------------------------------------------


@pytest.fixture
def torchserve_url(torchserve) -> str:
    return torchserve.inference_address + "/predictions/tr_en"


@pytest.mark.torchserve
def test_vertex_output_files_from_a_real_server(tmp_path, torchserve_url, proxies):
    good = EXAMPLE_INPUT.read_text(encoding="utf-8").splitlines()
    lines = good[:3] + ["{not json"] + good[3:6] + ["42", '""'] + good[6:]
    source = write_lines(tmp_path / "in.jsonl", lines)
    proxy = proxies(target=torchserve_url)
    out = tmp_path / "out"
    assert run(source, out, proxy.url, "--batch-size", "4", "--concurrency", "3") == 1

    assert sorted(p.name for p in out.iterdir()) == sorted([RESULTS_FILE, ERRORS_FILE, JOURNAL_FILE])
    results = read_jsonl(out / RESULTS_FILE)
    assert [r["instance"] for r in results] == [json.loads(line) for line in good]  # input order, no duplicates
    for row in results:
        assert set(row) == {"instance", "prediction"}
        text = row["instance"]["text"] if isinstance(row["instance"], dict) else row["instance"]
        assert isinstance(row["prediction"], str) == isinstance(text, str)
        if isinstance(text, list):
            assert len(row["prediction"]) == len(text)
    errors = read_jsonl(out / ERRORS_FILE)
    assert [(e["line"], e["instance"], e["error"]["code"]) for e in errors] == [
        (4, "{not json", 3),
        (8, 42, 3),
        (9, "", 3),
    ]
    assert (
        errors[0]["error"]["message"]
        == "line 4 is not valid JSON: Expecting property name enclosed in double quotes at column 2"
    )
    assert "must be a string, a list of strings" in errors[1]["error"]["message"]
    assert "is empty or only whitespace" in errors[2]["error"]["message"]
    # The bad line was never sent; requests holding a bad instance were resent one instance at a time.
    assert "{not json" not in proxy.sent
    assert [42] in proxy.received and [""] in proxy.received


@pytest.mark.torchserve
def test_resume_after_limit_sends_only_the_rest(tmp_path, torchserve_url, proxies):
    source = EXAMPLE_INPUT
    values = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    out = tmp_path / "out"
    first = proxies(target=torchserve_url)
    assert run(source, out, first.url, "--limit", "4", "--batch-size", "2") == 1  # incomplete
    # Requests run concurrently, so the proxy may see them in any order.
    assert sorted(map(json.dumps, first.sent)) == sorted(map(json.dumps, values[:4]))
    assert len(read_jsonl(out / RESULTS_FILE)) == 4
    second = proxies(target=torchserve_url)
    assert run(source, out, second.url, "--batch-size", "2", "--concurrency", "2") == 0
    assert sorted(map(json.dumps, second.sent)) == sorted(map(json.dumps, values[4:]))
    assert [r["instance"] for r in read_jsonl(out / RESULTS_FILE)] == values
    # A finished job needs no server at all: nothing is sent, the files stay as they are.
    before = (out / RESULTS_FILE).read_bytes()
    assert run(source, out, closed_port_url(), "--max-retries", "0") == 0
    assert (out / RESULTS_FILE).read_bytes() == before


@pytest.mark.torchserve
def test_killed_run_resumes_without_loss_or_duplicates(tmp_path, torchserve_url, proxies):
    values = [f"Cümle numarası {i}." for i in range(12)]
    source = write_lines(tmp_path / "in.jsonl", [json.dumps(v, ensure_ascii=False) for v in values])
    out = tmp_path / "out"
    slow = proxies(target=torchserve_url, delay=lambda instances: 0.3)
    command = [sys.executable, "-m", "vertex.batch_local", "--input", str(source), "--output-dir", str(out),
               "--url", slow.url, "--batch-size", "1", "--concurrency", "1", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        journal = out / JOURNAL_FILE
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _journal_records(journal) < 4:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    done_before = {json.loads(line)["line"] for line in journal.read_text(encoding="utf-8").splitlines()[1:]}
    assert 4 <= len(done_before) < len(values)

    resumed = proxies(target=torchserve_url)
    assert run(source, out, resumed.url, "--batch-size", "3", "--concurrency", "2") == 0
    assert sorted(resumed.sent) == sorted(v for n, v in enumerate(values, start=1) if n not in done_before)
    assert [r["instance"] for r in read_jsonl(out / RESULTS_FILE)] == values
    assert read_jsonl(out / ERRORS_FILE) == []


def _journal_records(path: Path) -> int:
    try:
        return max(0, path.read_text(encoding="utf-8").count("\n") - 1)
    except FileNotFoundError:
        return 0


# --- crash safety: SIGKILL at random points of a long run -------------------------------------


def _summary(stdout: str) -> dict[str, int]:
    counts = {}
    for key in ("successful", "failed", "incomplete"):
        (line,) = [line for line in stdout.splitlines() if line.startswith(f"{key}:")]
        counts[key] = int(line.split(":")[1])
    return counts


@pytest.mark.slow
def test_runs_killed_at_random_points_resume_to_every_line_exactly_once(tmp_path, proxies):
    import random

    rng = random.Random(14)
    values: list = []
    lines = []
    for i in range(5000):
        kind = rng.random()
        if kind < 0.01:
            lines.append(f"{{not json {i}")  # never sent: an error of its own
            values.append(lines[-1])
        elif kind < 0.03:
            values.append(i)  # the stand-in refuses numbers: found by resending one at a time
            lines.append(json.dumps(i))
        else:
            values.append(f"cümle {i}")
            lines.append(json.dumps(values[-1], ensure_ascii=False))
    source = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out"
    journal = out / JOURNAL_FILE
    proxy = proxies(delay=lambda instances: 0.04)  # a run of about 7 s, long enough to aim kills
    command = [sys.executable, "-m", "vertex.batch_local", "--input", str(source), "--output-dir", str(out),
               "--url", proxy.url, "--batch-size", "8", "--concurrency", "4", "--quiet", "--retry-delay", "0.01"]  # fmt: skip
    # Kill points by journal records: as soon as the run starts, then at two random depths.
    kill_at = [0, rng.randrange(500, 2000), rng.randrange(2500, 4500)]
    print("kill points (journal records):", kill_at)
    killed_with = []
    for step, threshold in enumerate(kill_at):
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                if (step == 0 and journal.exists()) or (threshold and _journal_records(journal) >= threshold):
                    break
                time.sleep(0.005)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait()
        assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
        killed_with.append(_journal_records(journal))
        if step == 1:
            # A kill in the middle of a write leaves half a record behind (SIGKILL between two
            # write calls of one record; simulated here, as a kernel write is rarely cut).
            with journal.open("a", encoding="utf-8") as f:
                f.write('{"line": 4999, "prediction": "echo cü')
    assert len(set(killed_with)) == 3 and killed_with == sorted(killed_with), killed_with
    assert killed_with[-1] < len(lines), "the last kill came after the run had finished"

    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr  # some lines are errors by design
    counts = _summary(result.stdout)
    results = read_jsonl(out / RESULTS_FILE)
    errors = read_jsonl(out / ERRORS_FILE)
    good = [v for v in values if isinstance(v, str) and v.startswith("cümle")]
    assert [r["instance"] for r in results] == good  # each once, in input order
    assert all(r["prediction"] == f"echo {r['instance']}" for r in results)
    # Every other line is an error, once, in input order.
    good_set = set(good)
    assert [e["line"] for e in errors] == [n for n, v in enumerate(values, 1) if v not in good_set]
    assert counts == {"successful": len(results), "failed": len(errors), "incomplete": 0}
    assert counts["successful"] + counts["failed"] == len(lines)
