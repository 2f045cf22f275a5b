"""Hardening over HTTP: a table of malformed requests, faults (killed worker, timeout, full queue), refused admin calls."""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from handler.archive import build_archive
from handler.settings import read_model_config
from handler.torchserve import loopback_torchserve
from tests.faults import with_faults
from tests.test_vertex_batch_local import Proxy

pytestmark = pytest.mark.torchserve

GOOD = {"instances": ["Bu odun yanmaz."], "parameters": {"num_beams": 1, "max_new_tokens": 4}}
# What the fault handler holds for seconds (tests/fault_handler.py's sleep_when) on the servers that
# own_server(faults={..., "sleep_when": "SLOW"}) starts; GOOD is answered at once there.
SLOW = {"instances": ["Bu odun yanmaz. SLOW"], "parameters": {"num_beams": 1, "max_new_tokens": 4}}
JSON = {"Content-Type": "application/json"}


def post(url: str, payload, headers=None, timeout: float = 120) -> requests.Response:
    data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return requests.post(url, data=data, headers=JSON if headers is None else headers, timeout=timeout)


def assert_serves(url: str) -> None:
    response = post(url, GOOD)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["predictions"][0], str)


MALFORMED = [
    # (id, body, headers or None for JSON, status, words the message must contain)
    ("not-json", b"{instances: [1]}", None, 400, "not valid JSON"),
    ("truncated-json", b'{"instances": ["a"', None, 400, "not valid JSON"),
    ("empty-body", b"", None, 400, "request body is empty"),
    ("whitespace-body", b"  \n ", None, 400, "request body is empty"),
    ("invalid-utf8", b'{"instances": ["\xc3\x28"]}', None, 400, "not valid UTF-8"),
    ("latin1-text", '{"instances": ["ağaç"]}'.encode("latin-1", "replace"), None, 400, "not valid UTF-8"),
    ("nan", b'{"instances": ["a"], "parameters": {"num_beams": NaN}}', None, 400, "NaN is not a JSON number"),
    ("body-is-list", [["Bu odun yanmaz."]], None, 400, "must be a JSON object"),
    ("body-is-string", '"Bu odun yanmaz."', None, 400, "must be a JSON object"),
    ("body-is-null", b"null", None, 400, "must be a JSON object"),
    ("no-instances", {"parameters": {}}, None, 400, 'no "instances"'),
    ("typo-top-level", {"instance": ["a"]}, None, 400, "unknown top-level key 'instance'"),
    ("instances-string", {"instances": "a"}, None, 400, '"instances" must be a list'),
    ("instances-object", {"instances": {"text": "a"}}, None, 400, '"instances" must be a list'),
    ("instances-empty", {"instances": []}, None, 400, '"instances" is empty'),
    ("instance-number", {"instances": [42]}, None, 400, "instances[0] must be a string"),
    ("instance-bool", {"instances": ["a", True]}, None, 400, "instances[1] must be a string"),
    ("instance-nested-list", {"instances": [[["a"]]]}, None, 400, "instances[0][0] must be a string, not a list"),
    ("instance-empty-list", {"instances": [[]]}, None, 400, "instances[0] is an empty list"),
    ("object-without-text", {"instances": [{"txt": "a"}]}, None, 400, 'without "text"'),
    ("object-text-number", {"instances": [{"text": 1}]}, None, 400, "instances[0].text must be a string"),
    ("empty-string", {"instances": [""]}, None, 400, "instances[0] is empty or only whitespace"),
    ("whitespace-string", {"instances": ["\n\t  "]}, None, 400, "empty or only whitespace"),
    ("control-character", {"instances": ["a\x07b"]}, None, 400, "control character U+0007"),
    ("nul-character", {"instances": ["a\x00"]}, None, 400, "control character U+0000"),
    ("parameters-list", {"instances": ["a"], "parameters": [1]}, None, 400, '"parameters" must be an object'),
    (
        "unknown-parameter",
        {"instances": ["a"], "parameters": {"temperature": 0.7}},
        None,
        400,
        "unknown parameter 'temperature'",
    ),
    ("beams-too-many", {"instances": ["a"], "parameters": {"num_beams": 64}}, None, 400, "from 1 to 8, not 64"),
    (
        "beams-negative",
        {"instances": ["a"], "parameters": {"num_beams": -1}},
        None,
        400,
        "num_beams must be an integer",
    ),
    ("beams-string", {"instances": ["a"], "parameters": {"num_beams": "4"}}, None, 400, "num_beams must be an integer"),
    (
        "tokens-too-many",
        {"instances": ["a"], "parameters": {"max_new_tokens": 100000}},
        None,
        400,
        "max_new_tokens must be an integer from 1 to 512",
    ),
    (
        "tokens-float",
        {"instances": ["a"], "parameters": {"max_new_tokens": 1.5}},
        None,
        400,
        "max_new_tokens must be an integer",
    ),
    (
        "sequences-over-beams",
        {"instances": ["a"], "parameters": {"num_beams": 2, "num_return_sequences": 5}},
        None,
        400,
        "must not exceed num_beams",
    ),
    ("too-many-instances", {"instances": ["a"] * 129}, None, 413, "too many instances: 129"),
    ("huge-text", {"instances": ["a" * 10001]}, None, 413, "the limit is 10000"),
    ("huge-request-text", {"instances": ["a" * 9000] * 6}, None, 413, "the limit is 50000"),
    (
        "form-encoded",
        b'{"instances": ["a"]}',
        {"Content-Type": "application/x-www-form-urlencoded"},
        415,
        "Content-Type: application/json",
    ),
]


