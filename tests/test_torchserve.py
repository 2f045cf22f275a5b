"""A real TorchServe serving the tiny archive on loopback: the contract over HTTP."""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from handler.service import TranslationService

pytestmark = pytest.mark.torchserve

JSON = {"Content-Type": "application/json"}
GREEDY = {"num_beams": 1, "max_new_tokens": 8}


@pytest.fixture(scope="module")
def url(torchserve) -> str:
    return f"{torchserve.inference_address}/predictions/tr_en"


@pytest.fixture(scope="module")
def in_process(tiny_backend, settings) -> TranslationService:
    """The same request path without TorchServe, to compare the server's answers against."""
    return TranslationService(tiny_backend, settings)


def post(url, payload, headers=JSON, **kwargs) -> requests.Response:
    data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return requests.post(url, data=data, headers=headers, timeout=120, **kwargs)


def expected(in_process, payload) -> dict:
    (reply,) = in_process.handle_batch([json.dumps(payload)])
    assert reply.status == 200
    return reply.body


def test_ping(torchserve):
    response = requests.get(f"{torchserve.inference_address}/ping", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "Healthy"}


def test_string_list_and_object_instances_keep_their_shape(url, in_process):
    payload = {
        "instances": ["Bu odun yanmaz.", ["Kedi uyuyor.", "Ev büyük."], {"text": "Çocuk okula gidiyor."}],
        "parameters": GREEDY,
    }
    response = post(url, payload)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body == expected(in_process, payload)
    string, listed, obj = body["predictions"]
    assert isinstance(string, str) and string
    assert isinstance(listed, list) and len(listed) == 2
    assert isinstance(obj, str)


