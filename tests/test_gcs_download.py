"""handler/gcs_download.py against the real Cloud Storage emulator behind a fault-injecting proxy.

The proxy sits on loopback between google-cloud-storage and the emulator (STORAGE_EMULATOR_HOST
points at it) and spoils the first downloads: an error status, a connection reset halfway
through the body, a stall longer than the read timeout, a damaged byte.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from handler import gcs_download
from handler.gcs_download import GcsDownloadError, download_blob, download_folder

REPO_ROOT = Path(__file__).resolve().parent.parent
FAST = {"first_delay": 0.01}
TIMEOUT = (2.0, 1.0)
PAYLOAD = bytes(range(256)) * 4000  # 1 MB, so that a reset lands mid-body


class FaultyProxy:
    """Forwards to the emulator; a request whose path holds a key of `faults` takes that list's next fault.

    "alt=media" is a download of an object's bytes, "/o?" a listing.
    """

    def __init__(self, upstream: str, faults: dict[str, list[Any]], stall: float = 3.0):
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.faults = {target: list(queue) for target, queue in faults.items()}
        self.stall = stall
        self.hits: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_fault(self, path: str) -> Any:
        with self.lock:
            queue = next((q for target, q in self.faults.items() if target in path), [])
            fault = queue.pop(0) if queue else None
            self.hits.append((path, fault))
            return fault

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = proxy.next_fault(self.path)
                if isinstance(fault, int):
                    data = json.dumps({"error": {"code": fault, "message": f"injected {fault}"}}).encode()
                    return self._send(fault, {"Content-Type": "application/json"}, data)
                if fault == "stall":
                    time.sleep(proxy.stall)
                    return self._reset()
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                keep = {k: v for k, v in response.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection")}
                upstream.close()
                if fault == "reset":
                    self.send_response(response.status)
                    for k, v in keep.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    return self._reset()
                # Objects' mediaLink names the emulator: point it here, as it names the real service there.
                data = data.replace(f"{proxy.upstream[0]}:{proxy.upstream[1]}".encode(), proxy.url[7:].encode())
                if fault == "corrupt" and data:
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                self._send(response.status, keep, data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

            def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reset(self) -> None:
                # SO_LINGER 0: close with RST, as a dropped connection looks to the client.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def faulty(gcs_bucket, monkeypatch):
    """Upload helpers and a proxy factory: faulty(faults) puts a proxy in front of the emulator."""
    emulator = os.environ["STORAGE_EMULATOR_HOST"]
    proxies: list[FaultyProxy] = []

    def start(media: list[Any], listing: list[Any] = ()) -> FaultyProxy:
        proxies.append(FaultyProxy(emulator, {"alt=media": media, "/o?": list(listing)}))
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxies[-1].url)
        return proxies[-1]

    yield start
    for proxy in proxies:
        proxy.close()


def upload(bucket: str, name: str, data: bytes) -> None:
    gcs_download.client().bucket(bucket).blob(name).upload_from_string(data)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def test_transient_faults_are_retried_and_the_file_is_whole(gcs_bucket, faulty, tmp_path):
    upload(gcs_bucket, "models/run-7/model.mar", PAYLOAD)
    proxy = faulty([503, "reset", "stall", "corrupt", 429, 502])
    dest = download_blob(f"gs://{gcs_bucket}/models/run-7/model.mar", tmp_path / "tr_en.mar", TIMEOUT,
                         attempts=8, **FAST)  # fmt: skip
    assert dest.read_bytes() == PAYLOAD
    assert leftovers(tmp_path) == []
    media = [fault for path, fault in proxy.hits if "alt=media" in path]
    assert media == [503, "reset", "stall", "corrupt", 429, 502, None]


def test_a_damaged_transfer_never_becomes_the_file(gcs_bucket, faulty, tmp_path):
    upload(gcs_bucket, "m/model.mar", PAYLOAD)
    (tmp_path / "tr_en.mar").write_bytes(b"the archive served before")
    faulty(["corrupt", "reset", "corrupt"])
    with pytest.raises(GcsDownloadError) as caught:
        download_blob(f"gs://{gcs_bucket}/m/model.mar", tmp_path / "tr_en.mar", TIMEOUT, attempts=3, **FAST)
    message = str(caught.value)
    assert message.startswith(f"cannot download gs://{gcs_bucket}/m/model.mar after 3 attempts: DataCorruption")
    assert "\n" not in message
    assert (tmp_path / "tr_en.mar").read_bytes() == b"the archive served before"
    assert leftovers(tmp_path) == []


def test_persistent_errors_give_up_with_one_sentence(gcs_bucket, faulty, tmp_path):
    upload(gcs_bucket, "m/model.mar", PAYLOAD)
    proxy = faulty([503] * 10)
    with pytest.raises(GcsDownloadError) as caught:
        download_blob(f"gs://{gcs_bucket}/m/model.mar", tmp_path / "x.mar", TIMEOUT, attempts=4, **FAST)
    assert str(caught.value).startswith(f"cannot download gs://{gcs_bucket}/m/model.mar after 4 attempts: ServiceUnavailable: 503")
    assert len([h for h in proxy.hits if "alt=media" in h[0]]) == 4
    assert not (tmp_path / "x.mar").exists() and leftovers(tmp_path) == []


def test_a_missing_object_fails_at_once(gcs_bucket, faulty, tmp_path):
    proxy = faulty([])
    with pytest.raises(GcsDownloadError) as caught:
        download_blob(f"gs://{gcs_bucket}/nothing/here.mar", tmp_path / "x.mar", TIMEOUT, **FAST)
    assert str(caught.value) == f"cannot download gs://{gcs_bucket}/nothing/here.mar: no such object or bucket"
    assert len([path for path, _ in proxy.hits if "/o/nothing" in path]) == 1  # not retried


def test_a_folder_is_downloaded_whole_through_faults(gcs_bucket, faulty, tmp_path):
    files = {"config.json": b"{}", "model.safetensors": PAYLOAD, "sub/vocab.json": b'{"a": 1}'}
    for name, data in files.items():
        upload(gcs_bucket, f"models/run-8/{name}", data)
    proxy = faulty([503, "reset", "corrupt"], listing=[503, "reset"])
    paths = download_folder(f"gs://{gcs_bucket}/models/run-8/", tmp_path / "model", TIMEOUT, **FAST)
    assert sorted(p.relative_to(tmp_path / "model").as_posix() for p in paths) == sorted(files)
    assert {name: (tmp_path / "model" / name).read_bytes() for name in files} == files
    assert [fault for _, fault in proxy.hits if fault] == [503, "reset", 503, "reset", "corrupt"]


def test_the_entrypoint_fetches_its_archive_through_faults_or_names_the_object(gcs_bucket, faulty, tmp_path, monkeypatch):
    from container import model_install
    from container.settings import EntrypointError

    monkeypatch.setattr(gcs_download, "FIRST_DELAY", 0.01)
    monkeypatch.setattr(gcs_download, "TIMEOUT", TIMEOUT)
    upload(gcs_bucket, "models/run-9/model.mar", PAYLOAD)
    faulty([503, "reset", "stall", "corrupt"])
    store = model_install.install_model(f"gs://{gcs_bucket}/models/run-9", tmp_path / "none", tmp_path / "store")
    assert (store / "tr_en.mar").read_bytes() == PAYLOAD

    faulty([503] * 20)
    with pytest.raises(EntrypointError) as caught:
        model_install.install_model(f"gs://{gcs_bucket}/models/run-9", tmp_path / "none", tmp_path / "store2")
    assert f"gs://{gcs_bucket}/models/run-9/model.mar after 5 attempts: ServiceUnavailable" in str(caught.value)
    assert not (tmp_path / "store2" / "tr_en.mar").exists()


def test_a_model_directory_is_fetched_through_faults(gcs_bucket, faulty, tmp_path, monkeypatch):
    from handler import model_source

    monkeypatch.setattr(gcs_download, "FIRST_DELAY", 0.01)
    monkeypatch.setattr(gcs_download, "TIMEOUT", TIMEOUT)
    files = {"config.json": b"{}", "model.safetensors": PAYLOAD, "source.spm": b"spm"}
    for name, data in files.items():
        upload(gcs_bucket, f"jobs/8/model/{name}", data)
    faulty([503, "reset", "corrupt", "stall"])
    target = model_source.download_gcs_folder(f"gs://{gcs_bucket}/jobs/8/model", tmp_path / "model")
    assert {name: (target / name).read_bytes() for name in files} == files
    assert leftovers(target) == []
