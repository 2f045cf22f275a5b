"""The PyTorch backend: a Marian model and tokenizer from a save_pretrained directory."""

from __future__ import annotations

import copy
import logging
import math

import torch
import torch.nn.functional as F
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, LogitsProcessor, LogitsProcessorList

from handler.backends.base import (
    PAD_TO_MULTIPLE_OF,
    SCORE_CHUNK_TOKENS,
    GenerationParams,
    Hypothesis,
    MarianTokens,
    ModelNumericsError,
    source_window,
)
from handler.backends.precision import AUTO, cpu_flags, cpu_has_bf16, transformers_dtype
from handler.batching import padded_width

logger = logging.getLogger(__name__)
# NonFiniteWatch reads every this-many-th vocabulary entry of each step's scores.
SCORE_SAMPLE_STRIDE = 64
# transformers' attention without a fused kernel: batched matrix products and a softmax.
EAGER = "eager"
# The decoder layer whose cross-attention (heads averaged) gives word alignments: chosen on the demo
# model with bench/markup_quality.py (tag placement rate per layer).
ALIGNMENT_LAYER = -1
# Rows per alignment pass: bounds the attention weights held at once (rows x layers x heads x steps x source).
ALIGNMENT_CHUNK_ROWS = 16


def cuda_capability(device: torch.device) -> tuple[tuple[int, int], bool]:
    """(compute capability, native bfloat16 as torch reports it) of a CUDA device.

    Not torch.cuda.is_bf16_supported() alone: by default it counts emulation, and says yes on a T4."""
    capability = tuple(torch.cuda.get_device_capability(device))
    return capability, torch.cuda.is_bf16_supported(including_emulation=False)  # type: ignore[return-value]


def model_dtype(device: torch.device, requested: str = AUTO) -> torch.dtype:
    """The dtype `requested` (model-config.yaml handler.dtype) resolves to on `device`
    (handler/backends/precision.py: bfloat16 or float16 on GPUs by compute capability; bfloat16 on
    CPUs with native bfloat16 instructions; float32 on other CPUs)."""
    flags = cpu_flags() if device.type == "cpu" else frozenset()
    capability, bf16 = cuda_capability(device) if device.type == "cuda" else (None, False)
    name = transformers_dtype(requested, device.type, flags, capability, bf16)
    if name == "bfloat16" and device.type == "cpu" and not cpu_has_bf16(flags):
        logger.warning("dtype bfloat16 on a CPU without avx512_bf16 or amx_bf16 is emulated and slower than float32")
    return getattr(torch, name)


