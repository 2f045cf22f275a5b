"""bench/gpu_check.py: refuses cleanly without a GPU, and its whole path runs on the CPU twin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_refuses_without_a_cuda_device(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bench.gpu_check", "--output", str(tmp_path / "out.json")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: no CUDA device: torch.cuda.is_available() is False, so there is nothing to check"
    ]
    assert not (tmp_path / "out.json").exists()


@pytest.mark.slow
def test_dry_run_on_the_cpu_measures_every_precision(tmp_path, tiny_model_dir):
    out = tmp_path / "gpu_check.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.gpu_check", "--quick", "--device", "cpu",
         "--demo-model-dir", str(tiny_model_dir), "--output", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    raw = json.loads(out.read_text())
    quality = {(r["backend"], r["dtype"]): r for r in raw["quality"]}
    assert {("transformers", p) for p in ("float32", "float16", "bfloat16")} <= set(quality)
    assert quality["transformers", "float32"]["agreement_with_float32"] == 1.0
    for row in quality.values():
        assert row["sentences"] == 16 and 0 <= row["agreement_with_float32"] <= 1
        assert row["bleu"] is not None and row["chrf"] > 0  # sacrebleu is installed here
    speed = {(r["backend"], r["dtype"], r["batch"]) for r in raw["speed"] if r["sentences_per_s"] > 0}
    for precision in ("float32", "float16", "bfloat16"):
        assert {("transformers", precision, 1), ("transformers", precision, 8)} <= speed
    # CTranslate2 is installed here: its CPU stand-in for int8_float16 is measured too.
    assert ("ctranslate2", "int8", 8) in speed and ("ctranslate2", "int8") in quality
    assert "speed (benchmark model)" in result.stdout
