"""The serving contract is spelled once per wing (handler/torchserve.py; vertex/common.py) and in the
files that cannot import it (config.properties, the Dockerfile, the Makefile): this pins every copy."""

from __future__ import annotations

import json
import re
import shlex
import zipfile
from pathlib import Path

from container import model_install
from container.settings import LOOPBACK_PORTS, ContainerSettings
from handler import torchserve as server
from handler.torchserve import read_properties
from vertex import batch_local, common

REPO_ROOT = Path(__file__).resolve().parent.parent

DOCKERFILE = (REPO_ROOT / "docker" / "Dockerfile").read_text()


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def test_the_vertex_wing_matches_the_handler_wing():
    assert common.MODEL_NAME == server.MODEL_NAME == "tr_en"
    # The container's defaults, when Vertex names no routes of its own.
    defaults = ContainerSettings.from_env({})
    assert common.PREDICT_ROUTE == server.PREDICT_ROUTE == defaults.predict_route == "/predictions/tr_en"
    assert common.HEALTH_ROUTE == server.HEALTH_ROUTE == defaults.health_route == "/ping"
    assert defaults.http_port == common.CONTAINER_PORT
    assert common.CONTAINER_PORT == server.INFERENCE_PORT
    assert batch_local.DEFAULT_URL == f"http://127.0.0.1:{server.INFERENCE_PORT}{server.PREDICT_ROUTE}"


def test_config_properties_has_the_handler_ports():
    properties = read_properties(server.BASE_CONFIG)
    assert port_of(properties["inference_address"]) == server.INFERENCE_PORT
    assert port_of(properties["management_address"]) == server.MANAGEMENT_PORT
    assert port_of(properties["metrics_address"]) == server.METRICS_PORT
    grpc = (int(properties["grpc_inference_port"]), int(properties["grpc_management_port"]))
    assert grpc == server.GRPC_PORTS
    assert LOOPBACK_PORTS["TS_MANAGEMENT_PORT"] == server.MANAGEMENT_PORT
    # The by-hand `torchserve --ts-config config.properties` reads the file the package ships.
    assert (REPO_ROOT / "config.properties").resolve() == server.BASE_CONFIG


def test_the_dockerfile_serves_what_vertex_is_told():
    assert re.search(r"^EXPOSE (\d+)$", DOCKERFILE, re.M).group(1) == str(common.CONTAINER_PORT)
    # Vertex sets every AIP_ variable; the port's default lives in the entrypoint (checked above).
    assert not re.search(r"\bAIP_\w*=", DOCKERFILE)
    # The container package's modules, run by name: the probe and the entry point.
    healthcheck = re.search(r"^HEALTHCHECK .* CMD (\[.*\])$", DOCKERFILE, re.M).group(1)
    assert json.loads(healthcheck) == shlex.split(common.READINESS_COMMAND)
    assert shlex.split(common.READINESS_COMMAND)[1:] == ["-m", "container.readiness"]
    entrypoint = re.search(r"^ENTRYPOINT (\[.*\])$", DOCKERFILE, re.M).group(1)
    assert json.loads(entrypoint)[1:] == ["-m", "container.entrypoint"]


def test_the_makefile_prints_the_served_url():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert f"http://127.0.0.1:{server.INFERENCE_PORT}{server.PREDICT_ROUTE}" in makefile
    # make serve is the container's entrypoint on loopback, edge included, on that port and route.
    serve = re.search(r"^serve:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "-m container.entrypoint --host 127.0.0.1" in serve
    assert f"AIP_HTTP_PORT={server.INFERENCE_PORT} AIP_PREDICT_ROUTE={server.PREDICT_ROUTE}" in serve


def test_archives_register_the_model_name(tiny_archive):
    manifest = json.loads(zipfile.ZipFile(tiny_archive).read("MAR-INF/MANIFEST.json"))
    assert manifest["model"]["modelName"] == server.MODEL_NAME
    assert tiny_archive.name == f"{server.MODEL_NAME}.mar" == model_install.ARCHIVE
