"""The PyTorch backend: a Marian model and tokenizer from a save_pretrained directory."""

from __future__ import annotations

import copy

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from handler.backends.base import GenerationParams, MarianTokens, source_window


def model_dtype(device: torch.device) -> torch.dtype:
    """Half precision halves memory and uses tensor cores on GPUs; CPUs stay in fp32."""
    return torch.float16 if device.type == "cuda" else torch.float32


class TransformersBackend(MarianTokens):
    def __init__(self, model_dir: str, device: str, dtype: torch.dtype | None = None) -> None:
        self.device = torch.device(device)
        # `dtype` is for tests: they run the GPU's half-precision path on the CPU.
        dtype = dtype or model_dtype(self.device)
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
