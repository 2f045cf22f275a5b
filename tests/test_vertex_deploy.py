"""vertex.deploy and the shared settings, run against the Vertex REST stand-in with the real SDK."""

from __future__ import annotations

import pytest

from tests.vertex_standin import accelerator_name, clear_vertex_env
from vertex import deploy

PARENT = "projects/proj/locations/us-central1"


def run(vertex, *argv: str) -> int:
    return deploy.main(["--project", "proj", "--api-endpoint", vertex.url, "--image-uri", "img:1", *argv])


def test_upload_and_deploy_bodies(vertex, capsys):
    vertex.operation_polls = 1  # one pending answer per operation, so the SDK's polling runs too
    code = run(
        vertex,
        "--artifact-uri", "gs://bucket/models/tr_en/",
        "--env", "TS_WORKERS=2", "--env", "LOG_LEVEL=info",
        "--accelerator-type", "NVIDIA_TESLA_T4", "--accelerator-count", "2",
        "--machine-type", "n1-standard-8", "--min-replicas", "1", "--max-replicas", "3",
        "--startup-probe-period", "20", "--health-probe-timeout", "3",
    )  # fmt: skip
    assert code == 0
    model = vertex.body("POST", f"{PARENT}/models:upload")["model"]
    assert model["displayName"] == "tr-en"
    assert model["artifactUri"] == "gs://bucket/models/tr_en/"
    container = model["containerSpec"]
    assert container["imageUri"] == "img:1"
    assert container["predictRoute"] == "/predictions/tr_en"
    assert container["healthRoute"] == "/ping"
    assert container["ports"] == [{"containerPort": 8080}]
    assert container["env"] == [{"name": "TS_WORKERS", "value": "2"}, {"name": "LOG_LEVEL", "value": "info"}]
    readiness = {"command": ["python3", "-m", "container.readiness"]}
    assert container["startupProbe"] == {"exec": readiness, "periodSeconds": 20, "timeoutSeconds": 10}
    assert container["healthProbe"] == {"exec": readiness, "periodSeconds": 10, "timeoutSeconds": 3}

    assert vertex.body("POST", f"{PARENT}/endpoints") == {"displayName": "tr-en"}
    deployed = vertex.body("POST", ":deployModel")
    resources = deployed["deployedModel"]["dedicatedResources"]
    assert resources["machineSpec"]["machineType"] == "n1-standard-8"
    assert accelerator_name(resources["machineSpec"]["acceleratorType"]) == "NVIDIA_TESLA_T4"
    assert resources["machineSpec"]["acceleratorCount"] == 2
    assert (resources["minReplicaCount"], resources["maxReplicaCount"]) == (1, 3)
    assert deployed["trafficSplit"] == {"0": 100}
    assert deployed["deployedModel"]["model"].startswith(f"{PARENT}/models/")
    # Each of the three operations was polled until done (under /ui/, where the SDK's REST transport polls).
    polls = [r.path for r in vertex.requests if r.method == "GET" and "/operations/" in r.path]
    assert len(polls) == 6 and all(p.startswith("/ui/") for p in polls)

    out = capsys.readouterr().out
    assert f"model:    {PARENT}/models/" in out
    assert "https://console.cloud.google.com/vertex-ai/models/locations/us-central1/models/" in out
    assert "https://console.cloud.google.com/vertex-ai/online-prediction/locations/us-central1/endpoints/" in out


def test_defaults_cpu_machine_and_no_artifact(vertex):
    assert run(vertex) == 0
    model = vertex.body("POST", "models:upload")["model"]
    assert "artifactUri" not in model and "env" not in model["containerSpec"]
    machine = vertex.body("POST", ":deployModel")["deployedModel"]["dedicatedResources"]
    assert machine == {"machineSpec": {"machineType": "n1-standard-4"}, "minReplicaCount": 1, "maxReplicaCount": 1}


def test_reuses_endpoint_found_by_display_name(vertex):
    existing = vertex.add_endpoint(PARENT, "translate")
    assert run(vertex, "--endpoint-display-name", "translate") == 0
    assert vertex.calls("POST", f"{PARENT}/endpoints") == []
    assert vertex.calls("GET", f"{PARENT}/endpoints")[0].query["filter"] == ['display_name="translate"']
    assert len(vertex.calls("POST", f"{existing}:deployModel")) == 1


