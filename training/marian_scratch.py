"""Build a Marian model directory from scratch: sentencepiece vocabularies and a sized config.

Used by the offline demo model (trained by training.finetune afterwards), by the tests' tiny
models and by the benchmark's full-size model. The directory has the layout that
`save_pretrained` writes for Helsinki-NLP/opus-mt-* models, so everything downstream treats
it like the real thing.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

import sentencepiece as spm
from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

# Marian's own special tokens: end-of-sentence is id 0, unknown 1, padding the last id.
EOS, UNK, PAD = "</s>", "<unk>", "<pad>"

# Sizes by name. "opus-mt" is the architecture of Helsinki-NLP/opus-mt-tr-en (transformer-base).
ARCHITECTURES: dict[str, dict[str, int]] = {
    "tiny": dict(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ffn_dim=64),
    "demo": dict(d_model=256, encoder_layers=3, decoder_layers=3, heads=4, ffn_dim=1024),
    "opus-mt": dict(d_model=512, encoder_layers=6, decoder_layers=6, heads=8, ffn_dim=2048),
}


def train_sentencepiece(texts: Iterable[str], vocab_size: int) -> bytes:
    """A unigram sentencepiece model trained on `texts`, as the bytes of a .spm file."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(texts)),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        # The unknown piece is Marian's <unk>; sentencepiece's own <s>/</s> are not used.
        unk_piece=UNK,
        bos_id=-1,
        eos_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return model.getvalue()


def build_tokenizer(
    source_texts: Iterable[str], target_texts: Iterable[str], out_dir: Path, vocab_size: int = 2000
) -> MarianTokenizer:
    """Train source/target sentencepiece models and save a MarianTokenizer with a joint vocab.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, texts in (("source.spm", source_texts), ("target.spm", target_texts)):
            paths[name] = Path(tmp, name)
            paths[name].write_bytes(train_sentencepiece(texts, vocab_size))
        vocab = {EOS: 0, UNK: 1}
        for path in paths.values():
            processor = spm.SentencePieceProcessor(model_file=str(path))
            for i in range(processor.get_piece_size()):
                piece = processor.id_to_piece(i)
                if not processor.is_control(i) and piece not in vocab:
                    vocab[piece] = len(vocab)
        vocab[PAD] = len(vocab)
        vocab_path = Path(tmp, "vocab.json")
        vocab_path.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        tokenizer = MarianTokenizer(
            str(paths["source.spm"]), str(paths["target.spm"]), str(vocab_path), source_lang="tr", target_lang="en"
        )
        tokenizer.save_pretrained(out_dir)
    return MarianTokenizer.from_pretrained(out_dir)


def build_model(
    tokenizer: MarianTokenizer, architecture: str = "tiny", vocab_size: int | None = None, seed: int = 0
) -> MarianMTModel:
    """A randomly initialised Marian model for `tokenizer`; `vocab_size` may exceed the tokenizer's."""
    import torch

    size = ARCHITECTURES[architecture]
    pad_id = tokenizer.pad_token_id
    config = MarianConfig(
        vocab_size=max(vocab_size or 0, len(tokenizer)),
        d_model=size["d_model"],
        encoder_layers=size["encoder_layers"],
        decoder_layers=size["decoder_layers"],
        encoder_attention_heads=size["heads"],
        decoder_attention_heads=size["heads"],
        encoder_ffn_dim=size["ffn_dim"],
        decoder_ffn_dim=size["ffn_dim"],
        max_position_embeddings=512,
        activation_function="swish",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=pad_id,
        pad_token_id=pad_id,
        eos_token_id=tokenizer.eos_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,
        bad_words_ids=[[pad_id]],
        max_length=512,
        num_beams=4,
    )
    return model


def build_model_dir(
    source_texts: Iterable[str],
    target_texts: Iterable[str],
    out_dir: Path,
    architecture: str = "tiny",
    vocab_size: int = 2000,
    seed: int = 0,
) -> Path:
    """Tokenizer and randomly initialised model saved together, ready for from_pretrained."""
    tokenizer = build_tokenizer(source_texts, target_texts, out_dir, vocab_size)
    build_model(tokenizer, architecture, seed=seed).save_pretrained(out_dir)
    return out_dir
