"""vertex.package: the trainer's sdist for Vertex's prebuilt PyTorch images must not ask for torch."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile

import pytest

from vertex import package


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    return package.build_sdist(tmp_path_factory.mktemp("dist"))


def requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_sdist_metadata_leaves_the_images_torch_alone(sdist):
    with tarfile.open(sdist) as archive:
        metadata = archive.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/PKG-INFO").read().decode()
        names = archive.getnames()
    requires = [
        line.removeprefix("Requires-Dist: ") for line in metadata.splitlines() if line.startswith("Requires-Dist:")
    ]
    assert {requirement_name(r) for r in requires} == {requirement_name(r) for r in package.TRAINER_REQUIREMENTS}
    assert not {requirement_name(r) for r in requires} & set(package.FORBIDDEN)
    # The prebuilt images carry Python 3.10.
    assert "Requires-Python: >=3.10" in metadata
    assert any(n.endswith("/training/launch.py") for n in names) and any(
        n.endswith("/training/data/train.jsonl") for n in names
    )
    assert not any("/handler/" in n or "/vertex/" in n for n in names)


def test_pip_builds_the_sdist_and_would_install_no_torch(sdist, tmp_path):
    """pip itself reads the sdist (building its metadata offline) and resolves nothing from it that is torch."""
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-build-isolation", "--no-index",
         "--ignore-installed", "--quiet", "--report", str(report), str(sdist)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (item,) = json.loads(report.read_text())["install"]
    assert item["metadata"]["name"] == "tr-en-trainer"
    assert item["metadata"]["requires_python"] == ">=3.10"
    names = {requirement_name(r) for r in item["metadata"]["requires_dist"]}
    assert "transformers" in names and not names & set(package.FORBIDDEN)