@pytest.mark.parametrize("form", ["id", "resource name"])
def test_deploys_to_endpoint_given_by_id_or_name(vertex, form):
    existing = vertex.add_endpoint(PARENT, "other")
    given = existing.rsplit("/", 1)[1] if form == "id" else existing
    assert run(vertex, "--endpoint", given) == 0
    assert len(vertex.calls("POST", f"{existing}:deployModel")) == 1
    assert vertex.calls("POST", f"{PARENT}/endpoints") == []


def test_unknown_endpoint_is_one_error_line(vertex, capsys):
    assert run(vertex, "--endpoint", "999") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("python -m vertex.deploy: error: Vertex AI answered 404")


def test_unreachable_api_is_one_error_line(capsys, monkeypatch):
    from handler.torchserve import free_port

    clear_vertex_env(monkeypatch)
    code = deploy.main(["--project", "p", "--image-uri", "i", "--api-endpoint", f"http://127.0.0.1:{free_port()}"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m vertex.deploy: error: cannot reach the Google Cloud API: ")
    assert err.count("\n") == 1


def test_no_deploy_uploads_only(vertex):
    assert run(vertex, "--no-deploy") == 0
    assert len(vertex.calls("POST", "models:upload")) == 1
    assert vertex.calls("POST", ":deployModel") == [] and vertex.calls("GET", f"{PARENT}/endpoints") == []


def test_settings_come_from_the_environment(vertex, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "envproj")
    monkeypatch.setenv("VERTEX_REGION", "europe-west4")
    monkeypatch.setenv("VERTEX_API_ENDPOINT", vertex.url)
    monkeypatch.setenv("SERVING_IMAGE_URI", "env-image:2")
    monkeypatch.setenv("VERTEX_ACCELERATOR_TYPE", "NVIDIA_L4")
    monkeypatch.setenv("VERTEX_MAX_REPLICAS", "4")
    assert deploy.main(["--no-deploy"]) == 0
    upload = vertex.calls("POST", "models:upload")[0]
    assert upload.path == "/v1/projects/envproj/locations/europe-west4/models:upload"
    assert upload.body["model"]["containerSpec"]["imageUri"] == "env-image:2"
    # A flag wins over its variable.
    assert deploy.main(["--no-deploy", "--image-uri", "flag-image:3"]) == 0
    assert vertex.calls("POST", "models:upload")[1].body["model"]["containerSpec"]["imageUri"] == "flag-image:3"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--image-uri", "i"],
            "no Google Cloud project id given: pass --project or set GOOGLE_CLOUD_PROJECT (or VERTEX_PROJECT)",
        ),
        (["--project", "p"], "no serving container image URI given: pass --image-uri or set SERVING_IMAGE_URI"),
        (
            ["--project", "p", "--image-uri", "i", "--accelerator-type", "GPU9000"],
            "unknown --accelerator-type GPU9000; known types: NVIDIA_TESLA_K80",
        ),
        (
            ["--project", "p", "--image-uri", "i", "--accelerator-count", "2"],
            "--accelerator-count 2 needs --accelerator-type",
        ),
        (
            ["--project", "p", "--image-uri", "i", "--min-replicas", "0"],
            "--min-replicas must be a positive integer, not '0'",
        ),
        (
            ["--project", "p", "--image-uri", "i", "--min-replicas", "3", "--max-replicas", "2"],
            "--max-replicas 2 is below --min-replicas 3",
        ),
        (
            ["--project", "p", "--image-uri", "i", "--artifact-uri", "models/"],
            "--artifact-uri must be a gs:// folder holding tr_en.mar or a model directory, not models/",
        ),
        (["--project", "p", "--image-uri", "i", "--env", "NOEQUALS"], "--env 'NOEQUALS' is not KEY=VALUE"),
        (
            ["--project", "p", "--image-uri", "i", "--region", "mars-north1"],
            "--region mars-north1 is not a Vertex AI region",
        ),
    ],
)
def test_bad_settings_stop_with_one_sentence_and_exit_2(vertex, capsys, argv, message):
    assert deploy.main(["--api-endpoint", vertex.url, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"python -m vertex.deploy: error: {message}")
    assert err.count("\n") == 1
    assert vertex.requests == []


def test_bad_variable_is_named(vertex, capsys, monkeypatch):
    monkeypatch.setenv("VERTEX_ACCELERATOR_COUNT", "two")
    assert deploy.main(["--project", "p", "--image-uri", "i"]) == 2
    assert "error: VERTEX_ACCELERATOR_COUNT must be a positive integer, not 'two'" in capsys.readouterr().err


def endpoint_with(vertex, *traffic: int) -> tuple[str, list[str]]:
    """An endpoint serving one earlier model per share of `traffic`; returns its id and their deployed ids."""
    endpoint = vertex.add_endpoint(PARENT, "tr-en")
    model = vertex.add_model(PARENT, "tr-en")
    return endpoint.rsplit("/", 1)[1], [vertex.add_deployed_model(endpoint, model, share) for share in traffic]


def test_canary_then_promotion(vertex, capsys):
    endpoint_id, (old,) = endpoint_with(vertex, 100)
    endpoint = f"{PARENT}/endpoints/{endpoint_id}"
    assert run(vertex, "--endpoint", endpoint_id, "--traffic-percentage", "10") == 0
    assert vertex.body("POST", ":deployModel")["trafficSplit"] == {"0": 10, old: 90}
    (new,) = {m["id"] for m in vertex.resources[endpoint]["deployedModels"]} - {old}
    out = capsys.readouterr().out
    assert f"deployed: {new}" in out and f"traffic:  {old} 90%, {new} 10%" in out
    assert vertex.calls("POST", ":undeployModel") == []

    uploads = len(vertex.calls("POST", "models:upload"))
    promote = ["--project", "proj", "--api-endpoint", vertex.url, "--endpoint", endpoint_id, "--promote", new]
    assert deploy.main(promote) == 0
    assert vertex.body("POST", ":undeployModel") == {"deployedModelId": old, "trafficSplit": {new: 100}}
    assert len(vertex.calls("POST", "models:upload")) == uploads  # nothing uploaded
    assert [m["id"] for m in vertex.resources[endpoint]["deployedModels"]] == [new]
    assert f"traffic:  {new} 100%" in capsys.readouterr().out


def test_undeploy_others_moves_all_traffic_then_removes_them(vertex):
    endpoint_id, old = endpoint_with(vertex, 60, 40)
    assert run(vertex, "--endpoint", endpoint_id, "--undeploy-others") == 0
    # The others keep serving (at 0 %, the SDK leaves them out of the split) until they are undeployed.
    assert vertex.body("POST", ":deployModel")["trafficSplit"] == {"0": 100}
    undeployed = vertex.calls("POST", ":undeployModel")
    (new,) = vertex.resources[f"{PARENT}/endpoints/{endpoint_id}"]["trafficSplit"]
    assert [r.body for r in undeployed] == [{"deployedModelId": o, "trafficSplit": {new: 100}} for o in old]


def test_promoting_a_model_that_is_not_deployed_is_refused(vertex, capsys):
    endpoint_id, (old,) = endpoint_with(vertex, 100)
    promote = ["--project", "proj", "--api-endpoint", vertex.url, "--endpoint", endpoint_id, "--promote", "42"]
    assert deploy.main(promote) == 2
    assert f"deployed model 42 is not on endpoint {PARENT}/endpoints/{endpoint_id}" in (capsys.readouterr().err)
    assert vertex.calls("POST", ":undeployModel") == []


def test_a_canary_needs_a_model_beside_it(vertex, capsys):
    assert run(vertex, "--traffic-percentage", "10") == 2
    assert "--traffic-percentage 10 needs an endpoint that already serves a model" in capsys.readouterr().err
    assert vertex.calls("POST", "models:upload") == []


def test_new_version_of_a_registry_model(vertex):
    parent = vertex.add_model(PARENT, "tr-en")
    parent_id = parent.rsplit("/", 1)[1]
    assert run(vertex, "--parent-model", parent_id, "--version-aliases", "canary", "v2", "--no-is-default-version") == 0
    upload = vertex.body("POST", "models:upload")
    assert upload["parentModel"] == parent
    assert upload["model"]["versionAliases"] == ["canary", "v2"]
    # The deployed model is that version, not the model's default one.
    assert vertex.body("POST", ":deployModel")["deployedModel"]["model"] == f"{parent}@2"


def test_uploaded_versions_are_the_default_unless_told_otherwise(vertex):
    assert run(vertex, "--no-deploy", "--version-aliases", "canary") == 0
    assert vertex.body("POST", "models:upload")["model"]["versionAliases"] == ["canary", "default"]


def test_autoscaling_targets(vertex):
    code = run(
        vertex, "--accelerator-type", "NVIDIA_TESLA_T4", "--min-replicas", "1", "--max-replicas", "4",
        "--autoscaling-target-cpu-utilization", "70", "--autoscaling-target-accelerator-duty-cycle", "80",
    )  # fmt: skip
    assert code == 0
    resources = vertex.body("POST", ":deployModel")["deployedModel"]["dedicatedResources"]
    assert resources["autoscalingMetricSpecs"] == [
        {"metricName": "aiplatform.googleapis.com/prediction/online/cpu/utilization", "target": 70},
        {"metricName": "aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle", "target": 80},
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--undeploy-others", "--traffic-percentage", "10"],
            "--undeploy-others gives the new model all traffic; drop --traffic-percentage 10",
        ),
        (
            ["--autoscaling-target-accelerator-duty-cycle", "50"],
            "--autoscaling-target-accelerator-duty-cycle needs --accelerator-type",
        ),
        (["--promote", "7"], "--promote only moves traffic on --endpoint: it takes no model to upload"),
        (["--version-aliases", "Canary"], "--version-aliases Canary: an alias is lower-case letters"),
        (["--traffic-percentage", "0"], "--traffic-percentage 0 would deploy a model that serves nothing"),
    ],
)
def test_contradicting_rollout_flags_are_refused_before_any_call(vertex, capsys, argv, message):
    assert run(vertex, *argv) == 2
    assert capsys.readouterr().err.startswith(f"python -m vertex.deploy: error: {message}")
    assert vertex.requests == []


