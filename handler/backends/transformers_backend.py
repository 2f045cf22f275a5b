"""The PyTorch backend: a Marian model and tokenizer from a save_pretrained directory."""

from __future__ import annotations

import copy
import logging

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from handler.backends.base import GenerationParams, MarianTokens, source_window
from handler.backends.precision import AUTO, cpu_flags, cpu_has_bf16, transformers_dtype

logger = logging.getLogger(__name__)


def model_dtype(device: torch.device, requested: str = AUTO) -> torch.dtype:
    """The dtype `requested` (model-config.yaml handler.dtype) resolves to on `device`.

    auto: half precision on GPUs (half the memory, tensor cores); bfloat16 on CPUs with native
    bfloat16 instructions; float32 on other CPUs.
    """
    flags = cpu_flags() if device.type == "cpu" else frozenset()
    # Asked only when it matters: auto keeps float16 on every GPU.
    cuda_bf16 = requested == "bfloat16" and device.type == "cuda" and torch.cuda.is_bf16_supported()
    name = transformers_dtype(requested, device.type, flags, cuda_bf16=cuda_bf16)
    if name == "bfloat16" and device.type == "cpu" and not cpu_has_bf16(flags):
        logger.warning("dtype bfloat16 on a CPU without avx512_bf16 or amx_bf16 is emulated and slower than float32")
    return getattr(torch, name)


class TransformersBackend(MarianTokens):
    def __init__(self, model_dir: str, device: str, dtype: torch.dtype | str = AUTO) -> None:
        self.device = torch.device(device)
        # A torch.dtype is for tests: they run the GPU's half-precision path on the CPU.
        self.dtype = dtype if isinstance(dtype, torch.dtype) else model_dtype(self.device, dtype)
        dtype = self.dtype
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=dtype).to(self.device).eval()
        # The model's defaults as saved (generation_defaults reads them); the model's own copy loses
        # max_length: every call passes max_new_tokens, and max_length would only add a warning per call.
        self.generation_config = copy.deepcopy(self.model.generation_config)
        self.model.generation_config.max_length = None
        self.max_source_tokens = source_window(self.model.config, self.tokenizer)

    def translate(self, texts: list[str], params: GenerationParams) -> list[list[str]]:
        # Dynamic padding: rows are padded to the longest text of this micro-batch only.
        batch = self.tokenizer(texts, padding=True, truncation=False, return_tensors="pt").to(self.device)
        with torch.inference_mode():
            output = self.model.generate(
                **batch,
                num_beams=params.num_beams,
                max_new_tokens=params.max_new_tokens,
                num_return_sequences=params.num_return_sequences,
                do_sample=False,
            )
        decoded = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        n = params.num_return_sequences
        return [[t.strip() for t in decoded[i * n : (i + 1) * n]] for i in range(len(texts))]
