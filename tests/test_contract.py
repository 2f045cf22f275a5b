"""The serving contract is spelled once per wing (handler/torchserve.py; vertex/common.py) and in the
files that cannot import it (config.properties, the Dockerfile, the Makefile): this pins every copy."""

from __future__ import annotations

import json
import re
import shlex
import sys
import zipfile
from pathlib import Path

from handler import torchserve as server
from handler.torchserve import read_properties
from vertex import batch_local, common

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "docker"))

import entrypoint  # noqa: E402
import readiness  # noqa: E402

DOCKERFILE = (REPO_ROOT / "docker" / "Dockerfile").read_text()


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def test_the_vertex_wing_matches_the_handler_wing():
    assert common.MODEL_NAME == server.MODEL_NAME == "tr_en"
    assert common.PREDICT_ROUTE == server.PREDICT_ROUTE == entrypoint.PREDICT_ROUTE == "/predictions/tr_en"
    assert common.HEALTH_ROUTE == server.HEALTH_ROUTE == entrypoint.HEALTH_ROUTE == "/ping"
    assert common.CONTAINER_PORT == server.INFERENCE_PORT
    assert batch_local.DEFAULT_URL == f"http://127.0.0.1:{server.INFERENCE_PORT}{server.PREDICT_ROUTE}"


def test_config_properties_has_the_handler_ports():
    properties = read_properties(server.BASE_CONFIG)
    assert port_of(properties["inference_address"]) == server.INFERENCE_PORT
    assert port_of(properties["management_address"]) == server.MANAGEMENT_PORT
    assert port_of(properties["metrics_address"]) == server.METRICS_PORT
    grpc = (int(properties["grpc_inference_port"]), int(properties["grpc_management_port"]))
    assert grpc == server.GRPC_PORTS
    assert entrypoint.LOOPBACK_PORTS["TS_MANAGEMENT_PORT"] == server.MANAGEMENT_PORT


def test_the_dockerfile_serves_what_vertex_is_told():
    assert re.search(r"^EXPOSE (\d+)$", DOCKERFILE, re.M).group(1) == str(common.CONTAINER_PORT)
    # Vertex sets AIP_HTTP_PORT (no Dockerfile may); without it the entrypoint serves on this port.
    assert "AIP_HTTP_PORT" not in DOCKERFILE and server.INFERENCE_PORT == common.CONTAINER_PORT
    healthcheck = re.search(r"^HEALTHCHECK .* CMD (\[.*\])$", DOCKERFILE, re.M).group(1)
    assert json.loads(healthcheck) == shlex.split(common.READINESS_COMMAND)
    # The probe's path is where the Dockerfile puts the script.
    workdir = re.search(r"^WORKDIR (\S+)$", DOCKERFILE, re.M).group(1)
    copied = re.search(r"^COPY (docker/.*) docker/$", DOCKERFILE, re.M).group(1).split()
    assert {"docker/entrypoint.py", "docker/front_door.py", f"docker/{Path(readiness.__file__).name}"} <= set(copied)
    assert shlex.split(common.READINESS_COMMAND)[1] == f"{workdir}/docker/{Path(readiness.__file__).name}"


def test_the_makefile_prints_the_served_url():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert f"http://127.0.0.1:{server.INFERENCE_PORT}{server.PREDICT_ROUTE}" in makefile


def test_archives_register_the_model_name(tiny_archive):
    manifest = json.loads(zipfile.ZipFile(tiny_archive).read("MAR-INF/MANIFEST.json"))
    assert manifest["model"]["modelName"] == server.MODEL_NAME
    assert tiny_archive.name == f"{server.MODEL_NAME}.mar" == entrypoint.ARCHIVE
