"""Which arithmetic a backend runs: the `dtype` key of model-config.yaml, resolved for this machine.

`auto` picks per device, from what was measured (bench/README.md "Precision"):
- transformers on a CPU with native bfloat16 (`avx512_bf16`: AMD Zen 4 and later, Intel Cooper
  Lake; `amx_bf16`: Intel Sapphire Rapids and later): bfloat16, 1.4 to 2.4 times float32 at the same
  BLEU; on other CPUs float32 (bfloat16 without those instructions is emulated and slower).
- transformers on a GPU of compute capability 8.0 or more (A100 8.0, L4 8.9, H100 9.0): bfloat16,
  float32's range at float16's speed; below 8.0 (T4 7.5, V100 7.0) float16, with the overflow guard
  of transformers_backend.guard_float16_overflow. Marian models are trained in float32 and can
  overflow float16's range; bfloat16 cannot. A GPU below 8.0 only emulates bfloat16 (torch's
  is_bf16_supported() still says yes on a T4), so it is never chosen, nor accepted, there.
- CTranslate2: int8 on CPUs (its CPU build has no bfloat16 kernels); on GPUs int8 weights with
  bfloat16 arithmetic from capability 8.0, float16 arithmetic below.

Pure functions of the CPU's flags and the GPU's compute capability, so that the choice is tested
without the hardware.
This module imports neither torch nor ctranslate2: handler/settings.py checks the key with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

AUTO = "auto"
DTYPES: dict[str, tuple[str, ...]] = {
    "transformers": (AUTO, "float32", "bfloat16", "float16"),
    # CTranslate2's compute types; on a CPU its build supports int8, int8_float32 and float32 only
    # (ctranslate2.get_supported_compute_types("cpu")), the others need a GPU.
    "ctranslate2": (AUTO, "int8", "int8_float32", "int8_bfloat16", "int8_float16", "bfloat16", "float16", "float32"),
}
# Either one gives oneDNN native bfloat16 matrix products on x86.
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
CPUINFO = Path("/proc/cpuinfo")
# The first compute capability with bfloat16 tensor cores (Ampere); below it bfloat16 is emulated.
BF16_MIN_CAPABILITY = (8, 0)
# What runs where `auto` meets a GPU: (with native bfloat16, without) per backend.
GPU_AUTO = {"transformers": ("bfloat16", "float16"), "ctranslate2": ("int8_bfloat16", "int8_float16")}


def cpu_flags(path: Path = CPUINFO) -> frozenset[str]:
    """The feature flags of the first CPU in /proc/cpuinfo; empty where the file is absent (not Linux)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        # x86 says "flags", ARM says "Features".
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def cpu_has_bf16(flags: Iterable[str]) -> bool:
    return not BF16_CPU_FLAGS.isdisjoint(flags)


def gpu_has_bf16(capability: tuple[int, int] | None, reported: bool = True) -> bool:
    """Native bfloat16 on a GPU of compute `capability` (torch.cuda.get_device_capability()).

    `reported` is torch.cuda.is_bf16_supported(including_emulation=False), where torch has it: both
    must agree, so that neither an emulating GPU nor a torch build without bfloat16 kernels passes."""
    return capability is not None and tuple(capability) >= BF16_MIN_CAPABILITY and reported


def gpu_dtype(backend: str, requested: str, capability: tuple[int, int] | None, bf16_reported: bool = True) -> str:
    """What `requested` runs as on a GPU of compute `capability` (see gpu_has_bf16 for `bf16_reported`).

    Raises ValueError for a bfloat16 type on a GPU that would only emulate it."""
    _check(backend, requested)
    native = gpu_has_bf16(capability, bf16_reported)
    if requested == AUTO:
        return GPU_AUTO[backend][0 if native else 1]
    if "bfloat16" in requested and not native:
        where = "unknown" if capability is None else f"{capability[0]}.{capability[1]}"
        raise ValueError(
            f"dtype {requested} needs a GPU with native bfloat16 (compute capability 8.0 or later, this one "
            f"has {where}); use auto, float16 or float32"
        )
    return requested


def transformers_dtype(
    requested: str,
    device_type: str,
    flags: Iterable[str],
    capability: tuple[int, int] | None = None,
    bf16_reported: bool = True,
) -> str:
    """The torch dtype name for `requested` on `device_type` ("cpu" or "cuda"); `flags` are the CPU's,
    `capability` the GPU's compute capability (cuda only)."""
    _check("transformers", requested)
    if device_type == "cuda":
        return gpu_dtype("transformers", requested, capability, bf16_reported)
    if requested != AUTO:
        return requested
    return "bfloat16" if cpu_has_bf16(flags) else "float32"


def ctranslate2_compute_type(
    requested: str, device_type: str, capability: tuple[int, int] | None = None, bf16_reported: bool = True
) -> str:
    """CTranslate2's compute_type for `requested` on `device_type`."""
    _check("ctranslate2", requested)
    if device_type == "cuda":
        return gpu_dtype("ctranslate2", requested, capability, bf16_reported)
    return "int8" if requested == AUTO else requested


def ctranslate2_quantization(requested: str) -> str:
    """How the archive stores the converted weights: int8 unless a float type was asked for."""
    _check("ctranslate2", requested)
    return "int8" if requested == AUTO or requested.startswith("int8") else requested


def _check(backend: str, requested: str) -> None:
    if requested not in DTYPES[backend]:
        raise ValueError(f"dtype {requested!r} is not one of {backend}'s: {', '.join(DTYPES[backend])}")
