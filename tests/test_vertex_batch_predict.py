"""vertex.batch_predict against the Vertex REST stand-in, with a Cloud Storage emulator for uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vertex_standin import accelerator_name
from vertex import batch_predict

PARENT = "projects/proj/locations/us-central1"
EXAMPLE_INPUT = Path(__file__).resolve().parent.parent / "vertex" / "examples" / "batch_input_data.jsonl"


def run(vertex, *argv: str) -> int:
    return batch_predict.main(
        ["--project", "proj", "--api-endpoint", vertex.url, "--model", "42", "--poll-interval", "0.01", *argv]
    )


def test_job_body_and_completion_stats(vertex, capsys):
    vertex.batch_stats = {"successfulCount": "8", "failedCount": "2", "incompleteCount": "1"}
    vertex.batch_partial_failures = [{"code": 5, "message": "gs://in/missing.jsonl not found"}]
    code = run(
        vertex,
        "--gcs-source", "gs://in/batch_input_data.jsonl", "--gcs-destination-prefix", "gs://out/preds",
        "--machine-type", "n1-highmem-8", "--accelerator-type", "NVIDIA_TESLA_T4", "--accelerator-count", "1",
        "--starting-replica-count", "2", "--max-replica-count", "5", "--batch-size", "32",
        "--job-display-name", "nightly",
    )  # fmt: skip
    assert code == 0
    job = vertex.body("POST", f"{PARENT}/batchPredictionJobs")
    assert job["displayName"] == "nightly"
    assert job["model"] == f"{PARENT}/models/42"
    assert job["inputConfig"] == {"instancesFormat": "jsonl", "gcsSource": {"uris": ["gs://in/batch_input_data.jsonl"]}}
    assert job["outputConfig"] == {
        "predictionsFormat": "jsonl",
        "gcsDestination": {"outputUriPrefix": "gs://out/preds"},
    }
    resources = job["dedicatedResources"]
    assert resources["machineSpec"]["machineType"] == "n1-highmem-8"
    assert accelerator_name(resources["machineSpec"]["acceleratorType"]) == "NVIDIA_TESLA_T4"
    assert resources["machineSpec"]["acceleratorCount"] == 1
    assert (resources["startingReplicaCount"], resources["maxReplicaCount"]) == (2, 5)
    assert job["manualBatchTuningParameters"] == {"batchSize": 32}
    assert "modelParameters" not in job
    # Polled until done: PENDING, RUNNING, SUCCEEDED.
    gets = [r.path for r in vertex.requests if r.method == "GET"]
    job_name = gets[0].removeprefix("/v1/")
    assert job_name.startswith(f"{PARENT}/batchPredictionJobs/") and set(gets) == {f"/v1/{job_name}"}

    out = capsys.readouterr().out
    assert f"job: {job_name}" in out
    assert "https://console.cloud.google.com/vertex-ai/locations/us-central1/batch-predictions/" in out
    assert "state:      JOB_STATE_SUCCEEDED" in out
    assert "output:     gs://out/preds/prediction-tr-en-" in out
    assert "successful: 8\nfailed:     2\nincomplete: 1" in out
    assert "prediction.errors_stats-*" in out
    assert "partial failure: code 5: gs://in/missing.jsonl not found" in out


def test_defaults_and_parameters(vertex):
    assert run(vertex, "--gcs-source", "gs://in/x.jsonl", "--staging-bucket", "gs://stage",
               "--parameters", '{"num_beams": 4}') == 0  # fmt: skip
    job = vertex.body("POST", "batchPredictionJobs")
    assert job["outputConfig"]["gcsDestination"]["outputUriPrefix"] == "gs://stage/batch-predictions"
    assert job["dedicatedResources"] == {
        "machineSpec": {"machineType": "n1-standard-4"},
        "startingReplicaCount": 1,
        "maxReplicaCount": 1,
    }
    # Without --batch-size the SDK still sends the message, empty: Vertex's default applies.
    assert job["manualBatchTuningParameters"] == {}
    assert job["modelParameters"] == {"num_beams": 4.0}


def test_failed_job_exits_1_with_its_error(vertex, capsys):
    vertex.batch_final_state = "JOB_STATE_FAILED"
    assert run(vertex, "--gcs-source", "gs://in/x.jsonl", "--gcs-destination-prefix", "gs://out") == 1
    out = capsys.readouterr().out
    assert "state:      JOB_STATE_FAILED" in out and "error: code 3: stand-in: the job failed" in out


def test_no_wait_returns_after_submitting(vertex, capsys):
    assert run(vertex, "--gcs-source", "gs://in/x.jsonl", "--gcs-destination-prefix", "gs://out", "--no-wait") == 0
    assert [r.method for r in vertex.requests] == ["POST"]
    assert "state:" not in capsys.readouterr().out


def test_local_input_is_uploaded_to_the_staging_bucket(vertex, gcs_bucket):
    from google.cloud import storage

    assert run(vertex, "--gcs-source", str(EXAMPLE_INPUT), "--staging-bucket", f"gs://{gcs_bucket}/tr-en") == 0
    (uri,) = vertex.body("POST", "batchPredictionJobs")["inputConfig"]["gcsSource"]["uris"]
    assert uri.startswith(f"gs://{gcs_bucket}/tr-en/batch-inputs/") and uri.endswith("-batch_input_data.jsonl")
    blob = storage.Client().bucket(gcs_bucket).blob(uri.removeprefix(f"gs://{gcs_bucket}/"))
    assert blob.download_as_bytes() == EXAMPLE_INPUT.read_bytes()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--gcs-source", "gs://in/x.jsonl"],
         "no gs:// bucket for staged files and job output given, needed when --gcs-destination-prefix is not given: "
         "pass --staging-bucket or set VERTEX_STAGING_BUCKET"),
        (["--gcs-source", str(EXAMPLE_INPUT), "--gcs-destination-prefix", "gs://out"],
         "no gs:// bucket for staged files and job output given, needed to upload the local input file"),
        (["--gcs-source", "nowhere.jsonl", "--gcs-destination-prefix", "gs://out"],
         "--gcs-source nowhere.jsonl is neither a gs:// URI nor a local file"),
        (["--gcs-destination-prefix", "gs://out"], "no JSON-lines input"),
        (["--gcs-source", "gs://in/x.jsonl", "--gcs-destination-prefix", "out/"],
         "--gcs-destination-prefix must be a gs:// folder, not out/"),
        (["--gcs-source", "gs://in/x.jsonl", "--gcs-destination-prefix", "gs://o", "--batch-size", "0"],
         "--batch-size must be a positive integer, not '0'"),
        (["--gcs-source", "gs://in/x.jsonl", "--gcs-destination-prefix", "gs://o", "--starting-replica-count", "3",
          "--max-replica-count", "2"], "--max-replica-count 2 is below --starting-replica-count 3"),
    ],
)  # fmt: skip
def test_bad_settings_exit_2(vertex, capsys, argv, message):
    assert run(vertex, *argv) == 2
    assert capsys.readouterr().err.startswith(f"python -m vertex.batch_predict: error: {message}")
    assert vertex.requests == []


def test_missing_model(vertex, capsys):
    code = batch_predict.main(["--project", "p", "--api-endpoint", vertex.url, "--gcs-source", "gs://a/b"])
    assert code == 2
    assert "no model id or resource name given: pass --model or set VERTEX_MODEL" in capsys.readouterr().err
