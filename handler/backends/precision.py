"""Which arithmetic a backend runs: the `dtype` key of model-config.yaml, resolved for this machine.

`auto` picks per device, from what was measured (bench/README.md "Precision"):
- transformers on a CPU with native bfloat16 (`avx512_bf16`: AMD Zen 4 and later, Intel Cooper
  Lake; `amx_bf16`: Intel Sapphire Rapids and later): bfloat16, 1.4 to 2.4 times float32 at the same
  BLEU; on other CPUs float32 (bfloat16 without those instructions is emulated and slower);
  on CUDA float16.
- CTranslate2: int8 on CPUs (its CPU build has no bfloat16 kernels), int8 weights with float16
  arithmetic on CUDA.

Pure functions of the CPU's flags, so that the choice is tested without the hardware.
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


def transformers_dtype(requested: str, device_type: str, flags: Iterable[str], cuda_bf16: bool = False) -> str:
    """The torch dtype name for `requested` on `device_type` ("cpu" or "cuda").

    `cuda_bf16` (torch.cuda.is_bf16_supported()) is taken for an explicit bfloat16 only: `auto`
    keeps float16 on GPUs until a GPU measurement shows bfloat16 is better (bench/gpu_check.py).
    """
    _check("transformers", requested)
    if requested == "bfloat16" and device_type == "cuda" and not cuda_bf16:
        raise ValueError("dtype bfloat16 needs a GPU with bfloat16 support (compute capability 8.0 or later)")
    if requested != AUTO:
        return requested
    if device_type == "cuda":
        return "float16"
    return "bfloat16" if cpu_has_bf16(flags) else "float32"


def ctranslate2_compute_type(requested: str, device_type: str) -> str:
    """CTranslate2's compute_type for `requested` on `device_type`."""
    _check("ctranslate2", requested)
    if requested != AUTO:
        return requested
    return "int8_float16" if device_type == "cuda" else "int8"


def ctranslate2_quantization(requested: str) -> str:
    """How the archive stores the converted weights: int8 unless a float type was asked for."""
    _check("ctranslate2", requested)
    return "int8" if requested == AUTO or requested.startswith("int8") else requested


def _check(backend: str, requested: str) -> None:
    if requested not in DTYPES[backend]:
        raise ValueError(f"dtype {requested!r} is not one of {backend}'s: {', '.join(DTYPES[backend])}")
