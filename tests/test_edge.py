"""The container's edge (container/edge.py on uvicorn) in front of a small real upstream.

The upstream is a plain HTTP server on loopback that answers as TorchServe does on the two paths the
edge uses (POST /predictions/tr_en, GET /models/tr_en on the management port); the edge runs as the
entrypoint runs it (EdgeServer in a thread). What the edge does with real TorchServe (forwarding,
draining, a dying worker) is in tests/test_container.py.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from container.edge import Edge, json_if_form
from container.edge_server import EdgeServer, bind
from handler.torchserve import free_port, workers_status

LIMIT = 4096


class Upstream(ThreadingHTTPServer):
    """TorchServe's two routes the edge uses: the predictions it gets are recorded, the workers' state is set."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), UpstreamHandler)
        self.received: list[tuple[str, str, bytes]] = []
        self.worker_status = "READY"
        self.delay = 0.0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class UpstreamHandler(BaseHTTPRequestHandler):
    server: Upstream
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = [{"modelName": "tr_en", "workers": [{"id": "9000", "status": self.server.worker_status}]}]
        self._send(200, json.dumps(body).encode())

    def do_POST(self) -> None:  # noqa: N802
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append((self.path, self.headers.get("Content-Type", ""), data))
        time.sleep(self.server.delay)
        if b"die" in data:  # what TorchServe answers when the worker holding the batch died
            return self._send(507, b'{"code": 507, "type": "InternalServerException", "message": "Worker died."}')
        self._send(200, json.dumps({"predictions": [len(data)]}).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def management_status(upstream: Upstream):
    def status() -> tuple[bool, str]:
        return workers_status([{"workers": [{"status": upstream.worker_status}]}])

    return status


@pytest.fixture(scope="module")
def upstream():
    server = Upstream()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def edge(upstream):
    """One edge for the checks that leave it as they found it: /predict and /health, a short header deadline."""
    app = Edge(upstream.url, "/predict", "/health", management_status(upstream), LIMIT, request_timeout=5,
               body_timeout=2)  # fmt: skip
    server = EdgeServer(app, bind("127.0.0.1", free_port()), header_timeout=1.0, max_connections=1024)
    server.start()
    app.url = f"http://127.0.0.1:{server.address[1]}"
    yield app
    server.stop()


def raw(url: str, data: bytes, read: bool = True, timeout: float = 10) -> bytes:
    """Send `data` as it is on a new connection; the server's whole answer (until it closes or times out)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while read and (chunk := s.recv(65536)):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and b"connection: close" not in b"".join(chunks).lower():
                    break
        except TimeoutError:
            pass
        return b"".join(chunks)


@pytest.mark.parametrize(
    "predict, health",
    [
        ("/predict", "/health"),  # the original sample's
        ("/v1/endpoints/123/deployedModels/456:predict", "/v1/endpoints/123/deployedModels/456"),  # Vertex's defaults
        ("/predictions/tr_en", "/ping"),  # TorchServe's own
    ],
)
def test_serves_the_two_routes_it_is_given_and_no_other(upstream, predict, health):
    app = Edge(upstream.url, predict, health, management_status(upstream), LIMIT, 5, 2)
    server = EdgeServer(app, bind("127.0.0.1", free_port()), header_timeout=5, max_connections=64)
    server.start()
    url = f"http://127.0.0.1:{server.address[1]}"
    try:
        upstream.received.clear()
        answer = requests.post(url + predict, json={"instances": ["Bu odun yanmaz."]}, timeout=10)
        assert answer.status_code == 200 and answer.json() == {"predictions": [34]}
        # Always to TorchServe's own route, whatever the public one is.
        assert upstream.received == [("/predictions/tr_en", "application/json", b'{"instances": ["Bu odun yanmaz."]}')]
        assert requests.get(url + health, timeout=10).json() == {"status": "Healthy"}
        others = {"/predict", "/health", "/predictions/tr_en", "/ping", "/models", "/metrics", "/"} - {predict, health}
        for path in others:
            assert requests.post(url + path, json={}, timeout=10).status_code == 404, path
            assert requests.get(url + path, timeout=10).status_code == 404, path
        assert requests.get(url + predict, timeout=10).status_code == 405
        assert requests.post(url + health, timeout=10).status_code == 405
    finally:
        server.stop()


def test_a_json_body_sent_as_form_data_is_forwarded_as_json(edge, upstream):
    upstream.received.clear()
    # curl -d without a Content-Type, as the original sample's curl sends it.
    body = b'{"instances": ["Bu odun yanmaz."]}'
    answer = requests.post(edge.url + "/predict", data=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)  # fmt: skip
    assert answer.status_code == 200
    assert upstream.received[-1] == ("/predictions/tr_en", "application/json", body)
    # Real form data stays form data (TorchServe's handler answers it), and other types pass as they are.
    assert json_if_form(b"application/x-www-form-urlencoded", b"text=Merhaba") == b"application/x-www-form-urlencoded"
    assert json_if_form(b"application/x-www-form-urlencoded; charset=utf-8", b"[1]") == b"application/json"
    assert json_if_form(b"text/plain", b"[1]") == b"text/plain"
    assert json_if_form(None, b"[1]") is None


def test_an_oversize_content_length_gets_413_before_the_body_is_read(edge, upstream):
    upstream.received.clear()
    head = f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {LIMIT + 1}\r\n\r\n"
    # Only the head is sent: the answer comes without the body, and the connection is closed.
    answer = raw(edge.url, head.encode())
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()
    assert f"over the limit of {LIMIT} bytes".encode() in answer
    assert upstream.received == []


def test_a_chunked_body_is_cut_off_at_the_limit(edge, upstream):
    upstream.received.clear()
    head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"x" * 1024
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8))  # 8 KiB, never ended
    answer = raw(edge.url, head + chunks)
    assert answer.startswith(b"HTTP/1.1 413 ") and upstream.received == []
    # Within the limit, a chunked body is forwarded whole, trailers and all.
    body = b'{"instances": ["Bu odun yanmaz."]}'
    ok = raw(edge.url, head + b"%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(body), body))
    assert ok.startswith(b"HTTP/1.1 200 ") and upstream.received[-1][2] == body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",  # bad chunk size
        b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc",
        b"GARBAGE\r\n\r\n",
        b"POST /predict HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70000,  # a head past 64 KiB, still growing
    ],
    ids=["bad-chunk-size", "two-lengths", "no-request-line", "huge-head"],
)
def test_malformed_http_gets_400_and_the_server_goes_on(edge, request_bytes):
    answer = raw(edge.url, request_bytes)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert requests.post(edge.url + "/predict", json={"instances": ["a"]}, timeout=10).status_code == 200


def test_a_body_that_never_arrives_gets_408(edge, upstream):
    head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    started = time.monotonic()
    answer = raw(edge.url, head)
    assert answer.startswith(b"HTTP/1.1 408 ") and 1.5 < time.monotonic() - started < 8


def test_a_dead_worker_is_a_503_to_send_again(edge):
    answer = requests.post(edge.url + "/predict", json={"instances": ["die"]}, timeout=10)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert "send it again" in answer.json()["error"]


def test_health_follows_the_workers_status(edge, upstream):
    try:
        upstream.worker_status = "UNLOADING"
        time.sleep(1.1)  # the edge asks the management API at most once a second
        answer = requests.get(edge.url + "/health", timeout=10)
        assert answer.status_code == 503 and "not loaded" in answer.json()["status"]
    finally:
        upstream.worker_status = "READY"
    time.sleep(1.1)
    assert requests.get(edge.url + "/health", timeout=10).status_code == 200


def test_an_unreachable_model_server_is_a_503_to_send_again(upstream):
    app = Edge(f"http://127.0.0.1:{free_port()}", "/predict", "/health", management_status(upstream), LIMIT, 5, 2)
    server = EdgeServer(app, bind("127.0.0.1", free_port()), header_timeout=5, max_connections=64)
    server.start()
    try:
        answer = requests.post(f"http://127.0.0.1:{server.address[1]}/predict", json={"instances": ["a"]}, timeout=10)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    finally:
        server.stop()


def test_draining_refuses_new_requests_and_finishes_those_in_flight(upstream):
    app = Edge(upstream.url, "/predict", "/health", management_status(upstream), LIMIT, 10, 2)
    server = EdgeServer(app, bind("127.0.0.1", free_port()), header_timeout=5, max_connections=64)
    server.start()
    url = f"http://127.0.0.1:{server.address[1]}"
    upstream.delay = 1.5
    try:
        with ThreadPoolExecutor(3) as pool:
            in_flight = [pool.submit(requests.post, url + "/predict", json={"instances": [str(i)]}, timeout=30)
                         for i in range(3)]  # fmt: skip
            deadline = time.monotonic() + 10
            while app.in_flight < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert app.in_flight == 3
            app.start_draining()
            started = time.monotonic()
            assert requests.get(url + "/health", timeout=10).status_code == 503
            refused = requests.post(url + "/predict", json={"instances": ["late"]}, timeout=10)
            assert time.monotonic() - started < 1, "a refusal is never held"
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
            assert "shutting down" in refused.json()["error"]
            assert [f.result().status_code for f in in_flight] == [200, 200, 200]
        # A request leaves the count once its answer is sent, which a client may read a moment sooner.
        deadline = time.monotonic() + 5
        while app.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert app.in_flight == 0
    finally:
        upstream.delay = 0.0
        server.stop()


@pytest.mark.slow
def test_slow_clients_that_never_finish_their_headers_do_not_delay_a_good_request(edge):
    host, port = edge.url.removeprefix("http://").split(":")
    slow = []
    try:
        for _ in range(300):
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never the rest
            slow.append(s)
        started = time.monotonic()
        answer = requests.post(edge.url + "/predict", json={"instances": ["Bu odun yanmaz."]}, timeout=10)
        assert answer.status_code == 200 and time.monotonic() - started < 3
        # The header deadline (1 s here) closes them: each read sees the end of the stream.
        time.sleep(1.5)
        for s in slow:
            s.settimeout(5)
            assert s.recv(100) == b""
    finally:
        for s in slow:
            s.close()


def test_the_public_socket_sends_small_writes_at_once():
    """TCP_NODELAY on the listening socket (inherited by each connection) and a TCP proto, on which asyncio
    sets it too: without it a kept-alive client waited for its delayed ACK before each response's body."""
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        sock.close()
