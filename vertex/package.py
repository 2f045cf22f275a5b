"""The trainer as a Python source distribution for Vertex AI's prebuilt PyTorch training images.

A CustomJob with a `python_package_spec` pip-installs the package URIs into the executor image
and runs `python -m <python_module>`. Those images already carry a CUDA build of torch, so the
package must not ask for torch: the project's own `torch==2.13.0` pin (a CPU build on machines
that install it first, see pyproject.toml) would replace it with another multi-GB build, and no
prebuilt image has torch 2.13. This package therefore holds only `training/` and declares the
trainer's other requirements.

Why its versions differ from pyproject.toml's: the newest prebuilt PyTorch training images
(pytorch-gpu.2-4.py310 and older, checked against Google's list, see vertex/README.md) carry
Python 3.10 and torch 2.4, while the transformers the project pins (5.23) needs Python 3.11 and
torch 2.6. transformers 4.57 is the newest release that runs there (Python >= 3.9, torch >= 2.2),
with the tokenizers, huggingface-hub and datasets releases it works with.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "tr-en-trainer"
REQUIRES_PYTHON = ">=3.10"
# No torch, torchserve, ctranslate2: the image has torch, and serving is not the trainer's job.
# accelerate declares torch>=2.0, which every PyTorch training image satisfies, so pip keeps the image's.
TRAINER_REQUIREMENTS = (
    "transformers==4.57.6",
    "tokenizers>=0.22,<=0.23.0",
    "huggingface-hub>=0.34,<1.0",
    "datasets>=4,<5",
    "accelerate>=1.0,<2",
    "safetensors>=0.4",
    "sentencepiece>=0.2,<0.3",
    "sacremoses>=0.1",
    "sacrebleu==2.6.0",
    "matplotlib>=3.8",
    "google-cloud-storage>=3,<4",
    "tqdm>=4.66",
)
# Distributions that must never be among the requirements (tested).
FORBIDDEN = ("torch", "torchvision", "torchaudio", "torchserve", "torch-model-archiver", "ctranslate2")


def project_version() -> str:
    with open(REPO_ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def pyproject_text(version: str) -> str:
    requirements = "".join(f'    "{r}",\n' for r in TRAINER_REQUIREMENTS)
    return (
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{PACKAGE_NAME}"\nversion = "{version}"\n'
        'description = "The tr-en-serve trainer (python -m training.launch) for Vertex AI prebuilt PyTorch images."\n'
        f'requires-python = "{REQUIRES_PYTHON}"\ndependencies = [\n{requirements}]\n\n'
        '[tool.setuptools.packages.find]\ninclude = ["training*"]\n\n'
        '[tool.setuptools.package-data]\ntraining = ["data/*.jsonl", "data/*.md"]\n'
    )


def build_sdist(dist_dir: Path) -> Path:
    """Build the trainer's sdist into `dist_dir` offline (with this environment's setuptools); return its path."""
    dist_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="trainer-sdist-") as tmp:
        stage = Path(tmp)
        shutil.copytree(
            REPO_ROOT / "training", stage / "training", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        (stage / "pyproject.toml").write_text(pyproject_text(project_version()), encoding="utf-8")
        # setuptools' PEP 517 hook, called in the staging folder: no build isolation, so no index is needed.
        script = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
        result = subprocess.run(
            [sys.executable, "-c", script, str(dist_dir.resolve())], cwd=stage, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"building the trainer's sdist failed: {result.stderr.strip().splitlines()[-1:]}")
        name = result.stdout.strip().splitlines()[-1]
    return dist_dir / name
