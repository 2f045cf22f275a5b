"""Peak memory of return_details' scoring pass (TransformersBackend._log_probs) on the CPU.

    python -m bench.score_memory                      # 32 rows x 512 target tokens, opus-mt's vocabulary
    python -m bench.score_memory --chunk-tokens 8192  # another handler.score_chunk_tokens

Each measurement runs in a fresh subprocess: a Marian model with opus-mt-tr-en's vocabulary (58,101)
and a small hidden size (the logits, rows x steps x vocabulary, are what grows), the inputs built,
then the scoring pass; the figure is the peak resident memory (getrusage's ru_maxrss) less the
resident memory just before the pass. `--rows-per-chunk 16` scores 16 rows per forward pass through
the model's own forward and its key/value cache, as the code did before handler.score_chunk_tokens.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys

OPUS_MT_VOCAB = 58101


def measure(rows: int, target: int, chunk_tokens: int, rows_per_chunk: int, d_model: int) -> dict:
    import psutil
    import torch
    from transformers import MarianConfig, MarianMTModel

    from handler.backends.transformers_backend import TransformersBackend

    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=OPUS_MT_VOCAB, d_model=d_model, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=2 * d_model, decoder_ffn_dim=2 * d_model,
        max_position_embeddings=target + 8, pad_token_id=OPUS_MT_VOCAB - 1, decoder_start_token_id=OPUS_MT_VOCAB - 1,
        eos_token_id=0,
    )  # fmt: skip
    backend = object.__new__(TransformersBackend)  # the scoring pass alone: no tokenizer needed
    backend.model = MarianMTModel(config).eval()
    backend.score_chunk_tokens = chunk_tokens
    batch = {"input_ids": torch.randint(1, 1000, (rows, 16)), "attention_mask": torch.ones(rows, 16, dtype=torch.long)}
    output = torch.randint(1, 1000, (rows, target + 1))
    mask = torch.ones(rows, target, dtype=torch.bool)
    before = psutil.Process().memory_info().rss
    with torch.inference_mode():
        if rows_per_chunk:
            sums = rows_chunked(backend.model, batch, output, mask, rows_per_chunk)
        else:
            sums = backend._log_probs(batch, output, mask, 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"rows": rows, "target_tokens": target, "chunk_tokens": chunk_tokens, "rows_per_chunk": rows_per_chunk,
            "peak_mib": round((peak - before) / 2**20), "finite": all(map(lambda s: s == s, sums))}  # fmt: skip


def rows_chunked(model, batch, output, mask, rows_per_chunk: int) -> list[float]:
    """The scoring pass as it was: a fixed number of rows per forward pass, the model's own forward."""
    import torch

    sums: list[float] = []
    for start in range(0, output.shape[0], rows_per_chunk):
        rows = slice(start, start + rows_per_chunk)
        logits = model(
            input_ids=batch["input_ids"][rows], attention_mask=batch["attention_mask"][rows],
            decoder_input_ids=output[rows, :-1],
        ).logits.float()  # fmt: skip
        picked = torch.gather(logits, 2, output[rows, 1:].unsqueeze(-1)).squeeze(-1)
        sums.extend(((picked - torch.logsumexp(logits, dim=-1)) * mask[rows]).sum(dim=1).tolist())
    return sums


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.score_memory", description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--target-tokens", type=int, default=512)
    parser.add_argument("--chunk-tokens", type=int, default=None, help="default: handler.score_chunk_tokens's")
    parser.add_argument("--rows-per-chunk", type=int, default=0, help="the former fixed rows per pass (0: tokens)")
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.chunk_tokens is None:
        from handler.backends.base import SCORE_CHUNK_TOKENS

        args.chunk_tokens = SCORE_CHUNK_TOKENS
    if args.child:
        print(json.dumps(measure(args.rows, args.target_tokens, args.chunk_tokens, args.rows_per_chunk, args.d_model)))
        return 0
    command = [sys.executable, "-m", "bench.score_memory", "--child", *(argv if argv is not None else sys.argv[1:])]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        print(f"error: the measurement failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}", file=sys.stderr)
        return 1
    print(result.stdout.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