def test_parameters_are_honoured(url, in_process):
    payload = {
        "instances": ["Bu odun yanmaz."],
        "parameters": {"num_beams": 3, "num_return_sequences": 3, "max_new_tokens": 5},
    }
    response = post(url, payload)
    assert response.status_code == 200
    (three,) = response.json()["predictions"]
    assert len(three) == 3
    assert response.json() == expected(in_process, payload)


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "application/json; charset=utf-8"])
def test_body_is_json_whatever_the_content_type(url, content_type):
    response = post(
        url, {"instances": ["Bu odun yanmaz."], "parameters": GREEDY}, headers={"Content-Type": content_type}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == 1


def test_seed_curl_without_content_type_gets_a_clear_answer(url):
    """curl -d sends application/x-www-form-urlencoded; TorchServe's frontend splits that into form fields."""
    result = subprocess.run(
        ["curl", "-s", "-X", "POST", url, "-d", '{"instances": ["Bu odun yanmaz."]}', "-w", "\n%{http_code}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    body, status = result.stdout.rsplit("\n", 1)
    assert status == "415"
    assert "Content-Type: application/json" in json.loads(body)["error"]


def test_bad_requests_get_json_4xx(url):
    cases = [
        (b"{oops", 400, "not valid JSON"),
        (b'{"instances": ["\xff\xfe"]}', 400, "not valid UTF-8"),
        ({"instances": []}, 400, '"instances" is empty'),
        ({"instances": [1]}, 400, "instances[0] must be a string"),
        ({"instances": ["a"], "parameters": {"beams": 2}}, 400, "unknown parameter 'beams'"),
        ({"instances": ["a"] * 129}, 413, "too many instances"),
    ]
    for payload, status, message in cases:
        response = post(url, payload)
        assert response.status_code == status, (payload, response.text)
        assert message in response.json()["error"]


def test_body_over_the_vertex_limit_is_refused(url):
    response = post(url, {"instances": ["a" * 1_600_000]})
    assert response.status_code == 413


def test_long_input_is_translated_not_truncated(url, in_process):
    text = " ".join(["Çocuk her gün okula gidiyor.", "Bu odun yanmaz.", "Kedi bahçede uyuyor."] * 150)
    assert len(text) > 6000
    payload = {"instances": [text], "parameters": {"num_beams": 1, "max_new_tokens": 4}}
    response = post(url, payload)
    assert response.status_code == 200, response.text
    assert response.json() == expected(in_process, payload)


def test_concurrent_requests_are_batched_and_bad_ones_fail_alone(url, torchserve, in_process):
    # A slow request occupies the worker so that the following ones queue up and reach the
    # handler together, as one TorchServe batch.
    # Distinct texts kept whole: identical ones would be translated once, split ones under a short cap.
    slow = {
        "instances": [f"{'Bu odun yanmaz. ' * 20}{i}" for i in range(24)],
        "parameters": {"num_beams": 4, "max_new_tokens": 64, "split_sentences": False},
    }
    good = [{"instances": [f"Kedi {i} kez uyudu."], "parameters": GREEDY} for i in range(12)]
    bad = [{"instances": ["ok", None]}, {"instances": ["x"], "parameters": {"num_beams": 0}}, {"instances": "x"}]
    requests_ = good[:6] + bad + good[6:]
    before = scrape(torchserve)
    with ThreadPoolExecutor(len(requests_) + 1) as pool:
        slow_future = pool.submit(post, url, slow)
        time.sleep(0.3)
        responses = list(pool.map(lambda p: post(url, p), requests_))
        assert slow_future.result().status_code == 200
    for payload, response in zip(requests_, responses):
        if payload in bad:
            assert response.status_code == 400
            assert "error" in response.json()
        else:
            assert response.status_code == 200, response.text
            assert response.json() == expected(in_process, payload)
    # The handler's counters (not its log line): the requests reached it in batches of more than 3 on average.
    counters = ("translation_batches_total", ""), ("translation_batch_requests_total", "")
    deadline = time.monotonic() + 30
    while True:  # the frontend reads the worker's metric lines from its log, a moment later
        after = scrape(torchserve)
        batches, batched = (after.get(key, 0) - before.get(key, 0) for key in counters)
        if batched == len(requests_) + 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert batched == len(requests_) + 1 and batched / batches > 3, (batches, batched)


def scrape(torchserve) -> dict[tuple[str, str], float]:
    """The handler's counters on the metrics port: (name, status label or "") -> value."""
    text = requests.get(f"{torchserve.metrics_address}/metrics", timeout=10).text
    values = {}
    for name, labels, value in re.findall(r"^(translation_\w+)\{([^}]*)\} (\S+)$", text, flags=re.M):
        status = re.search(r'status="(\d+)"', labels)
        values[(name, status.group(1) if status else "")] = float(value)
    return values


def test_metrics_count_what_was_translated(url, torchserve):
    before = scrape(torchserve)
    document = {"instances": ["Metrik bir. Metrik iki.\nMetrik üç."], "parameters": GREEDY}
    assert post(url, document).status_code == 200
    assert post(url, document).status_code == 200  # the same sentences again: from the cache
    assert post(url, {"instances": [7]}).status_code == 400
    expected = {
        ("translation_requests_total", ""): 2,
        ("translation_errors_total", "400"): 1,
        ("translation_texts_total", ""): 2,
        ("translation_sentences_total", ""): 6,
        ("translation_cache_misses_total", ""): 3,
        ("translation_cache_hits_total", ""): 3,
        ("translation_micro_batches_total", ""): 1,
        ("translation_batches_total", ""): 3,
        ("translation_batch_requests_total", ""): 3,
    }
    deadline = time.monotonic() + 30
    while True:  # the frontend reads the worker's metric lines from its log, a moment later
        after = scrape(torchserve)
        delta = {key: after.get(key, 0) - before.get(key, 0) for key in expected}
        if delta == expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert delta == expected
    tokens = {key[0]: after[key] - before.get(key, 0) for key in after if key[1] == ""}
    assert tokens["translation_real_tokens_total"] == tokens["translation_source_tokens_total"] > 0
    assert tokens["translation_padded_tokens_total"] >= tokens["translation_real_tokens_total"]
    assert tokens["translation_handler_seconds_total"] > 0
    # Greedy with max_new_tokens 8: at most 8 tokens for each of the three sentences translated.
    assert 3 <= tokens["translation_generated_tokens_total"] <= 3 * 8


def test_documents_details_and_repetition_controls(url, in_process):
    from tests.test_backends import DOCUMENT, DOCUMENT_PARAMETERS, assert_same_details

    document = {"instances": [DOCUMENT], "parameters": {**DOCUMENT_PARAMETERS, "return_details": True}}
    response = post(url, document)
    assert response.status_code == 200, response.text
    assert_same_details(response.json(), expected(in_process, document))
    plain = post(url, {"instances": [DOCUMENT], "parameters": DOCUMENT_PARAMETERS})
    assert plain.json() == {"predictions": [response.json()["predictions"][0]["translation"]]}
    bad = post(url, {"instances": ["a"], "parameters": {"return_details": "yes"}})
    assert (
        bad.status_code == 400 and bad.json()["error"] == 'parameters.return_details must be true or false, not "yes"'
    )


def test_torchserve_logs_no_line_per_request(torchserve):
    """handler/log4j2.xml: the handler's lines stay, TorchServe's per-request access and metrics lines go."""
    before = torchserve.log_path.stat().st_size
    for _ in range(3):
        reply = requests.post(f"{torchserve.inference_address}/predictions/tr_en", timeout=60,
                          json={"instances": ["Bu odun yanmaz."], "parameters": {"max_new_tokens": 2}})  # fmt: skip
        assert reply.status_code == 200
    lines: list[str] = []
    deadline = time.monotonic() + 10  # the frontend copies the worker's output to the log as it comes
    while not any("handled a batch of" in line for line in lines) and time.monotonic() < deadline:
        time.sleep(0.2)
        with open(torchserve.log_path, "rb") as f:
            f.seek(before)
            lines = f.read().decode(errors="replace").splitlines()
    assert any("handled a batch of" in line for line in lines)
    assert not [line for line in lines if "ACCESS_LOG" in line or "TS_METRICS" in line or "Backend response" in line]


def test_frontend_jvm_runs_the_quick_compiler_and_the_quiet_logging(torchserve):
    """config.properties' vmargs reach the frontend's JVM, with handler/log4j2.xml added to them."""
    import psutil

    from handler.torchserve import LOG_CONFIG

    java = [p for p in psutil.Process(torchserve.process.pid).children(recursive=True) if p.name() == "java"]
    assert len(java) == 1
    command = java[0].cmdline()
    assert "-XX:TieredStopAtLevel=1" in command
    assert f"-Dlog4j.configurationFile=file://{LOG_CONFIG}" in command


def test_vmargs_of_the_config_and_of_overrides_keep_the_log_configuration(tmp_path):
    from handler.torchserve import BASE_CONFIG, LOG_CONFIG, loopback_torchserve, read_properties

    quiet = f"-Dlog4j.configurationFile=file://{LOG_CONFIG}"
    shipped = read_properties(BASE_CONFIG)["vmargs"]
    assert loopback_torchserve(tmp_path, tmp_path).config()["vmargs"] == f"{shipped} {quiet}"
    # An override replaces the shipped options and still logs quietly, unless it names its own log configuration.
    override = loopback_torchserve(tmp_path, tmp_path, overrides={"vmargs": "-Xmx512m"})
    assert override.config()["vmargs"] == f"-Xmx512m {quiet}"
    own = "-Dlog4j.configurationFile=file:///etc/log4j2.xml"
    assert loopback_torchserve(tmp_path, tmp_path, overrides={"vmargs": own}).config()["vmargs"] == own


def test_jit_compiler_threads_are_counted_as_a_share_of_the_frontend(torchserve):
    """bench/cost.py's jit_cpu_seconds (bench.floor's "its JIT" column) finds the JVM's compiler threads."""
    from bench.cost import jit_cpu_seconds, tree_cpu_seconds

    jit = sum(jit_cpu_seconds(torchserve.process.pid).values())
    assert 0 < jit < tree_cpu_seconds(torchserve.process.pid)["frontend"]
    other = subprocess.Popen(["sleep", "30"])
    try:
        assert jit_cpu_seconds(other.pid) == {}  # no JVM in that tree
    finally:
        other.kill()
        other.wait()


def test_free_ports_are_below_the_ephemeral_range_and_skip_taken_ones():
    """No client connection can take a port between free_ports and the server's bind (the kernel picks
    a connection's local port from the ephemeral range), and a port in use is passed over."""
    import socket

    from handler.torchserve import EPHEMERAL_RANGE, free_ports

    first_ephemeral = int(EPHEMERAL_RANGE.read_text().split()[0])
    ports = free_ports(4)
    assert len(set(ports)) == 4 and all(first_ephemeral - 10000 <= p < first_ephemeral for p in ports)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports[-1] + 1))  # the next port this process would hand out
        (after,) = free_ports(1)
    assert after == ports[-1] + 2