def guard_float16_overflow(model: torch.nn.Module) -> int:
    """Clamp every linear layer's float16 output into float16's range; returns how many are guarded.

    Marian is post-LayerNorm: an overflow happens in a projection (fc1, fc2, attention's out_proj, the
    output layer) and reaches the residual sum as inf, which LayerNorm turns into NaN. transformers
    clamps only the encoder layers' output, after that LayerNorm, where NaN is already past clamping,
    and the decoder not at all. Clamping each projection's output keeps the values finite where they
    arise, in the encoder and the decoder alike (one elementwise pass per layer)."""
    limit = torch.finfo(torch.float16).max - 1000  # transformers' own margin

    def clamp(module: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
        return output.clamp_(-limit, limit) if output.dtype == torch.float16 else output

    layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    for layer in layers:
        layer.register_forward_hook(clamp)
    return len(layers)


class NonFiniteWatch(LogitsProcessor):
    """Notes whether any step's scores held NaN or +inf (-inf is how banned tokens are masked).

    NaN logits make the argmax pick id 0, `</s>` in opus-mt: without this a NaN model answers "".
    The flag stays on the device until read, so that it adds no synchronisation per step."""

    def __init__(self) -> None:
        self.flag: torch.Tensor | None = None

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        # A NaN in the decoder's state makes every logit of its row NaN, so a sample of the vocabulary tells,
        # at a small fraction of a pass over it (amax propagates NaN; banned tokens are -inf, not flagged).
        bad = ~(scores[:, ::SCORE_SAMPLE_STRIDE].amax(dim=-1) < math.inf).all()
        self.flag = bad if self.flag is None else self.flag | bad
        return scores

    def seen(self) -> bool:
        return bool(self.flag) if self.flag is not None else False


class TransformersBackend(MarianTokens):
    def __init__(
        self,
        model_dir: str,
        device: str,
        dtype: torch.dtype | str = AUTO,
        pad_to_multiple_of: int = PAD_TO_MULTIPLE_OF,
        score_chunk_tokens: int = SCORE_CHUNK_TOKENS,
    ) -> None:
        self.device = torch.device(device)
        self.pad_to_multiple_of = max(1, pad_to_multiple_of)
        # A torch.dtype is for tests: they run the GPU's half-precision path on the CPU.
        self.dtype = dtype if isinstance(dtype, torch.dtype) else model_dtype(self.device, dtype)
        dtype = self.dtype
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=dtype).to(self.device).eval()
        if dtype == torch.float16:
            guard_float16_overflow(self.model)
        # Target tokens (rows x length) per forward pass of the scoring pass (handler.score_chunk_tokens).
        self.score_chunk_tokens = max(1, score_chunk_tokens)
        # The model's defaults as saved (generation_defaults reads them); the model's own copy loses
        # max_length: every call passes max_new_tokens, and max_length would only add a warning per call.
        self.generation_config = copy.deepcopy(self.model.generation_config)
        self.model.generation_config.max_length = None
        self.max_source_tokens = source_window(self.model.config, self.tokenizer)
        # In bfloat16 on a CPU, PyTorch's fused attention kernel is slower than plain matrix products once
        # a padding mask comes in: the benchmark model's batch 32 runs 16.8 sentences/s with it, 19.8 to
        # 26 without (bench/README.md "Precision"). A row alone has no mask and is 10% faster with it.
        # So padded batches switch to eager attention and single rows switch back (0.6 ms a switch).
        self.row_attention = self.model.config._attn_implementation
        self.batch_attention = EAGER if self.device.type == "cpu" and dtype == torch.bfloat16 else self.row_attention

    def generate(
        self, texts: list[str], params: GenerationParams, scores: bool = False, alignments: bool = False
    ) -> list[list[Hypothesis]]:
        # Rows are padded to this micro-batch's longest text, rounded up to pad_to_multiple_of: PyTorch and
        # oneDNN keep native memory for each input shape seen, so the set of shapes must stay bounded. One
        # row alone is not padded: its shapes are bounded by the source window already, and an unmasked
        # row is faster (14% at batch 1 on the demo model). Nor is a batch padded past the source window.
        batch = self.tokenizer(texts, padding=True, truncation=False, return_tensors="pt")
        longest = batch["input_ids"].shape[1]
        extra = padded_width(longest, len(texts), self.pad_to_multiple_of, self.max_source_tokens) - longest
        if extra:
            batch["input_ids"] = F.pad(batch["input_ids"], (0, extra), value=self.tokenizer.pad_token_id)
            batch["attention_mask"] = F.pad(batch["attention_mask"], (0, extra), value=0)
        batch = batch.to(self.device)
        self._use_attention(self.batch_attention if len(texts) > 1 else self.row_attention)
        watch = NonFiniteWatch()
        with torch.inference_mode():
            output = self.model.generate(
                **batch,
                num_beams=params.num_beams,
                max_new_tokens=params.max_new_tokens,
                num_return_sequences=params.num_return_sequences,
                no_repeat_ngram_size=params.no_repeat_ngram_size,
                repetition_penalty=params.repetition_penalty,
                do_sample=False,
                logits_processor=LogitsProcessorList([watch]),
            )
            if watch.seen():
                raise ModelNumericsError(f"the model's scores held NaN or inf in {self.dtype}")
            generated = output[:, 1:]  # without the decoder start
            mask = self._generated_mask(generated)
            log_probs = self._log_probs(batch, output, mask, params.num_return_sequences) if scores else None
            aligned = self._alignments(batch, output, mask, params.num_return_sequences) if alignments else None
        decoded = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        tokens = mask.sum(dim=1).tolist()
        n = params.num_return_sequences
        return [
            [
                Hypothesis(
                    decoded[r].strip(),
                    tokens[r],
                    None if log_probs is None else log_probs[r],
                    None if aligned is None else aligned[r],
                )
                for r in range(i * n, (i + 1) * n)
            ]
            for i in range(len(texts))
        ]

    def _use_attention(self, implementation: str) -> None:
        if self.model.config._attn_implementation != implementation:
            self.model.set_attn_implementation(implementation)

    def _generated_mask(self, generated: torch.Tensor) -> torch.Tensor:
        """True for the generated tokens up to and including each row's first end-of-sentence."""
        eos = generated == self.generation_config.eos_token_id
        ended_before = (torch.cumsum(eos, dim=1) - eos.long()) > 0
        return ~ended_before & (generated != self.generation_config.pad_token_id)

    def _log_probs(self, batch, output: torch.Tensor, mask: torch.Tensor, n: int) -> list[float]:
        """Sum of each row's token log-probabilities, teacher-forced on the model's raw distribution.

        generate's own scores have gone through the logits processors (the forced end-of-sentence
        gets probability 1 there); a forward pass gives the model's view, as CTranslate2's score_batch does.
        Rows go through in chunks of about score_chunk_tokens target tokens, so that the logits
        (rows x steps x vocabulary) stay bounded however long the rows are; without a key/value cache,
        which a single teacher-forced pass never reads.
        """
        input_ids = batch["input_ids"].repeat_interleave(n, dim=0)
        attention = batch["attention_mask"].repeat_interleave(n, dim=0)
        targets = output[:, 1:]
        rows_per_chunk = score_chunk_rows(self.score_chunk_tokens, targets.shape[1])
        sums: list[float] = []
        for start in range(0, output.shape[0], rows_per_chunk):
            rows = slice(start, start + rows_per_chunk)
            logits = self._logits(input_ids[rows], attention[rows], output[rows, :-1])
            picked = torch.gather(logits, 2, targets[rows].unsqueeze(-1)).squeeze(-1).float()
            # float32 for the sum over the vocabulary; a no-op (no copy) for a float32 model.
            token_log_probs = picked - torch.logsumexp(logits.float(), dim=-1)
            del logits
            sums.extend((token_log_probs * mask[rows]).sum(dim=1).tolist())
        return sums

    def _alignments(self, batch, output: torch.Tensor, mask: torch.Tensor, n: int) -> list[tuple[int, ...]]:
        """Each row's word alignment from the cross-attention of a teacher-forced pass (heads averaged,
        layer ALIGNMENT_LAYER). Attention weights need eager attention; the fused kernels do not return them."""
        input_ids = batch["input_ids"].repeat_interleave(n, dim=0)
        attention = batch["attention_mask"].repeat_interleave(n, dim=0)
        previous = self.model.config._attn_implementation
        self._use_attention(EAGER)
        aligned: list[tuple[int, ...]] = []
        try:
            for start in range(0, output.shape[0], ALIGNMENT_CHUNK_ROWS):
                rows = slice(start, start + ALIGNMENT_CHUNK_ROWS)
                cross = self.model(
                    input_ids=input_ids[rows],
                    attention_mask=attention[rows],
                    decoder_input_ids=output[rows, :-1],
                    output_attentions=True,
                ).cross_attentions[ALIGNMENT_LAYER]
                weights = cross.float().mean(dim=1)  # rows x target steps x source tokens
                for r in range(weights.shape[0]):
                    row = start + r
                    source = self.tokenizer.convert_ids_to_tokens(input_ids[row][attention[row].bool()].tolist())
                    steps = int(mask[row].sum())
                    target = self.tokenizer.convert_ids_to_tokens(output[row, 1 : 1 + steps].tolist())
                    aligned.append(self.word_alignment(source, target, weights[r, :steps, : len(source)].tolist()))
        finally:
            self._use_attention(previous)
        return aligned

    def _logits(self, input_ids: torch.Tensor, attention: torch.Tensor, decoder_ids: torch.Tensor) -> torch.Tensor:
        """The output layer on the decoder's states, its bias added in place: one logits tensor at a
        time instead of the model's two (the product, then the product plus the bias)."""
        hidden = self.model.model(
            input_ids=input_ids, attention_mask=attention, decoder_input_ids=decoder_ids, use_cache=False
        ).last_hidden_state
        logits = self.model.lm_head(hidden)
        del hidden
        bias = getattr(self.model, "final_logits_bias", None)
        if bias is not None:
            logits += bias
        return logits


def score_chunk_rows(chunk_tokens: int, target_length: int) -> int:
    """Rows per scoring pass: as many as fit `chunk_tokens` target tokens, at least one."""
    return max(1, chunk_tokens // max(1, target_length))
