"""The CTranslate2 backend: the Marian model converted to int8, the tokenizer from the same directory.

CTranslate2 runs Marian with int8 weights on CPUs noticeably faster than PyTorch in fp32 (see
bench/README.md for this machine's figures). The conversion happens at archive time
(`make archive BACKEND=ctranslate2`); the archive then carries `ctranslate2/` and the
sentencepiece and tokenizer files, and no PyTorch weights.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import ctranslate2
from transformers import AutoConfig, AutoTokenizer, GenerationConfig

from handler.backends.base import GenerationParams, Hypothesis, MarianTokens, ModelNumericsError, source_window
from handler.backends.precision import AUTO, ctranslate2_compute_type
from handler.settings import usable_cores

CONVERTED_DIR = "ctranslate2"
# Weights are stored in int8 (unless the archive's dtype names a float type); CTranslate2 converts
# them at load time to the compute type.
STORED_QUANTIZATION = "int8"


def compute_type(device: str, requested: str = AUTO) -> str:
    """auto: int8 matrix products on CPUs; int8 weights with bfloat16 activations on GPUs of compute
    capability 8.0 or more, float16 below (handler/backends/precision.py)."""
    if not device.startswith("cuda"):
        return ctranslate2_compute_type(requested, "cpu")
    import torch

    index = _device(device)[1]
    capability = tuple(torch.cuda.get_device_capability(index))
    # CTranslate2 lists bfloat16 only where its kernels run it natively (compute capability 8.0 and later).
    native = "bfloat16" in ctranslate2.get_supported_compute_types("cuda", index)
    return ctranslate2_compute_type(requested, "cuda", capability, native)  # type: ignore[arg-type]


def convert_model(model_dir: Path, dest: Path, quantization: str = STORED_QUANTIZATION) -> Path:
    """Convert a save_pretrained Marian directory into `dest/ctranslate2/` and return `dest`.

    torch-model-archiver copies a directory given in --extra-files by its contents, so `dest`
    is the folder to give it: the archive then holds `ctranslate2/` at its root.
    `quantization` other than int8 ("float32") is for tests that compare the arithmetic with PyTorch's.
    """
    from ctranslate2.converters import TransformersConverter
    from ctranslate2.converters.transformers import register_loader

    register_loader("MarianConfig")(_start_from_pad_loader())
    converter = TransformersConverter(str(model_dir), load_as_float16=False)
    converter.convert(str(dest / CONVERTED_DIR), quantization=quantization, force=True)
    return dest


def _start_from_pad_loader() -> type:
    """CTranslate2's Marian loader, except that the decoder starts from <pad>'s embedding as in transformers.

    CTranslate2's own loader drops <pad> and starts the decoder from a zero vector, which is what
    checkpoints trained by Marian hold in that row. A model fine-tuned with transformers, whose
    embeddings are tied with the output layer, learns a non-zero row, and a zero start changes its
    translations (on the demo model: 36 of 250 greedy translations, 1.3 BLEU). With the row kept,
    <pad> stays in the vocabulary; translate() suppresses it as generation_config's bad_words_ids do.
    """
    import numpy as np
    from ctranslate2.converters.transformers import BartLoader, MarianMTLoader

    class StartFromPadMarianLoader(MarianMTLoader):
        def get_model_spec(self, model):
            model.config.normalize_before = False
            model.config.normalize_embedding = False
            spec = BartLoader.get_model_spec(self, model)  # without removing the <pad> row
            # return_attention gives the last layer's attention averaged over all heads, as the transformers
            # backend aligns, rather than CTranslate2's default of the first head alone (noisier placement).
            spec.decoder.alignment_heads = np.dtype("int16").type(model.config.decoder_attention_heads)
            return spec

        def set_config(self, config, model, tokenizer):
            super().set_config(config, model, tokenizer)
            config.decoder_start_token = tokenizer.convert_ids_to_tokens(model.config.decoder_start_token_id)

        def set_decoder(self, spec, decoder):
            BartLoader.set_decoder(self, spec, decoder)  # start_from_zero_embedding stays off

        def get_vocabulary(self, model, tokenizer):
            return BartLoader.get_vocabulary(self, model, tokenizer)  # <pad> included

    return StartFromPadMarianLoader


def _device(device: str) -> tuple[str, int]:
    kind, _, index = device.partition(":")
    return kind, int(index or 0)


def thread_layout(device: str, threads: int, inter_threads: int = 0) -> tuple[int, int]:
    """(replicas, threads each) for a worker of `threads` threads: `inter_threads` replicas, 0 meaning
    one per thread on a CPU and one on a GPU; the threads are shared between the replicas."""
    replicas = inter_threads or (1 if device.startswith("cuda") else threads)
    return replicas, max(1, threads // replicas)


class CTranslate2Backend(MarianTokens):
    def __init__(
        self, model_dir: str, device: str, threads: int | None = None, compute: str = AUTO, inter_threads: int = 0
    ) -> None:
        # `compute` is model-config.yaml's handler.dtype; tests use "float32" to compare with PyTorch.
        # `inter_threads` its handler.inter_threads (thread_layout).
        kind, index = _device(device)
        converted = Path(model_dir) / CONVERTED_DIR
        if not (converted / "model.bin").is_file():
            raise FileNotFoundError(f"{converted} holds no converted model; archive with --backend ctranslate2")
        # Replicas share the weights and each runs its own batches. A batch is cut into one piece per
        # replica (max_batch_size below), so that one call keeps every replica busy: on the benchmark
        # machine two one-thread replicas translate a batch of 32 about twice as fast as one replica
        # with two threads (bench/README.md "Threads per worker").
        # Not torch.get_num_threads() by default: creating a Translator sets the process's OpenMP thread
        # count to its intra_threads, so that a second backend in one process (the benchmark loads
        # several) would read 1 there and run one replica.
        self.replicas, intra = thread_layout(device, threads or usable_cores(), inter_threads)
        self.translator = ctranslate2.Translator(
            str(converted),
            device=kind,
            device_index=index,
            compute_type=compute_type(device, compute),
            inter_threads=self.replicas,
            intra_threads=intra,
        )
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        config = AutoConfig.from_pretrained(model_dir)
        self.max_source_tokens = source_window(config, self.tokenizer)
        # Dropped from the output like transformers' batch_decode(skip_special_tokens=True) does.
        self.special_tokens = set(self.tokenizer.all_special_tokens)
        # Marian's generation config forces end-of-sentence as the last of max_new_tokens, so
        # transformers produces at most max_new_tokens - 1 words; CTranslate2 counts words only.
        try:
            self.generation_config = GenerationConfig.from_pretrained(model_dir)
        except OSError:
            self.generation_config = GenerationConfig.from_model_config(config)
        self.forced_eos = self.generation_config.forced_eos_token_id is not None
        # Marian's generation config bans <pad>; CTranslate2 takes banned tokens as sequences of pieces, and
        # refuses pieces it does not know (a conversion without <pad> cannot produce it anyway).
        vocabulary = set(json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8")))
        banned = [self.tokenizer.convert_ids_to_tokens(ids) for ids in self.generation_config.bad_words_ids or []]
        self.suppressed = [pieces for pieces in banned if set(pieces) <= vocabulary] or None

    def generate(
        self, texts: list[str], params: GenerationParams, scores: bool = False, alignments: bool = False
    ) -> list[list[Hypothesis]]:
        words = params.max_new_tokens - 1 if self.forced_eos else params.max_new_tokens
        ids = self.tokenizer(texts, truncation=False)["input_ids"]
        source = [self.tokenizer.convert_ids_to_tokens(row) for row in ids]
        if words < 1:  # only the forced end-of-sentence fits, as with transformers
            hypotheses = [[[] for _ in range(params.num_return_sequences)] for _ in texts]
            attention = [[[] for _ in row] for row in hypotheses]
        else:
            results = self._run(
                self.translator.translate_batch,
                source,
                beam_size=params.num_beams,
                num_hypotheses=params.num_return_sequences,
                max_decoding_length=words,
                no_repeat_ngram_size=params.no_repeat_ngram_size,
                repetition_penalty=params.repetition_penalty,
                suppress_sequences=self.suppressed,
                max_batch_size=self._piece_size(len(source)),
                return_attention=alignments,
                return_scores=True,  # one log-probability per hypothesis: how NaN arithmetic shows
            )
            if not all(math.isfinite(score) for result in results for score in result.scores):
                raise ModelNumericsError(f"the model's scores held NaN or inf in {self.translator.compute_type}")
            hypotheses = [result.hypotheses for result in results]
            attention = [result.attention if alignments else [[] for _ in result.hypotheses] for result in results]
        log_probs = self._log_probs(source, hypotheses) if scores else [[None] * len(row) for row in hypotheses]
        # The end-of-sentence counts as a generated token, as transformers counts it (generated, or
        # forced at the length limit, where CTranslate2 just stops).
        aligned = [
            [self.word_alignment(pieces, tokens, weights) if alignments else None for tokens, weights in zip(row, rows)]
            for pieces, row, rows in zip(source, hypotheses, attention)
        ]
        return [
            [
                Hypothesis(self._detokenize(tokens), len(tokens) + 1, lp, alignment)
                for tokens, lp, alignment in zip(row, row_log_probs, row_aligned)
            ]
            for row, row_log_probs, row_aligned in zip(hypotheses, log_probs, aligned)
        ]

    def _log_probs(self, source: list[list[str]], hypotheses: list[list[list[str]]]) -> list[list[float | None]]:
        """Teacher-forced sums of token log-probabilities, end-of-sentence included, as the transformers
        backend computes them (translate_batch's own scores skip a forced end-of-sentence)."""
        sources = [tokens for tokens, row in zip(source, hypotheses) for _ in row]
        targets = [tokens for row in hypotheses for tokens in row]
        scored = iter(
            self._run(self.translator.score_batch, sources, targets, max_batch_size=self._piece_size(len(sources)))
        )
        return [[sum(next(scored).log_probs) for _ in row] for row in hypotheses]

    def _piece_size(self, rows: int) -> int:
        """CTranslate2's max_batch_size: the micro-batch (length-sorted and sized by the service) in one
        piece per replica, which CTranslate2 runs in parallel; 0 (no cut) with one replica."""
        return math.ceil(rows / self.replicas) if self.replicas > 1 else 0

    @staticmethod
    def _run(method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except RuntimeError as e:
            # CTranslate2 reports allocation failures as RuntimeError; the service answers 507 to these.
            if "out of memory" in str(e).lower():
                raise MemoryError(str(e)) from e
            raise

    def _detokenize(self, tokens: list[str]) -> str:
        return self.tokenizer.convert_tokens_to_string([t for t in tokens if t not in self.special_tokens]).strip()
