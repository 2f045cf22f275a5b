"""Shared fixtures: tiny Marian models built from the shipped corpus, archives, a real TorchServe.

Nothing here reaches a model hub: every model is built in a temporary directory.
"""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "training" / "data"

# Tests never reach a model hub, even by accident.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# On CPUs without AVX-512 from AMD, CTranslate2 runs int8 on oneDNN's u8s8 kernels, whose 16-bit
# intermediate sums saturate on the tiny random test models' large activations (0 of 12 greedy
# translations left agree with float32); the demo model is unaffected (79 of 80 identical, same
# BLEU; docs/models.md). MKL's int8 kernels keep the tests about the arithmetic, not the CPU.
os.environ.setdefault("CT2_USE_MKL", "1")
# The tests' TorchServe workers report ready without warming up (up to handler.warmup_seconds, 20 s,
# at every worker start on the tiny random model, whose batches run to the decoding cap);
# tests/test_warmup.py sets it where warm-up is what it tests.
os.environ.setdefault("WARMUP_SECONDS", "0")
# Every process the tests start inherits it (TorchServe's workers too). By default the OpenMP threads
# of torch spin after each parallel region, waiting for the next; with the test processes' torch
# pools sharing 2 cores, each spins on the core another needs, and the tiny models run thousands of
# small regions. Passive threads sleep instead: five CPU-heavy test files took 61 s instead of 143 s
# in 2 processes (docs/testing.md).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


# generation_config.json max_length of the tiny model (opus-mt's is 512).
TINY_MAX_LENGTH = 64


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The heaviest test files first, so that in `make test`'s processes (pytest-xdist hands out whole
    files in this order, --no-loadscope-reorder) none starts last and runs alone: a file with a `bench`
    test first, then by how many of its tests start TorchServe or are slow; the rest as collected."""
    weight: collections.Counter[Path] = collections.Counter()
    for item in items:
        weight[item.path] += 1000 * bool(item.get_closest_marker("bench")) + any(
            item.get_closest_marker(m) for m in ("torchserve", "slow")
        )
    items.sort(key=lambda item: -weight[item.path])  # stable: a file's order is kept


def read_pairs(split: str) -> list[tuple[str, str]]:
    with open(DATA_DIR / f"{split}.jsonl", encoding="utf-8") as f:
        return [(row["translation"]["tr"], row["translation"]["en"]) for row in map(json.loads, f)]


@pytest.fixture(scope="session")
def train_pairs() -> list[tuple[str, str]]:
    return read_pairs("train")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, train_pairs) -> Path:
    """A randomly initialised tiny Marian model with vocabularies trained on the corpus."""
    from training.marian_scratch import build_model_dir

    out = tmp_path_factory.mktemp("tiny-model")
    build_model_dir([tr for tr, _ in train_pairs], [en for _, en in train_pairs], out, "tiny", vocab_size=400)
    # A random model never ends a sentence by itself, so a request at the defaults generates up to
    # max_length - 1 tokens, as generate() would: a short max_length keeps such requests quick.
    generation = json.loads((out / "generation_config.json").read_text())
    (out / "generation_config.json").write_text(json.dumps({**generation, "max_length": TINY_MAX_LENGTH}))
    return out


@pytest.fixture(scope="session")
def tiny_archive(tmp_path_factory, tiny_model_dir) -> Path:
    from handler.archive import build_archive

    # float32, as tiny_backend below: the server's answers are compared with it. bfloat16 has its own
    # tests (test_precision.py); on the random tiny model its greedy tokens flip at near-ties between
    # batch shapes, and oneDNN creating bf16 kernels per new shape pushes the deliberately slow request
    # of test_torchserve.py past the response timeout on a busy machine.
    return build_archive(tiny_model_dir, tmp_path_factory.mktemp("model-store"), dtype="float32")


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir):
    from handler.backends.transformers_backend import TransformersBackend

    return TransformersBackend(str(tiny_model_dir), "cpu", dtype="float32")


@pytest.fixture(scope="session")
def settings():
    from handler.settings import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def torchserve(tmp_path_factory, tiny_archive):
    """A real TorchServe serving the tiny archive on free loopback ports, for the whole session."""
    from handler.torchserve import loopback_torchserve

    server = loopback_torchserve(tiny_archive.parent, tmp_path_factory.mktemp("torchserve"))
    server.start()
    try:
        server.wait_ready()
        yield server
    finally:
        server.kill()


@pytest.fixture
def vertex(monkeypatch):
    """The local stand-in of the Vertex AI REST API that the real google-cloud-aiplatform client talks to."""
    from tests.vertex_standin import VertexStandIn, clear_vertex_env

    clear_vertex_env(monkeypatch)
    with VertexStandIn() as standin:
        yield standin


@pytest.fixture(scope="session")
def tiny_ct2_archive(tmp_path_factory, tiny_model_dir) -> Path:
    """The tiny model converted to CTranslate2 int8 and packed like `make archive BACKEND=ctranslate2`."""
    from handler.archive import build_archive

    return build_archive(tiny_model_dir, tmp_path_factory.mktemp("ct2-model-store"), backend="ctranslate2")


@pytest.fixture(scope="session")
def tiny_ct2_backend(tmp_path_factory, tiny_ct2_archive):
    """The CTranslate2 backend loaded from the unpacked archive, as a TorchServe worker loads it."""
    import zipfile

    from handler.backends.ctranslate2_backend import CTranslate2Backend

    unpacked = tmp_path_factory.mktemp("ct2-unpacked")
    zipfile.ZipFile(tiny_ct2_archive).extractall(unpacked)
    return CTranslate2Backend(str(unpacked), "cpu", threads=2)


@pytest.fixture(scope="session")
def gcs_emulator():
    """A real Cloud Storage emulator on a loopback port, one per test process (its stop takes half a
    second of polling: once, not after every test)."""
    from gcp_storage_emulator.server import create_server

    from handler.torchserve import free_port

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def gcs_bucket(gcs_emulator, monkeypatch) -> str:
    """An empty bucket in the emulator, reached through STORAGE_EMULATOR_HOST as google-cloud-storage's
    clients do; whatever an earlier test stored is gone."""
    from google.cloud import storage

    server, address = gcs_emulator
    server.wipe()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", address)
    storage.Client().create_bucket("test-bucket")
    return "test-bucket"


@pytest.fixture(scope="session")
def nan_model_dir(tmp_path_factory, tiny_model_dir) -> Path:
    """The tiny model with decoder weights past float32's range: NaN scores in every precision."""
    from tests.model_layouts import overflowing_model

    return overflowing_model(tiny_model_dir, tmp_path_factory.mktemp("nan-model"), 1e38)


@pytest.fixture(scope="session")
def float16_edge_model_dir(tmp_path_factory, tiny_model_dir) -> Path:
    """The tiny model with decoder activations past float16's range (65,504) and well within float32's."""
    from tests.model_layouts import overflowing_model

    return overflowing_model(tiny_model_dir, tmp_path_factory.mktemp("float16-edge-model"), 1e6)
