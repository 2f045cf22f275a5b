"""A stand-in for the few Vertex AI v1 REST methods the vertex/ scripts call.

The real google-cloud-aiplatform client talks to it (REST transport, anonymous credentials)
through `--api-endpoint http://127.0.0.1:PORT`. It records every request so tests can assert on
the exact JSON the client sends, and answers with just enough of each resource for the SDK to
carry on. Paths, methods and shapes were taken from the SDK's generated REST transports
(`aiplatform_v1/services/*/transports/rest_base.py`) and checked by running the SDK against it.

Long-running operations come back done at once unless `operation_polls` asks for pending
answers first (the SDK then polls `GET .../operations/{id}`). A batch prediction job moves one
state per GET: PENDING, RUNNING, then `batch_final_state` with `batch_stats`; a custom job
likewise ends in `custom_final_state`, and so does a hyperparameter tuning job.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TYPE_PREFIX = "type.googleapis.com/google.cloud.aiplatform.v1."
PARENT = r"projects/[^/]+/locations/[^/:]+"
LOCATION = rf"/v1/(?P<parent>{PARENT})"
COLLECTIONS = "models|endpoints|batchPredictionJobs|customJobs|hyperparameterTuningJobs"
CREATE_TIME = "2025-01-01T00:00:00Z"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


class StandInError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class VertexStandIn:
    """Start with `with VertexStandIn() as vertex:`; `vertex.url` is the API endpoint."""

    # Where :predict forwards instances (a real TorchServe); None echoes them back.
    predict_url: str | None = None
    operation_polls: int = 0
    batch_final_state: str = "JOB_STATE_SUCCEEDED"
    batch_stats: dict[str, str] = field(
        default_factory=lambda: {"successfulCount": "5", "failedCount": "0", "incompleteCount": "0"}
    )
    batch_partial_failures: list[dict[str, Any]] = field(default_factory=list)
    custom_final_state: str = "JOB_STATE_SUCCEEDED"
    requests: list[RecordedRequest] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self._operations: dict[str, dict[str, Any]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._routes = [
            ("POST", rf"{LOCATION}/models:upload", self._upload_model),
            # The REST transport's operations client polls under /ui/, the first URI its bindings list.
            ("GET", r"/(?:v1|ui)/(?P<name>.+/operations/[^/:]+)", self._get_operation),
            ("GET", rf"/v1/(?P<name>{PARENT}/(?:{COLLECTIONS})/[^/:]+)", self._get_resource),
            ("POST", rf"{LOCATION}/endpoints", self._create_endpoint),
            ("GET", rf"{LOCATION}/endpoints", self._list_endpoints),
            ("POST", r"/v1/(?P<name>.+/endpoints/[^/:]+):deployModel", self._deploy_model),
            ("POST", r"/v1/(?P<name>.+/endpoints/[^/:]+):undeployModel", self._undeploy_model),
            ("POST", r"/v1/(?P<name>.+/endpoints/[^/:]+):predict", self._predict),
            ("POST", rf"{LOCATION}/batchPredictionJobs", self._create_batch_job),
            ("POST", rf"{LOCATION}/customJobs", self._create_custom_job),
            ("POST", rf"{LOCATION}/hyperparameterTuningJobs", self._create_tuning_job),
        ]  # fmt: skip

    # --- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> VertexStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> VertexStandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- what tests read -------------------------------------------------------------------
    def calls(self, method: str, path_suffix: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path ends with `path_suffix`."""
        return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]

    def body(self, method: str, path_suffix: str) -> Any:
        """The JSON body of the one request matching; fails when there is not exactly one."""
        matches = self.calls(method, path_suffix)
        assert len(matches) == 1, f"{len(matches)} {method} requests end with {path_suffix}: {self.paths()}"
        return matches[0].body

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def add_endpoint(self, parent: str, display_name: str) -> str:
        """Pre-create an endpoint (as if made by an earlier deploy); returns its resource name."""
        name = f"{parent}/endpoints/{next(self._ids)}"
        self.resources[name] = {"name": name, "displayName": display_name, "createTime": CREATE_TIME}
        return name

    # --- dispatch ----------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, body: Any) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, body))
        for route_method, pattern, action in self._routes:
            match = re.fullmatch(pattern, path)
            if route_method == method and match:
                try:
                    with self._lock:
                        return HTTPStatus.OK, action(body=body, query=query, **match.groupdict())
                except StandInError as e:
                    return e.status, _error(e.status, str(e))
        return HTTPStatus.NOT_FOUND, _error(HTTPStatus.NOT_FOUND, f"stand-in has no route for {method} {path}")

    def _new_name(self, parent: str, collection: str) -> str:
        return f"{parent}/{collection}/{next(self._ids)}"

    def _operation(self, resource_name: str, response_type: str, response: dict[str, Any]) -> dict[str, Any]:
        name = f"{resource_name}/operations/{next(self._ids)}"
        operation = {"name": name, "done": True, "response": {"@type": TYPE_PREFIX + response_type, **response}}
        self._operations[name] = {"operation": operation, "pending": self.operation_polls}
        return self._get_operation(name=name) if self.operation_polls == 0 else {"name": name}

    def _get_operation(self, name: str, **_: Any) -> dict[str, Any]:
        entry = self._operations.get(name)
        if entry is None:
            raise StandInError(HTTPStatus.NOT_FOUND, f"operation {name} not found")
        if entry["pending"] > 0:
            entry["pending"] -= 1
            return {"name": name}
        return entry["operation"]

    def _get_resource(self, name: str, **_: Any) -> dict[str, Any]:
        # The SDK reads a model as `models/{id}@{version}`.
        resource = self.resources.get(name.partition("@")[0])
        if resource is None:
            raise StandInError(HTTPStatus.NOT_FOUND, f"{name} not found")
        if "/batchPredictionJobs/" in name:
            self._advance_batch_job(resource)
        elif "/customJobs/" in name or "/hyperparameterTuningJobs/" in name:
            resource["state"] = _next_state(resource["state"], self.custom_final_state)
        return resource

    # --- models and endpoints --------------------------------------------------------------
    def _upload_model(self, parent: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        if body.get("parentModel"):
            return self._upload_version(body["parentModel"], body)
        name = self._new_name(parent, "models")
        # What Vertex reports for a custom-container model; without DEDICATED_RESOURCES the SDK's
        # deploy() drops machine type and accelerators with a warning.
        self.resources[name] = {
            **body["model"], "name": name, "versionId": "1", "createTime": CREATE_TIME,
            "supportedDeploymentResourcesTypes": ["DEDICATED_RESOURCES"],
            "supportedInputStorageFormats": ["jsonl", "bigquery", "csv", "tf-record", "tf-record-gzip", "file-list"],
            "supportedOutputStorageFormats": ["jsonl", "bigquery"],
        }  # fmt: skip
        return self._operation(name, "UploadModelResponse", {"model": name, "modelVersionId": "1"})

    def _upload_version(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """A new version of an existing model: the same resource name, the next version id."""
        model = self.resources.get(name)
        if model is None:
            raise StandInError(HTTPStatus.NOT_FOUND, f"parent model {name} not found")
        version = str(int(model["versionId"]) + 1)
        model.update(body["model"], versionId=version)
        return self._operation(name, "UploadModelResponse", {"model": name, "modelVersionId": version})

    def add_model(self, parent: str, display_name: str) -> str:
        """Pre-create a model (as if uploaded earlier); returns its resource name."""
        name = self._new_name(parent, "models")
        self.resources[name] = {"name": name, "displayName": display_name, "versionId": "1", "createTime": CREATE_TIME}
        return name

    def add_deployed_model(self, endpoint: str, model: str, traffic: int) -> str:
        """Deploy `model` on `endpoint` with `traffic` percent (the others' shares are left as they are)."""
        deployed = {"id": str(next(self._ids)), "model": model, "displayName": "earlier"}
        self.resources[endpoint].setdefault("deployedModels", []).append(deployed)
        self.resources[endpoint].setdefault("trafficSplit", {})[deployed["id"]] = traffic
        return deployed["id"]

    def _create_endpoint(self, parent: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        name = self._new_name(parent, "endpoints")
        self.resources[name] = {**body, "name": name, "createTime": CREATE_TIME}
        return self._operation(name, "Endpoint", self.resources[name])

    def _list_endpoints(self, parent: str, query: dict[str, list[str]], **_: Any) -> dict[str, Any]:
        # Only the filter the scripts send: display_name="...".
        wanted = re.fullmatch(r'display_name="(.*)"', query.get("filter", [""])[0])
        endpoints = [
            r for n, r in self.resources.items()
            if n.startswith(f"{parent}/endpoints/") and (not wanted or r.get("displayName") == wanted.group(1))
        ]  # fmt: skip
        return {"endpoints": endpoints}

    def _deploy_model(self, name: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        endpoint = self.resources.get(name)
        if endpoint is None:
            raise StandInError(HTTPStatus.NOT_FOUND, f"{name} not found")
        deployed = {**body["deployedModel"], "id": str(next(self._ids))}
        endpoint.setdefault("deployedModels", []).append(deployed)
        # The request's key "0" stands for the model being deployed.
        split = body.get("trafficSplit", {})
        endpoint["trafficSplit"] = {(deployed["id"] if k == "0" else k): v for k, v in split.items()}
        return self._operation(name, "DeployModelResponse", {"deployedModel": deployed})

    def _undeploy_model(self, name: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        endpoint = self.resources.get(name)
        if endpoint is None:
            raise StandInError(HTTPStatus.NOT_FOUND, f"{name} not found")
        models = endpoint.get("deployedModels", [])
        if body["deployedModelId"] not in {m["id"] for m in models}:
            raise StandInError(HTTPStatus.NOT_FOUND, f"deployed model {body['deployedModelId']} not found")
        split = body.get("trafficSplit") or {}
        # Vertex refuses a split that leaves traffic on the model going away or does not add up to 100.
        if split.get(body["deployedModelId"]) or (split and sum(split.values()) != 100):
            raise StandInError(HTTPStatus.BAD_REQUEST, f"invalid traffic split {split}")
        endpoint["deployedModels"] = [m for m in models if m["id"] != body["deployedModelId"]]
        endpoint["trafficSplit"] = split
        return self._operation(name, "UndeployModelResponse", {})

    def _predict(self, name: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        endpoint = self.resources.get(name)
        if endpoint is None:
            raise StandInError(HTTPStatus.NOT_FOUND, f"{name} not found")
        if self.predict_url:
            predictions = self._forward(body)
        else:
            predictions = [f"echo: {json.dumps(i, ensure_ascii=False)}" for i in body.get("instances", [])]
        deployed = (endpoint.get("deployedModels") or [{"id": "0", "model": ""}])[0]
        return {"predictions": predictions, "deployedModelId": deployed["id"], "model": deployed.get("model", "")}

    def _forward(self, body: dict[str, Any]) -> list[Any]:
        request = urllib.request.Request(
            self.predict_url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["predictions"]
        except urllib.error.HTTPError as e:
            raise StandInError(e.code, e.read().decode(errors="replace")) from None

    # --- jobs ------------------------------------------------------------------------------
    def _create_batch_job(self, parent: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        name = self._new_name(parent, "batchPredictionJobs")
        self.resources[name] = {**body, "name": name, "state": "JOB_STATE_PENDING", "createTime": CREATE_TIME}
        return self.resources[name]

    def _advance_batch_job(self, job: dict[str, Any]) -> None:
        job["state"] = _next_state(job["state"], self.batch_final_state)
        if job["state"] == self.batch_final_state:
            job["completionStats"] = self.batch_stats
            prefix = job["outputConfig"]["gcsDestination"]["outputUriPrefix"].rstrip("/")
            job["outputInfo"] = {"gcsOutputDirectory": f"{prefix}/prediction-tr-en-2025_01_01T00_00_00_000Z"}
            if self.batch_partial_failures:
                job["partialFailures"] = self.batch_partial_failures
            if self.batch_final_state == "JOB_STATE_FAILED":
                job["error"] = {"code": 3, "message": "stand-in: the job failed"}

    def _create_custom_job(self, parent: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        name = self._new_name(parent, "customJobs")
        self.resources[name] = {**body, "name": name, "state": "JOB_STATE_PENDING", "createTime": CREATE_TIME}
        return self.resources[name]

    def _create_tuning_job(self, parent: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        name = self._new_name(parent, "hyperparameterTuningJobs")
        self.resources[name] = {**body, "name": name, "state": "JOB_STATE_PENDING", "createTime": CREATE_TIME}
        return self.resources[name]


def _next_state(state: str, final: str) -> str:
    order = ["JOB_STATE_PENDING", "JOB_STATE_RUNNING", final]
    return order[min(order.index(state) + 1, 2)]


def _error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": int(status), "message": message, "status": HTTPStatus(status).name}}


def _handler_for(standin: VertexStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, answer = standin.handle(self.command, self.path, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def accelerator_name(value: int | str) -> str:
    """The REST transport asks for `enum-encoding=int`, so enums arrive as numbers: name them."""
    from google.cloud.aiplatform.compat.types import accelerator_type

    AcceleratorType = accelerator_type.AcceleratorType

    return AcceleratorType(value).name if isinstance(value, int) else value


def clear_vertex_env(monkeypatch: Any) -> None:
    """Unset every variable the vertex/ scripts read, so a developer's shell cannot leak into a test."""
    import os

    for name in list(os.environ):
        if name.startswith(("VERTEX_", "TUNE_")) or name in {
            "GOOGLE_CLOUD_PROJECT", "SERVING_IMAGE_URI", "TRAINING_IMAGE_URI", "TRAINING_EXECUTOR_IMAGE_URI",
        }:  # fmt: skip
            monkeypatch.delenv(name)
