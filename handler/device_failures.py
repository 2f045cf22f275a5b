"""Which failures of a backend leave the worker usable, told from the exception alone (pure functions).

A CUDA error leaves the CUDA context unusable for the rest of the process: every later call fails too,
so the worker must end and TorchServe start a clean one. Out of memory does not: the request gets 507,
and the memory it held is freed. Both backends say so in their own words: torch raises
torch.OutOfMemoryError or torch.AcceleratorError ("CUDA error: ...", "CUBLAS_STATUS_...", "cuDNN error:
..."); CTranslate2 raises RuntimeError ("CUDA failed with error out of memory", "cuBLAS failed with
status CUBLAS_STATUS_EXECUTION_FAILED", "cuDNN failed with status ...").
"""

from __future__ import annotations

import re

# Words of a CUDA, cuBLAS or cuDNN failure in either library's messages (case-sensitive: "cuda" in a
# lower-case word such as a model path is not one).
DEVICE_FAILURE = re.compile(
    r"CUDA error|CUDA failed|CUDA driver|cuBLAS failed|CUBLAS_STATUS_|cuDNN error|cuDNN failed|CUDNN_STATUS_"
    r"|cudaError|device-side assert|illegal memory access|NCCL error"
)
OUT_OF_MEMORY = re.compile(
    r"out of memory|can.t allocate memory|CUBLAS_STATUS_ALLOC_FAILED|CUDNN_STATUS_ALLOC_FAILED", re.IGNORECASE
)


def is_out_of_memory(error: BaseException) -> bool:
    """True for an allocation failure, in host or device memory, of either backend."""
    if isinstance(error, MemoryError) or type(error).__name__ == "OutOfMemoryError":
        return True
    return isinstance(error, RuntimeError) and bool(OUT_OF_MEMORY.search(str(error)))


def breaks_the_device(error: BaseException) -> bool:
    """True for a CUDA, cuBLAS or cuDNN failure after which the worker must end (out of memory aside)."""
    if is_out_of_memory(error):
        return False
    # torch.AcceleratorError (torch 2.8 and later) is how torch reports any CUDA runtime error.
    if type(error).__name__ == "AcceleratorError":
        return True
    return bool(DEVICE_FAILURE.search(str(error)))


class DeviceUnavailableError(RuntimeError):
    """TorchServe gave this worker a GPU that torch cannot use: the worker must not serve at CPU speed."""
