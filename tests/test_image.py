"""The serving image's recipe (docker/Dockerfile, make image) and image-check's own parts, without building.

Building and running the image takes buildah and minutes: `make image image-check` (docker/README.md).
"""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tools import image_check

REPO_ROOT = Path(__file__).resolve().parent.parent


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in dockerfile.read_text().splitlines() if not line.lstrip().startswith("#")),
    )
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined.splitlines() if line.strip()]


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "Dockerfile.train"])
def test_no_dockerfile_sets_an_aip_variable(dockerfile):
    """Vertex's custom-container requirements: AIP_* variables are Vertex's to set."""
    set_here = [
        (kind, args)
        for kind, args in instructions(REPO_ROOT / "docker" / dockerfile)
        if kind in {"ENV", "ARG"} and re.search(r"(^|\s)AIP_", args)
    ]
    assert set_here == []


def test_instructions_sees_env_on_continuation_lines(tmp_path):
    """The parser above would catch an AIP_ variable set on a continued ENV line."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM x\n# AIP_NOT=comment\nENV A=1 \\\n    AIP_HTTP_PORT=8080\nARG AIP_MODE\n")
    assert instructions(dockerfile) == [("FROM", "x"), ("ENV", "A=1      AIP_HTTP_PORT=8080"), ("ARG", "AIP_MODE")]


def make_dry_run(*assignments: str) -> str:
    result = subprocess.run(["make", "-n", "image", *assignments], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def build_command(dry_run: str, builder: str) -> list[str]:
    line = next(line for line in dry_run.splitlines() if line.strip().startswith(builder))
    return shlex.split(line.strip().rstrip(" ;\\"))


def build_args(command: list[str]) -> dict[str, str]:
    return dict(command[i + 1].split("=", 1) for i, word in enumerate(command) if word == "--build-arg")


def test_make_image_passes_the_documented_variables(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    (wheels / "torch-2.12.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").touch()  # not the pinned one
    ca = tmp_path / "proxy-ca.pem"
    dry_run = make_dry_run(
        "IMAGE_VARIANT=cpu",
        "BASE_IMAGE=example/bookworm:1",
        "TORCH_INDEX=https://example/cpu",
        f"WHEELS_DIR={wheels}",
        f"EXTRA_CA_CERT={ca}",
        "IMAGE=example/serve:t",
    )
    for builder in ("buildah", "DOCKER_BUILDKIT=1 docker"):
        command = build_command(dry_run, builder)
        assert build_args(command) == {
            "BASE_IMAGE": "example/bookworm:1",
            "TORCH_INDEX": "https://example/cpu",
            "GPU_METRICS": "no",
            "WHEELS_DIR": "build/wheels",
        }
        assert command[command.index("-t") + 1] == "example/serve:t"
        assert command[command.index("--secret") + 1] == f"id=extra_ca_cert,src={ca}"
        assert command[command.index("-f") + 1] == "docker/Dockerfile" and command[-1] == "."
    # Only the pinned torch wheel goes into the build context; no base-image for a base of one's own.
    assert f"ln -f {wheels}/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl build/wheels/" in dry_run
    assert "torch-2.12.0" not in dry_run and "debootstrap" not in dry_run


def test_make_image_defaults(tmp_path):
    """CPU here: the debootstrap base (made first) and pip's own settings; CUDA: the users' defaults."""
    cpu = make_dry_run("IMAGE_VARIANT=cpu")
    assert "debootstrap --variant=minbase bookworm" in cpu
    args = build_args(build_command(cpu, "buildah"))
    assert args["BASE_IMAGE"] == "localhost/tr-en-base:bookworm" and args["GPU_METRICS"] == "no"
    assert args["TORCH_INDEX"] == "https://download.pytorch.org/whl/cpu"
    cuda = make_dry_run("IMAGE_VARIANT=cuda", "EXTRA_CA_CERT=")
    command = build_command(cuda, "buildah")
    assert build_args(command) == {
        "BASE_IMAGE": "debian:bookworm-slim",
        "GPU_METRICS": "yes",
        "TORCH_INDEX": "https://download.pytorch.org/whl/cu128",
    }
    assert "--secret" not in command and command[command.index("-t") + 1] == "localhost/tr-en-serve:cuda"
    assert "debootstrap" not in cuda


def test_listening_sockets_tells_loopback_from_public():
    with socket.socket() as local, socket.socket(socket.AF_INET6) as public:
        local.bind(("127.0.0.1", 0))
        local.listen()
        public.bind(("::", 0))
        public.listen()
        sockets = image_check.listening_sockets()
        local_port, public_port = local.getsockname()[1], public.getsockname()[1]
    assert ("127.0.0.1", local_port) in sockets and ("::", public_port) in sockets
    assert image_check.is_loopback("127.0.0.1") and image_check.is_loopback("::1")
    assert not image_check.is_loopback("::") and not image_check.is_loopback("0.0.0.0")


def test_image_check_has_help():
    result = subprocess.run(
        [sys.executable, "-m", "tools.image_check", "--help"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0 and "--torchserve-routes" in result.stdout


def test_the_cuda_variant_finds_the_driver_and_cublas_without_an_nvidia_base():
    """A plain Debian base: the driver's files where GKE and the NVIDIA runtime put them, cuBLAS from torch's wheel."""
    env = " ".join(args for kind, args in instructions(REPO_ROOT / "docker" / "Dockerfile") if kind == "ENV")
    variables = dict(word.split("=", 1) for word in env.split())
    assert "/usr/local/nvidia/bin" in variables["PATH"].split(":")  # nvidia-smi: TorchServe counts GPUs with it
    library_path = variables["LD_LIBRARY_PATH"].split(":")
    assert {"/usr/local/nvidia/lib", "/usr/local/nvidia/lib64"} <= set(library_path)
    # CTranslate2 dlopens libcublas.so.12, which the nvidia-cublas-cu12 wheel keeps here.
    assert "/opt/venv/lib/python3.11/site-packages/nvidia/cublas/lib" in library_path
    assert variables["NVIDIA_VISIBLE_DEVICES"] == "all"
    assert set(variables["NVIDIA_DRIVER_CAPABILITIES"].split(",")) == {"compute", "utility"}
