"""vertex.common: help texts of every script, console links."""

from __future__ import annotations

import importlib

import pytest

from vertex import common


@pytest.mark.parametrize("script", ["deploy", "predict", "batch_predict", "train_job", "tune_job", "batch_local"])
def test_every_script_has_help(script, capsys):
    with pytest.raises(SystemExit) as exit_info:
        importlib.import_module(f"vertex.{script}").main(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert text.startswith(f"usage: python -m vertex.{script}")
    assert "--api-endpoint" not in text  # for tests only
    if script != "batch_local":
        assert "--project PROJECT Google Cloud project id [env GOOGLE_CLOUD_PROJECT, VERTEX_PROJECT; required]" in text


@pytest.mark.parametrize(
    ("resource", "link"),
    [
        ("projects/p/locations/europe-west4/models/12@3", "models/locations/europe-west4/models/12?project=p"),
        (
            "projects/p/locations/us-central1/endpoints/34",
            "online-prediction/locations/us-central1/endpoints/34?project=p",
        ),
        (
            "projects/p/locations/us-central1/batchPredictionJobs/56",
            "locations/us-central1/batch-predictions/56?project=p",
        ),
        ("projects/p/locations/us-central1/customJobs/78", "locations/us-central1/training/78?project=p"),
        ("projects/p/locations/us-central1/hyperparameterTuningJobs/9", "locations/us-central1/training/9?project=p"),
    ],
)
def test_console_links(resource, link):
    assert common.console_link(resource) == f"https://console.cloud.google.com/vertex-ai/{link}"
