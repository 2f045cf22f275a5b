"""The markup case set (tests/data/markup_cases.json) on the trained demo model, both backends.

Every case must pass its checks (start tags with their attributes, block order, well-formed output,
protected content and placeholders byte for byte), and markup must never change the words: the
translation of each sentence with inline tags, tags stripped, is the plain sentence's translation.
The placement rate is reported (bench/markup_quality.py), not asserted: it measures the model.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.markup_quality import load_cases, load_service, rates, structural_failures

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_MODEL = Path(os.environ.get("DEMO_MODEL_DIR", REPO_ROOT / "artifacts" / "demo-model"))


@pytest.mark.slow
@pytest.mark.skipif(not (DEMO_MODEL / "model.safetensors").is_file(), reason="no demo model (make demo-model)")
@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_case_set_on_the_demo_model(tmp_path, backend):
    service = load_service(backend, DEMO_MODEL, tmp_path)
    cases = load_cases()
    failures = structural_failures(service, cases, service.defaults)
    assert failures == []
    figures = rates(service, cases, service.defaults)
    print(f"{backend}: invariance {figures['invariance']:.0%}, placement {figures['placement']:.0%}")
    assert figures["invariance"] == 1.0
