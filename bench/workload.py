"""What the benchmark runs: a model with opus-mt-tr-en's cost per token, and fixed Turkish input.

No model hub is reachable here, so the benchmark model is built locally with random weights and
the architecture of Helsinki-NLP/opus-mt-tr-en (transformer-base Marian, a 58k vocabulary).
Random weights would stop at random lengths, so end-of-sentence is forbidden through
`final_logits_bias`: every sentence then generates exactly `max_new_tokens` tokens and runs
compare like with like.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from training.marian_scratch import PAD, build_model, build_tokenizer

DATA_DIR = Path(__file__).resolve().parent.parent / "training" / "data"
# Helsinki-NLP/opus-mt-tr-en's vocabulary size; the extra rows cost what the real ones do.
OPUS_MT_VOCAB = 58101
# Low enough that softmax never picks the token, finite so that nothing becomes NaN.
FORBIDDEN_LOGIT = -1e4
MIN_TOKENS, MAX_TOKENS = 5, 60


def corpus_sentences() -> tuple[list[str], list[str]]:
    pairs = [json.loads(line)["translation"] for line in (DATA_DIR / "train.jsonl").open(encoding="utf-8")]
    return [p["tr"] for p in pairs], [p["en"] for p in pairs]


def build_bench_model(out_dir: Path, architecture: str = "opus-mt", vocab_size: int = OPUS_MT_VOCAB) -> Path:
    """A save_pretrained Marian directory that never ends a sentence early."""
    if (out_dir / "model.safetensors").is_file():
        return out_dir
    import torch
    from transformers import MarianTokenizer

    sources, targets = corpus_sentences()
    build_tokenizer(sources, targets, out_dir, vocab_size=2000)
    # Pad the vocabulary with pieces the sentencepiece models never produce, so that the embedding
    # and output layers have the real model's size and every converter sees matching sizes.
    vocab_path = out_dir / "vocab.json"
    vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    # Marian keeps <pad> as the last id (converters rely on it), so the unused pieces go before it.
    del vocab[PAD]
    vocab.update({f"<unused{i}>": i for i in range(len(vocab), vocab_size - 1)})
    vocab[PAD] = len(vocab)
    vocab_path.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    # A fresh tokenizer from the files: the saved tokenizer_config.json still has the old <pad> id.
    tokenizer = MarianTokenizer(
        str(out_dir / "source.spm"), str(out_dir / "target.spm"), str(vocab_path), source_lang="tr", target_lang="en"
    )
    tokenizer.save_pretrained(out_dir)
    model = build_model(tokenizer, architecture, vocab_size=len(vocab), seed=0)
    with torch.no_grad():
        model.final_logits_bias[0, tokenizer.eos_token_id] = FORBIDDEN_LOGIT
    model.save_pretrained(out_dir)
    return out_dir


def bench_sentences(count_tokens, count: int, seed: int = 0) -> list[str]:
    """`count` Turkish texts of 5 to 60 source tokens: corpus sentences, and runs of them for the long ones.

    Lengths are spread evenly over the range so that padding and length sorting matter as in real traffic.
    """
    sources, _ = corpus_sentences()
    rng = random.Random(seed)
    texts: list[str] = []
    while len(texts) < count:
        target = rng.randint(MIN_TOKENS, MAX_TOKENS)
        text = rng.choice(sources)
        while count_tokens([text])[0] < target:
            text = f"{text} {rng.choice(sources)}"
        if count_tokens([text])[0] <= MAX_TOKENS:
            texts.append(text)
    return texts