@pytest.fixture(scope="module")
def url(torchserve) -> str:
    return f"{torchserve.inference_address}/predictions/tr_en"


@pytest.mark.parametrize("body, headers, status, message", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_request_gets_a_clear_4xx_and_the_next_request_succeeds(url, body, headers, status, message):
    response = post(url, body, headers)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert message in response.json()["error"]
    assert_serves(url)


def test_a_json_file_saved_with_a_byte_order_mark_is_served(url):
    # What `curl --data-binary @request.json` sends when a Windows editor saved the file as "UTF-8 with BOM".
    response = post(url, b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["predictions"][0], str)


def test_oversize_body_is_refused_by_torchserve(url):
    response = post(url, b'{"instances": ["' + b"a" * 1_600_000 + b'"]}')
    assert response.status_code == 413
    assert_serves(url)


def test_admin_calls_on_the_inference_port_are_refused(torchserve):
    base = torchserve.inference_address
    for method, path in [
        ("POST", "/models?url=https://example.com/evil.mar"),
        ("GET", "/models"),
        ("DELETE", "/models/tr_en"),
        ("PUT", "/models/tr_en?min_worker=4"),
    ]:
        response = requests.request(method, base + path, timeout=10)
        assert response.status_code in (400, 404, 405), (method, path, response.status_code)
    assert_serves(f"{base}/predictions/tr_en")


def test_model_registration_is_off_on_the_management_port(torchserve):
    base = torchserve.management_address
    register = requests.post(f"{base}/models?url=https://example.com/evil.mar", timeout=10)
    delete = requests.delete(f"{base}/models/tr_en", timeout=10)
    assert register.status_code in (400, 403, 405), register.text
    assert delete.status_code in (400, 403, 405), delete.text
    assert "tr_en" in requests.get(f"{base}/models", timeout=10).text


@pytest.fixture
def own_server(tmp_path, tiny_model_dir):
    """A TorchServe of the test's own, with model-config and TorchServe overrides."""
    servers = []

    def start(handler_config: dict | None = None, overrides: dict | None = None, faults: dict | None = None,
              **top_level):  # fmt: skip
        """`faults`: what the archive's handler injects (tests/fault_handler.py), e.g. {"handle_sleep": 3}
        for a model slow on any machine, with "sleep_when": "SLOW" for the batches holding SLOW only."""
        config = read_model_config()
        config.update(top_level)
        config["handler"].update(handler_config or {})
        store = tmp_path / f"store{len(servers)}"
        archive = build_archive(tiny_model_dir, store, model_config=config)
        if faults:
            with_faults(archive, archive, **faults)
        server = loopback_torchserve(store, tmp_path / f"ts{len(servers)}", overrides=overrides or {})
        servers.append(server)
        server.start()
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.kill()


def test_killed_worker_fails_its_request_and_is_replaced(own_server):
    # The request takes 30 s in the handler: it is in the worker when the worker is killed.
    server = own_server(faults={"handle_sleep": 30, "sleep_when": "SLOW"})
    url = f"{server.inference_address}/predictions/tr_en"
    (pid,) = server.worker_pids()
    before = log_count(server, "Backend received inference")
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(post, url, SLOW)
        wait_for_log(server, "Backend received inference", before)
        os.kill(pid, signal.SIGKILL)
        response = pending.result()
    assert response.status_code >= 500
    wait_for_new_worker(server, pid)
    assert_serves(url)


def test_request_outliving_the_response_timeout_fails_and_the_worker_recovers(own_server):
    server = own_server(responseTimeout=2, faults={"handle_sleep": 30, "sleep_when": "SLOW"})
    url = f"{server.inference_address}/predictions/tr_en"
    (pid,) = server.worker_pids()
    started = time.monotonic()
    response = post(url, SLOW)
    assert response.status_code >= 500
    assert time.monotonic() - started < 60
    wait_for_new_worker(server, pid)
    assert_serves(url)


def wait_for_new_worker(server, old_pid: int, timeout: float = 120) -> None:
    """TorchServe replaces the worker a moment after answering; until then the old one still shows READY."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if server.worker_pids() not in ([old_pid], []):
                break
        except OSError:
            pass
        time.sleep(0.5)
    server.wait_ready(timeout=max(1.0, deadline - time.monotonic()))
    assert server.worker_pids() != [old_pid], "the worker was not replaced"


def test_full_queue_is_a_quick_503_not_a_hang(own_server):
    # Each request holds the one worker 2 s: the first fills it, two wait in the queue, the rest are refused.
    server = own_server(overrides={"job_queue_size": "2"}, batchSize=1, faults={"handle_sleep": 2})
    url = f"{server.inference_address}/predictions/tr_en"
    with ThreadPoolExecutor(12) as pool:
        busy = pool.submit(post, url, GOOD)
        time.sleep(1.0)
        flood = [pool.submit(post, url, GOOD, None, 60) for _ in range(10)]
        statuses = [f.result().status_code for f in flood]
        # The request that filled the worker gets an answer too (its status depends on how long it
        # ran on a busy machine; what matters here is that nothing hangs).
        assert busy.result(timeout=120).status_code > 0
    assert 503 in statuses, statuses
    assert set(statuses) <= {200, 503}
    assert_serves(url)


def log_count(server, text: str) -> int:
    return server.log_path.read_text(errors="replace").count(text)


def wait_for_log(server, text: str, more_than: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while log_count(server, text) <= more_than:
        assert time.monotonic() < deadline, f"{text!r} never appeared in the log:\n{server.log_tail()}"
        time.sleep(0.05)


# Distinct per request (nothing answered from the cache); the fault handler's handle_sleep makes them slow.
def medium(i: int) -> dict:
    return {"instances": [f"Bu odun yanmaz {i}. " * 3] * 6, "parameters": {"num_beams": 1, "max_new_tokens": 8}}


def test_worker_death_mid_batch_answers_every_request_and_batch_local_resends_them(own_server, tmp_path):
    from vertex import batch_local

    # Room for several requests in the batch the worker dies holding, which it holds until the kill:
    # each batch is held while the file `release` is missing, and the test makes it after each kill.
    release = tmp_path / "release"
    server = own_server(batchSize=8, maxBatchDelay=300, faults={"handle_sleep": 120, "release": str(release)})
    url = f"{server.inference_address}/predictions/tr_en"
    received = "Backend received inference"
    (pid,) = server.worker_pids()
    before = log_count(server, received)
    with ThreadPoolExecutor(6) as pool:
        pending = [pool.submit(post, url, medium(i)) for i in range(6)]
        wait_for_log(server, received, before)
        os.kill(pid, signal.SIGKILL)
        release.touch()  # requests the dying batch did not hold are answered by the new worker
        responses = [f.result(timeout=180) for f in pending]
    # Every request got an answer; those of the dying batch say the worker died, which batch_local retries.
    died = [r for r in responses if r.status_code != 200]
    assert died, [r.status_code for r in responses]
    for response in died:
        # 507 when the worker was killed, 500 when TorchServe ended it for its response timeout.
        assert response.status_code in (500, 507) and response.json()["message"] == "Worker died.", response.text
        assert batch_local.worker_died(response.status_code, response.json())
    wait_for_new_worker(server, pid)
    release.unlink()

    values = [f"Cümle {i}: bu odun yanmaz." for i in range(40)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values), encoding="utf-8")
    out = tmp_path / "out"
    # The recording proxy of the batch_local tests, in front of TorchServe: it sees every request sent.
    proxy = Proxy(target=url)
    argv = ["--input", str(source), "--output-dir", str(out), "--url", proxy.url, "--batch-size", "2",
            "--concurrency", "4", "--retry-delay", "1", "--quiet",
            "--parameters", '{"num_beams": 1, "max_new_tokens": 8}']  # fmt: skip
    (pid,) = server.worker_pids()
    before = log_count(server, received)
    try:
        with ThreadPoolExecutor(1) as pool:
            run = pool.submit(batch_local.main, argv)
            wait_for_log(server, received, before)  # the worker holds the run's first batch
            os.kill(pid, signal.SIGKILL)
            release.touch()  # the new worker answers at once
            assert run.result(timeout=600) == 0
    finally:
        proxy.close()
    assert len(proxy.sent) > len(values), "nothing was sent again: no request met the worker's death"
    rows = [json.loads(line) for line in (out / batch_local.RESULTS_FILE).read_text(encoding="utf-8").splitlines()]
    assert [r["instance"] for r in rows] == values  # each once, in order
    assert all(isinstance(r["prediction"], str) and r["prediction"] for r in rows)
    assert (out / batch_local.ERRORS_FILE).read_text() == ""
