"""vertex.predict against the Vertex REST stand-in: echoing, and forwarding to a real TorchServe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.vertex_standin import VertexStandIn, clear_vertex_env
from vertex import predict

REPO_EXAMPLES = Path(__file__).resolve().parent.parent / "vertex" / "examples"
PARENT = "projects/proj/locations/us-central1"


def run(vertex, endpoint: str, *argv: str) -> int:
    return predict.main(["--project", "proj", "--api-endpoint", vertex.url, "--endpoint", endpoint, *argv])


def test_sentences_are_sent_as_instances_and_predictions_printed(vertex, capsys):
    endpoint = vertex.add_endpoint(PARENT, "tr-en")
    assert run(vertex, endpoint.rsplit("/", 1)[1], "Bu odun yanmaz.", "Kedi uyuyor.") == 0
    assert vertex.body("POST", f"{endpoint}:predict") == {"instances": ["Bu odun yanmaz.", "Kedi uyuyor."]}
    assert capsys.readouterr().out.splitlines() == ['echo: "Bu odun yanmaz."', 'echo: "Kedi uyuyor."']


def test_instances_file_and_parameters(vertex, capsys):
    endpoint = vertex.add_endpoint(PARENT, "tr-en")
    assert run(vertex, endpoint, "--instances-file", str(REPO_EXAMPLES / "instances_test.json"),
               "--parameters", '{"num_beams": 4}', "Son.") == 0  # fmt: skip
    body = vertex.body("POST", f"{endpoint}:predict")
    shipped = json.loads((REPO_EXAMPLES / "instances_test.json").read_text(encoding="utf-8"))["instances"]
    assert body["instances"] == [*shipped, "Son."]
    # The SDK sends parameters as protobuf Values: every number becomes a double, 4 -> 4.0.
    assert body["parameters"] == {"num_beams": 4.0} and isinstance(body["parameters"]["num_beams"], float)
    assert len(capsys.readouterr().out.splitlines()) == len(shipped) + 1


def test_json_prints_the_whole_response(vertex, capsys):
    endpoint = vertex.add_endpoint(PARENT, "tr-en")
    assert run(vertex, endpoint, "--json", "Bir.") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["predictions"] == ['echo: "Bir."'] and "deployedModelId" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "nothing to translate: give sentences as arguments or --instances-file"),
        (["--parameters", "[4]", "x"], "--parameters must be a JSON object like"),
        (["--parameters", "{num_beams: 4}", "x"], "--parameters not valid JSON"),
        (["--instances-file", "/nonexistent.json"], "cannot read --instances-file"),
    ],
)
def test_bad_input_is_one_sentence_exit_2(vertex, capsys, argv, message):
    assert run(vertex, "123", *argv) == 2
    assert capsys.readouterr().err.startswith(f"python -m vertex.predict: error: {message}")
    assert vertex.requests == []


def test_missing_endpoint_names_flag_and_variable(vertex, capsys):
    assert predict.main(["--project", "p", "--api-endpoint", vertex.url, "x"]) == 2
    assert "no endpoint id or resource name given: pass --endpoint or set VERTEX_ENDPOINT" in capsys.readouterr().err


@pytest.mark.torchserve
def test_translations_come_from_the_server_behind_the_endpoint(torchserve, monkeypatch, capsys, tmp_path):
    url = torchserve.inference_address + "/predictions/tr_en"
    clear_vertex_env(monkeypatch)
    instances = ["Bu odun yanmaz.", ["Kedi uyuyor.", "Ev büyük."], {"text": "Çocuk okula gidiyor."}]
    direct = requests.post(url, json={"instances": instances}, timeout=60).json()["predictions"]
    with VertexStandIn(predict_url=url) as vertex:
        endpoint = vertex.add_endpoint(PARENT, "tr-en")
        instances_file = tmp_path / "instances.json"
        instances_file.write_text(json.dumps({"instances": instances}), encoding="utf-8")
        assert run(vertex, endpoint, "--instances-file", str(instances_file)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [direct[0], json.dumps(direct[1], ensure_ascii=False), direct[2]]


@pytest.mark.torchserve
def test_server_refusal_is_reported(torchserve, monkeypatch, capsys):
    clear_vertex_env(monkeypatch)
    with VertexStandIn(predict_url=torchserve.inference_address + "/predictions/tr_en") as vertex:
        endpoint = vertex.add_endpoint(PARENT, "tr-en")
        assert run(vertex, endpoint, "") == 1
    err = capsys.readouterr().err
    assert "error: Vertex AI answered 400" in err and "instances[0] is empty or only whitespace" in err
