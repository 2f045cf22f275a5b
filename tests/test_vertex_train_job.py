"""vertex.train_job against the Vertex REST stand-in."""

from __future__ import annotations

import pytest

from tests.vertex_standin import accelerator_name
from vertex import train_job

PARENT = "projects/proj/locations/us-central1"


def run(vertex, *argv: str) -> int:
    return train_job.main(["--project", "proj", "--api-endpoint", vertex.url, "--image-uri", "trainer:7", *argv])


def test_worker_pool_and_output_dir(vertex, capsys):
    code = run(
        vertex,
        "--base-output-dir", "gs://bucket/runs/r1", "--machine-type", "n1-standard-8",
        "--accelerator-type", "NVIDIA_TESLA_V100", "--accelerator-count", "2", "--env", "HF_HUB_OFFLINE=1",
        "--display-name", "finetune-r1",
        "--", "--train_file", "gs://bucket/data/train.jsonl", "--num_train_epochs", "3",
    )  # fmt: skip
    assert code == 0
    job = vertex.body("POST", f"{PARENT}/customJobs")
    assert job["displayName"] == "finetune-r1"
    spec = job["jobSpec"]
    assert spec["baseOutputDirectory"] == {"outputUriPrefix": "gs://bucket/runs/r1"}
    (pool,) = spec["workerPoolSpecs"]
    assert pool["machineSpec"]["machineType"] == "n1-standard-8"
    assert accelerator_name(pool["machineSpec"]["acceleratorType"]) == "NVIDIA_TESLA_V100"
    assert pool["machineSpec"]["acceleratorCount"] == 2
    assert pool["replicaCount"] == "1"  # int64: a string in proto3 JSON
    assert pool["containerSpec"] == {
        "imageUri": "trainer:7",
        "command": ["python3", "-m", "training.finetune"],
        "args": ["--train_file", "gs://bucket/data/train.jsonl", "--num_train_epochs", "3"],
        "env": [{"name": "HF_HUB_OFFLINE", "value": "1"}],
    }
    out = capsys.readouterr().out
    assert f"job:    {PARENT}/customJobs/" in out
    assert "https://console.cloud.google.com/vertex-ai/locations/us-central1/training/" in out
    assert "output: gs://bucket/runs/r1" in out
    assert [r.method for r in vertex.requests] == ["POST"]  # submitted, not waited for


def test_more_replicas_make_a_chief_and_a_worker_pool(vertex):
    assert run(vertex, "--base-output-dir", "gs://b/r", "--replica-count", "3") == 0
    pools = vertex.body("POST", "customJobs")["jobSpec"]["workerPoolSpecs"]
    assert [p["replicaCount"] for p in pools] == ["1", "2"]
    assert pools[0]["containerSpec"] == pools[1]["containerSpec"]
    assert pools[0]["machineSpec"] == {"machineType": "n1-standard-4"}


def test_staging_bucket_gives_a_dated_output_dir(vertex):
    assert run(vertex, "--staging-bucket", "gs://stage") == 0
    prefix = vertex.body("POST", "customJobs")["jobSpec"]["baseOutputDirectory"]["outputUriPrefix"]
    assert prefix.startswith("gs://stage/aiplatform-custom-job-")


def test_wait_follows_the_job_to_its_end(vertex, capsys):
    assert run(vertex, "--base-output-dir", "gs://b/r", "--wait", "--poll-interval", "0.01") == 0
    assert "state:  JOB_STATE_SUCCEEDED" in capsys.readouterr().out
    vertex.custom_final_state = "JOB_STATE_FAILED"
    assert run(vertex, "--base-output-dir", "gs://b/r", "--wait", "--poll-interval", "0.01") == 1


def test_command_can_be_replaced(vertex):
    assert run(vertex, "--base-output-dir", "gs://b/r", "--command", "python -m training.finetune --fp16") == 0
    container = vertex.body("POST", "customJobs")["jobSpec"]["workerPoolSpecs"][0]["containerSpec"]
    assert container["command"] == ["python", "-m", "training.finetune", "--fp16"] and "args" not in container


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "no output folder given: pass --base-output-dir or set VERTEX_BASE_OUTPUT_DIR, or give a staging "
             "bucket (pass --staging-bucket or set VERTEX_STAGING_BUCKET)"),
        (["--base-output-dir", "runs/r1"], "--base-output-dir must be a gs:// folder, not runs/r1"),
        (["--base-output-dir", "gs://b/r", "--replica-count", "0"], "--replica-count must be a positive integer, not '0'"),
    ],
)  # fmt: skip
def test_bad_settings_exit_2(vertex, capsys, argv, message):
    assert run(vertex, *argv) == 2
    assert capsys.readouterr().err.startswith(f"python -m vertex.train_job: error: {message}")
    assert vertex.requests == []


def test_missing_image(vertex, capsys):
    assert train_job.main(["--project", "p", "--api-endpoint", vertex.url, "--base-output-dir", "gs://b/r"]) == 2
    err = capsys.readouterr().err
    assert (
        "no training container image URI (with this repo installed) given: pass --image-uri or set TRAINING_IMAGE_URI"
        in err
    )


def test_trainer_flags_after_double_dash_are_not_ours(vertex):
    # --project after -- belongs to the trainer, so ours is still missing.
    assert train_job.main(["--image-uri", "i", "--api-endpoint", vertex.url, "--", "--project", "x"]) == 2
