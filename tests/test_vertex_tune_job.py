"""vertex.tune_job against the Vertex REST stand-in, and the trainer's metric where the tuning service reads it."""

from __future__ import annotations

import pytest

from vertex import tune_job

PARENT = "projects/proj/locations/us-central1"
PREBUILT = "us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest"


def run(vertex, *argv: str) -> int:
    return tune_job.main(["--project", "proj", "--api-endpoint", vertex.url, "--image-uri", "trainer:7", *argv])


@pytest.mark.slow
def test_study_spec_and_trial_job(vertex, capsys):
    code = run(
        vertex,
        "--base-output-dir", "gs://bucket/tune/r1", "--accelerator-type", "NVIDIA_TESLA_T4",
        "--learning-rate", "1e-5:3e-4", "--epochs", "1:4", "--warmup", "0:0.1", "--label-smoothing", "0.1:0.1",
        "--max-trial-count", "12", "--parallel-trial-count", "3", "--replica-count", "2",
        "--", "--train_file", "gs://bucket/data/train.jsonl",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    job = vertex.body("POST", f"{PARENT}/hyperparameterTuningJobs")
    assert job["displayName"] == "tr-en-tune"
    assert (job["maxTrialCount"], job["parallelTrialCount"]) == (12, 3)
    study = job["studySpec"]
    assert study["metrics"] == [{"metricId": "bleu", "goal": 1}]  # MAXIMIZE, as a number (enum-encoding=int)
    params = {p["parameterId"]: p for p in study["parameters"]}
    assert set(params) == {"learning_rate", "num_train_epochs", "warmup_ratio", "label_smoothing_factor"}
    assert params["learning_rate"]["doubleValueSpec"] == {"minValue": 1e-5, "maxValue": 3e-4}
    assert params["learning_rate"]["scaleType"] == 2  # UNIT_LOG_SCALE
    assert params["num_train_epochs"]["integerValueSpec"] == {"minValue": "1", "maxValue": "4"}
    # proto3 JSON leaves out a minimum of 0.0, the default.
    assert params["warmup_ratio"]["doubleValueSpec"] == {"maxValue": 0.1}
    assert params["label_smoothing_factor"]["doubleValueSpec"] == {"minValue": 0.1, "maxValue": 0.1}
    # The trial's best report counts (the trainer reports every validation score).
    assert study["measurementSelectionType"] == 2  # BEST_MEASUREMENT
    trial = job["trialJobSpec"]
    assert trial["baseOutputDirectory"] == {"outputUriPrefix": "gs://bucket/tune/r1"}
    assert [p["replicaCount"] for p in trial["workerPoolSpecs"]] == ["1", "1"]
    assert trial["workerPoolSpecs"][0]["containerSpec"]["command"] == ["python3", "-m", "training.launch", "--"]
    assert trial["workerPoolSpecs"][0]["containerSpec"]["args"] == ["--train_file", "gs://bucket/data/train.jsonl"]
    out = capsys.readouterr().out
    assert f"job:    {PARENT}/hyperparameterTuningJobs/" in out and "output: gs://bucket/tune/r1" in out
    assert [r.method for r in vertex.requests] == ["POST"]  # created, not waited for


def test_defaults_and_prebuilt_image(vertex, gcs_bucket):
    argv = ["--project", "proj", "--api-endpoint", vertex.url, "--executor-image-uri", PREBUILT,
            "--staging-bucket", f"gs://{gcs_bucket}", "--search-algorithm", "random"]  # fmt: skip
    assert tune_job.main(argv) == 0
    job = vertex.body("POST", "hyperparameterTuningJobs")
    assert (job["maxTrialCount"], job["parallelTrialCount"]) == (8, 2)
    assert job["studySpec"]["algorithm"] == 3  # RANDOM_SEARCH
    spec = job["trialJobSpec"]["workerPoolSpecs"][0]["pythonPackageSpec"]
    assert spec["pythonModule"] == "training.launch" and spec["packageUris"][0].startswith(f"gs://{gcs_bucket}/")
    assert job["trialJobSpec"]["baseOutputDirectory"]["outputUriPrefix"].startswith(f"gs://{gcs_bucket}/")


def test_wait_follows_the_study(vertex, capsys):
    assert run(vertex, "--base-output-dir", "gs://b/r", "--wait", "--poll-interval", "0.01") == 0
    assert "state:  JOB_STATE_SUCCEEDED" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--learning-rate", "1e-3:1e-5"], "--learning-rate must be a range MIN:MAX with MIN <= MAX, at least 1e-08 and at most 1, not '1e-3:1e-5'"),
        (["--epochs", "0:3"], "--epochs must be a range MIN:MAX with MIN <= MAX, at least 1, not '0:3'"),
        (["--warmup", "0.1"], "--warmup must be a range MIN:MAX"),
        (["--max-trial-count", "2", "--parallel-trial-count", "4"], "--parallel-trial-count 4 is above --max-trial-count 2"),
        (["--search-algorithm", "grid"], "grid search needs discrete values"),
        (["--search-algorithm", "annealing"], "--search-algorithm must be grid or random, not annealing"),
        (["--", "--learning_rate", "1e-4"], "--learning_rate is tuned (--learning-rate); leave it out of the trainer arguments"),
        (["--", "--num_train_epochs=3"], "--num_train_epochs is tuned (--epochs)"),
        (["--staging-bucket", "bucket"], "--staging-bucket must be a gs:// folder, not bucket"),
        (["--", "--seed", "x"], "the trainer refuses its arguments: argument --seed: invalid int value: 'x'"),
    ],
)  # fmt: skip
def test_bad_settings_exit_2(vertex, capsys, argv, message):
    assert run(vertex, "--base-output-dir", "gs://b/r", *argv) == 2
    assert capsys.readouterr().err.startswith(f"python -m vertex.tune_job: error: {message}")
    assert vertex.requests == []


def test_the_tuned_metric_is_the_one_the_trainer_reports():
    from training import hypertune

    assert tune_job.METRIC == hypertune.METRIC_TAG


def test_tuned_flags_are_trainer_flags():
    """Vertex passes each trial's values as these flags: the trainer must accept every one."""
    from training.args import check_args

    check_args([f"{t.trainer_flag}=0.5" if not t.integer else f"{t.trainer_flag}=2" for t in tune_job.TUNED])


def test_help_names_the_ranges(capsys):
    with pytest.raises(SystemExit):
        tune_job.main(["--help"])
    out = capsys.readouterr().out
    assert "--learning-rate" in out and "--max-trial-count" in out and "--executor-image-uri" in out
