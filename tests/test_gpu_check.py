"""bench/gpu_check.py: refuses cleanly without a GPU, and its whole path runs on the CPU twin."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_refuses_without_a_cuda_device(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bench.gpu_check", "--out", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: no CUDA device: torch.cuda.is_available() is False, so there is nothing to check"
    ]
    assert not (tmp_path / "gpu_check.jsonl").exists()


@pytest.mark.slow
def test_the_cpu_twin_measures_every_variant_on_the_served_model(tmp_path, tiny_model_dir):
    out = tmp_path / "gpu_check.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "bench.gpu_check", "--quick", "--device", "cpu",
         "--model-dir", str(tiny_model_dir), "--out", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "finishes within 480 s (8 min)" in result.stdout.splitlines()[0]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["kind"] == "device" and rows[0]["model"] == str(tiny_model_dir)
    assert rows[-1]["kind"] == "done" and not [r for r in rows if r["kind"] == "error"]
    variants = [("transformers", p) for p in ("float32", "float16", "bfloat16")] + [("ctranslate2", "int8")]
    quality = {(r["backend"], r["dtype"]): r for r in rows if r["kind"] == "quality"}
    assert list(quality) == variants
    assert quality["transformers", "float32"]["bleu_vs_float32"] == 100.0
    for row in quality.values():
        assert row["sentences"] == 16 and 0 <= row["identical_to_float32"] <= 1 and row["bleu_vs_float32"] is not None
        assert row["empty"] == 0 and row["nonfinite"] == 0  # the tiny model's arithmetic is sound
    speed = {(r["backend"], r["dtype"], r["batch"]): r for r in rows if r["kind"] == "speed"}
    assert set(speed) == {(*v, batch) for v in variants for batch in (1, 8)}
    assert all(r["sentences_per_s"] > 0 and r["peak_mib"] >= 0 for r in speed.values())
    assert "BLEU vs fp32" in result.stdout and f"wrote {out}" in result.stdout


def test_one_failing_variant_is_written_down_and_the_rest_still_run(tmp_path, nan_model_dir):
    """On the NaN model every variant's scores are non-finite, and are counted; a variant that raises
    (CTranslate2 refusing int8_float16 without a GPU) is an error row, and the variants after it still run."""
    from bench import gpu_check

    rows: list[dict] = []
    todo = [("transformers", "float32"), ("ctranslate2", "int8_float16"), ("transformers", "float16")]
    sources = ["Bu odun yanmaz.", "Kedi uyuyor."]
    gpu_check.check_all(todo, nan_model_dir, "cpu", tmp_path, sources, ((2, 2),), 4, gpu_check.Clock(300), rows.append)
    quality = [(r["backend"], r["dtype"], r["nonfinite"]) for r in rows if r["kind"] == "quality"]
    assert quality == [("transformers", "float32", 2), ("transformers", "float16", 2)]
    (error,) = [r for r in rows if r["kind"] == "error"]
    assert error["message"].startswith("ctranslate2 int8_float16: ValueError: ")
    assert [r["kind"] for r in rows if r.get("dtype") == "float16"] == ["load", "speed", "quality"]


def test_peak_memory_is_sampled_while_the_work_runs():
    from bench.gpu_check import PeakMemory, used_memory_mib

    before = used_memory_mib("cpu")
    with PeakMemory("cpu") as memory:
        block = bytearray(256 * 2**20)  # 256 MiB, touched so that it is resident
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(0.05)
        del block
    assert memory.peak - before >= 200
