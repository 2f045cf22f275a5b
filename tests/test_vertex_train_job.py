"""vertex.train_job against the Vertex REST stand-in."""

from __future__ import annotations

import pytest

from tests.vertex_standin import accelerator_name
from vertex import train_job

PARENT = "projects/proj/locations/us-central1"
PREBUILT = "us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest"


def run(vertex, *argv: str) -> int:
    return train_job.main(["--project", "proj", "--api-endpoint", vertex.url, "--image-uri", "trainer:7", *argv])


@pytest.mark.slow
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
        "command": ["python3", "-m", "training.launch", "--"],
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
        (["--staging-bucket", "my-bucket"], "--staging-bucket must be a gs:// folder, not my-bucket"),
        (["--base-output-dir", "gs://b/r", "--executor-image-uri", PREBUILT],
         "give one of --image-uri (a training image) and --executor-image-uri (a prebuilt one): both were given"),
        (["--base-output-dir", "gs://b/r", "--accelerator-count", "2"], "--accelerator-count 2 needs --accelerator-type"),
        (["--base-output-dir", "gs://b/r", "--machine-type", "e2-standard-8", "--accelerator-type", "NVIDIA_TESLA_T4",
          "--accelerator-count", "2", "--replica-count", "2"],
         "several GPUs per replica attach only to n1 machine types (a2, a3 and g2 types have them built in), not e2-standard-8"),
        (["--base-output-dir", "gs://b/r", "--accelerator-type", "NVIDIA_TESLA_T4", "--accelerator-count", "3"],
         "--accelerator-count on an n1 machine must be 1, 2, 4 or 8, not 3"),
        (["--base-output-dir", "gs://b/r", "--machine-type", "a2-highgpu-4g", "--accelerator-type", "NVIDIA_TESLA_A100",
          "--accelerator-count", "2"], "--machine-type a2-highgpu-4g has 4 GPU(s), not 2: set --accelerator-count 4"),
        (["--base-output-dir", "gs://b/r", "--", "--num_train_epcohs", "3"],
         "the trainer refuses its arguments: unrecognized arguments: --num_train_epcohs 3"),
        (["--base-output-dir", "gs://b/r", "--", "--learning_rate", "fast"],
         "the trainer refuses its arguments: argument --learning_rate/--learning-rate: invalid float value: 'fast'"),
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
        "give one of --image-uri (a training image) and --executor-image-uri (a prebuilt one): neither was given" in err
    )


def test_trainer_flags_after_double_dash_are_not_ours(vertex):
    # --project after -- belongs to the trainer, so ours is still missing.
    assert train_job.main(["--image-uri", "i", "--api-endpoint", vertex.url, "--", "--project", "x"]) == 2


def run_prebuilt(vertex, *argv: str) -> int:
    return train_job.main(["--project", "proj", "--api-endpoint", vertex.url, "--executor-image-uri", *argv])


@pytest.mark.slow
def test_prebuilt_image_gets_the_trainer_package(vertex, gcs_bucket, capsys):
    """--executor-image-uri: the sdist is uploaded to the staging bucket and the worker pools run
    training.launch from it with python_package_spec, the SDK's form of gcloud's autopackaging."""
    import io
    import tarfile

    from google.cloud import storage

    code = run_prebuilt(
        vertex, PREBUILT, "--staging-bucket", f"gs://{gcs_bucket}/stage", "--base-output-dir", f"gs://{gcs_bucket}/r1",
        "--accelerator-type", "NVIDIA_TESLA_T4", "--accelerator-count", "2", "--replica-count", "2",
        "--env", "HF_HUB_OFFLINE=1", "--", "--train_file", "gs://b/train.jsonl", "--num_train_epochs", "2",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    pools = vertex.body("POST", f"{PARENT}/customJobs")["jobSpec"]["workerPoolSpecs"]
    assert [p["replicaCount"] for p in pools] == ["1", "1"]
    assert pools[0]["pythonPackageSpec"] == pools[1]["pythonPackageSpec"]
    spec = pools[0]["pythonPackageSpec"]
    (package_uri,) = spec.pop("packageUris")
    assert spec == {
        "executorImageUri": PREBUILT,
        "pythonModule": "training.launch",
        "args": ["--", "--train_file", "gs://b/train.jsonl", "--num_train_epochs", "2"],
        "env": [{"name": "HF_HUB_OFFLINE", "value": "1"}],
    }
    assert "containerSpec" not in pools[0]
    assert pools[0]["machineSpec"]["acceleratorCount"] == 2
    assert package_uri.startswith(f"gs://{gcs_bucket}/stage/trainer-packages/")
    assert package_uri.endswith("/tr_en_trainer-0.1.0.tar.gz")
    blob = storage.Client().bucket(gcs_bucket).blob(package_uri.removeprefix(f"gs://{gcs_bucket}/"))
    with tarfile.open(fileobj=io.BytesIO(blob.download_as_bytes())) as sdist:
        names = sdist.getnames()
        metadata = sdist.extractfile("tr_en_trainer-0.1.0/PKG-INFO").read().decode()
    assert "tr_en_trainer-0.1.0/training/launch.py" in names
    assert not any("/handler/" in name for name in names)
    assert "Requires-Dist: transformers" in metadata and "Requires-Dist: torch" not in metadata
    assert f"uploaded the trainer package to {package_uri}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-14.py310:latest"],
         "--executor-image-uri must be a Vertex AI prebuilt PyTorch training image like "
         "us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest, not "
         "us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-14.py310:latest"),
        (["us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310"], "--executor-image-uri must be a Vertex AI"),
        (["us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.1-13.py310:latest"],
         "--executor-image-uri us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.1-13.py310:latest carries torch 1.13; "
         "the trainer needs 2.2 or newer"),
        (["us-docker.pkg.dev/vertex-ai/training/pytorch-xla.2-4.py310:latest", "--accelerator-type", "NVIDIA_L4",
          "--machine-type", "g2-standard-8"],
         "--executor-image-uri us-docker.pkg.dev/vertex-ai/training/pytorch-xla.2-4.py310:latest is CPU-only; "
         "GPUs need a pytorch-gpu image"),
        ([PREBUILT, "--staging-bucket", "/tmp/stage"], "--staging-bucket must be a gs:// folder, not /tmp/stage"),
        ([PREBUILT, "--base-output-dir", "gs://b/r"],
         "no gs:// bucket for staged files and job output given, needed to upload the trainer package"),
        ([PREBUILT, "--staging-bucket", "gs://s", "--", "--max_steps", "ten"],
         "the trainer refuses its arguments: argument --max_steps/--max-steps: invalid int value: 'ten'"),
    ],
)  # fmt: skip
def test_bad_prebuilt_settings_exit_2_before_anything_is_sent(vertex, gcs_bucket, capsys, argv, message):
    from google.cloud import storage

    assert run_prebuilt(vertex, *argv) == 2
    assert capsys.readouterr().err.startswith(f"python -m vertex.train_job: error: {message}")
    assert vertex.requests == []
    assert list(storage.Client().list_blobs(gcs_bucket)) == []
