"""handler/device_failures.py: which failures end the worker, which answer 507, from the exception alone.

The messages are the libraries' own wording (torch's c10 CUDA checks, CTranslate2's CUDA_CHECK and
CUBLAS_CHECK macros), raised here as the exception types each library raises."""

from __future__ import annotations

import pytest
import torch

from handler.device_failures import breaks_the_device, is_out_of_memory

ENDS_THE_WORKER = [
    torch.AcceleratorError("CUDA error: an illegal memory access was encountered"),
    torch.AcceleratorError("CUDA error: unspecified launch failure"),
    RuntimeError("CUDA error: device-side assert triggered"),
    RuntimeError("CUDA error: CUBLAS_STATUS_EXECUTION_FAILED when calling `cublasGemmEx( handle, opa, opb, ...)`"),
    RuntimeError("CUDA error: CUBLAS_STATUS_NOT_INITIALIZED when calling `cublasCreate(handle)`"),
    RuntimeError("cuDNN error: CUDNN_STATUS_INTERNAL_ERROR"),
    RuntimeError("cuBLAS failed with status CUBLAS_STATUS_EXECUTION_FAILED"),  # CTranslate2
    RuntimeError("cuBLAS failed with status CUBLAS_STATUS_ARCH_MISMATCH"),
    RuntimeError("CUDA failed with error an illegal memory access was encountered"),  # CTranslate2
    RuntimeError("CUDA failed with error no kernel image is available for execution on the device"),
    RuntimeError("cuDNN failed with status CUDNN_STATUS_EXECUTION_FAILED"),
]
OUT_OF_MEMORY = [
    torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.77 GiB total capacity)"),
    MemoryError(),
    RuntimeError("CUDA failed with error out of memory"),  # CTranslate2's allocator
    RuntimeError("cuBLAS failed with status CUBLAS_STATUS_ALLOC_FAILED"),
    RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8589934592 bytes"),
]
NEITHER = [
    ValueError("boom"),
    RuntimeError("The size of tensor a (512) must match the size of tensor b (513) at non-singleton dimension 1"),
    RuntimeError("unable to open file /models/cuda-tuned/model.bin"),  # "cuda" in a path is not a CUDA error
    KeyError("CUDA"),  # not a RuntimeError's message about CUDA, though the text names it
]


@pytest.mark.parametrize("error", ENDS_THE_WORKER, ids=str)
def test_cuda_cublas_and_cudnn_failures_of_both_backends_end_the_worker(error):
    assert breaks_the_device(error) and not is_out_of_memory(error)


@pytest.mark.parametrize("error", OUT_OF_MEMORY, ids=repr)
def test_out_of_memory_answers_507_and_keeps_the_worker(error):
    assert is_out_of_memory(error) and not breaks_the_device(error)


@pytest.mark.parametrize("error", NEITHER, ids=repr)
def test_other_failures_are_a_500_and_keep_the_worker(error):
    assert not breaks_the_device(error) and not is_out_of_memory(error)