def test_a_percentage_out_of_range_is_a_usage_error(vertex, capsys):
    with pytest.raises(SystemExit) as exit_:
        run(vertex, "--traffic-percentage", "101")
    assert exit_.value.code == 2
    assert (
        "argument --traffic-percentage: must be a whole percentage from 0 to 100, not '101'" in capsys.readouterr().err
    )


def test_routes_given_on_the_command_line(vertex):
    assert run(vertex, "--no-deploy", "--predict-route", "/predict", "--health-route", "/health") == 0
    container = vertex.body("POST", "models:upload")["model"]["containerSpec"]
    assert (container["predictRoute"], container["healthRoute"]) == ("/predict", "/health")


def test_a_route_that_is_not_a_path_is_a_usage_error(vertex, capsys):
    with pytest.raises(SystemExit) as exit_:
        run(vertex, "--predict-route", "predict")
    assert exit_.value.code == 2
    assert "argument --predict-route: must be an absolute path such as /predict, not 'predict'" in (
        capsys.readouterr().err
    )
    assert vertex.requests == []


def test_the_original_samples_upload_registers_predict_and_health(vertex):
    """The original sample's upload (its README, "Online predictions in Vertex AI") with the SDK
    pointed at the stand-in: the container it registers is one vertex.deploy can register too."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform

    aiplatform.init(
        project="proj", location="us-central1",
        api_endpoint=vertex.url, api_transport="rest", credentials=AnonymousCredentials(),
    )  # fmt: skip
    # The sample's routes and port, as it passes them.
    aiplatform.Model.upload(
        display_name="custom-finetuning_bert_model_tr_en",
        serving_container_image_uri="img:1",
        serving_container_predict_route="/predict",
        serving_container_health_route="/health",
        serving_container_ports=[8080],
    )
    sample = vertex.body("POST", "models:upload")["model"]["containerSpec"]
    assert (sample["predictRoute"], sample["healthRoute"], sample["ports"]) == (
        "/predict", "/health", [{"containerPort": 8080}],
    )  # fmt: skip

    vertex.requests.clear()
    assert run(vertex, "--no-deploy", "--predict-route", "/predict", "--health-route", "/health") == 0
    ours = vertex.body("POST", "models:upload")["model"]["containerSpec"]
    assert {k: ours[k] for k in ("imageUri", "predictRoute", "healthRoute", "ports")} == sample


def container_env_of(vertex) -> dict[str, str]:
    env = vertex.body("POST", "models:upload")["model"]["containerSpec"].get("env", [])
    return {e["name"]: e["value"] for e in env}


def test_dedicated_endpoint_is_created_and_the_container_gets_its_limits(vertex):
    assert run(vertex, "--dedicated-endpoint", "--env", "LOG_LEVEL=info") == 0
    assert vertex.body("POST", f"{PARENT}/endpoints") == {
        "displayName": "tr-en",
        "dedicatedEndpointEnabled": True,
        "clientConnectionConfig": {"inferenceTimeout": "3600s"},
    }
    assert container_env_of(vertex) == {
        "MAX_REQUEST_BYTES": "10485760", "REQUEST_TIMEOUT_SECONDS": "3600", "LOG_LEVEL": "info",
    }  # fmt: skip
    assert vertex.body("POST", ":deployModel")["deployedModel"]["model"].startswith(f"{PARENT}/models/")


def test_dedicated_endpoint_with_a_shorter_timeout_and_env_overrides(vertex):
    assert run(vertex, "--dedicated-endpoint", "--request-timeout", "900", "--env", "MAX_REQUEST_BYTES=5000000") == 0
    assert vertex.body("POST", f"{PARENT}/endpoints")["clientConnectionConfig"] == {"inferenceTimeout": "900s"}
    # --env wins over the endpoint's limits.
    assert container_env_of(vertex) == {"MAX_REQUEST_BYTES": "5000000", "REQUEST_TIMEOUT_SECONDS": "900"}


def test_a_shared_endpoint_passes_no_limits(vertex):
    assert run(vertex) == 0
    assert "dedicatedEndpointEnabled" not in vertex.body("POST", f"{PARENT}/endpoints")
    assert container_env_of(vertex) == {}  # the container's own defaults are a shared endpoint's


def test_an_existing_dedicated_endpoint_gives_the_container_its_limits(vertex):
    name = vertex.add_endpoint(PARENT, "tr-en")
    vertex.resources[name]["dedicatedEndpointEnabled"] = True
    assert run(vertex) == 0
    assert vertex.calls("POST", f"{PARENT}/endpoints") == []
    assert container_env_of(vertex)["MAX_REQUEST_BYTES"] == "10485760"
    assert vertex.body("POST", ":deployModel")["deployedModel"]["model"].startswith(f"{PARENT}/models/")


def test_dedicated_flag_refuses_an_existing_shared_endpoint(vertex, capsys):
    name = vertex.add_endpoint(PARENT, "tr-en")
    assert run(vertex, "--dedicated-endpoint") == 2
    err = capsys.readouterr().err
    assert f"--dedicated-endpoint: endpoint {name} is a shared endpoint" in err
    assert vertex.calls("POST", "models:upload") == []


def test_request_timeout_needs_a_dedicated_endpoint(vertex, capsys):
    assert run(vertex, "--request-timeout", "600") == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m vertex.deploy: error: --request-timeout needs --dedicated-endpoint")
    assert vertex.requests == []


@pytest.mark.parametrize("value", ["0", "3601", "ten"])
def test_request_timeout_out_of_range_is_a_usage_error(vertex, capsys, value):
    with pytest.raises(SystemExit) as exit_:
        run(vertex, "--dedicated-endpoint", "--request-timeout", value)
    assert exit_.value.code == 2
    assert f"must be whole seconds from 1 to 3600, not '{value}'" in capsys.readouterr().err
