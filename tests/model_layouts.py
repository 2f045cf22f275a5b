"""Model directories as users have them, built from a tiny save_pretrained model.

transformers 5 writes only safetensors, so the 2022 layouts (pytorch_model.bin, sharded .bin,
generation fields inside config.json) are written here the way transformers 4 wrote them.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import torch

TOKENIZER_FILES = ("tokenizer_config.json", "source.spm", "target.spm", "vocab.json")
# A commit hash as the hub's cache names snapshots.
HUB_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def copy_without_weights(model_dir: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "generation_config.json", *TOKENIZER_FILES):
        shutil.copyfile(model_dir / name, out / name)
    return out


def state_dict(model_dir: Path) -> dict[str, torch.Tensor]:
    from transformers import AutoModelForSeq2SeqLM

    return AutoModelForSeq2SeqLM.from_pretrained(model_dir).state_dict()


def write_pytorch_weights(model_dir: Path, out: Path, shards: int = 1) -> Path:
    """`out` with the weights of `model_dir` as pytorch_model.bin, or `shards` shards and their index.

    Every key is stored, tied ones too, as transformers 4's torch.save of the state dict did.
    """
    copy_without_weights(model_dir, out)
    weights = {k: v.clone() for k, v in state_dict(model_dir).items()}
    if shards == 1:
        torch.save(weights, out / "pytorch_model.bin")
        return out
    keys = list(weights)
    weight_map = {}
    for i in range(shards):
        name = f"pytorch_model-{i + 1:05d}-of-{shards:05d}.bin"
        part = keys[i::shards]
        torch.save({k: weights[k] for k in part}, out / name)
        weight_map.update(dict.fromkeys(part, name))
    index = {"metadata": {"total_size": sum(t.numel() * t.element_size() for t in weights.values())}}
    (out / "pytorch_model.bin.index.json").write_text(json.dumps({**index, "weight_map": weight_map}))
    return out


def legacy_generation_config(model_dir: Path, **fields: object) -> Path:
    """Move generation_config.json's fields (updated by `fields`) into config.json, as 2022 directories had them."""
    generation = json.loads((model_dir / "generation_config.json").read_text())
    generation.pop("transformers_version", None)
    config = json.loads((model_dir / "config.json").read_text())
    config.update(generation, **fields)
    (model_dir / "config.json").write_text(json.dumps(config, indent=2))
    (model_dir / "generation_config.json").unlink()
    return model_dir


def original_sample_layout(model_dir: Path, out: Path, shards: int = 1, **generation: object) -> Path:
    """The original sample's model-output-tr-en: .bin weights, generation fields in config.json,
    special_tokens_map.json and training_args.bin (a pickle that must never be loaded)."""
    write_pytorch_weights(model_dir, out, shards)
    legacy_generation_config(out, **generation)
    special = {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    (out / "special_tokens_map.json").write_text(json.dumps(special))
    (out / "training_args.bin").write_bytes(pickle.dumps({"learning_rate": 2e-5}))
    return out


def hub_cache(hf_home: Path, repo_id: str, model_dir: Path, commit: str = HUB_COMMIT) -> Path:
    """`model_dir` laid out in `hf_home` as huggingface_hub's cache holds a downloaded snapshot."""
    repo = hf_home / "hub" / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    shutil.copytree(model_dir, snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot


def overflowing_model(model_dir: Path, out: Path, scale: float) -> Path:
    """`model_dir` with its decoder's feed-forward output (fc2) scaled by `scale`: what a model trained in
    float32 does at the edge of a narrower type's range, made to happen. 1e4 overflows float16 (its
    largest value is 65,504) and nothing wider; 1e38 overflows float32 too."""
    from transformers import AutoModelForSeq2SeqLM

    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir)
    with torch.no_grad():
        for layer in model.model.decoder.layers:
            layer.fc2.weight.mul_(scale)
            layer.fc2.bias.mul_(scale)
    model.save_pretrained(out)
    for name in ("generation_config.json", *TOKENIZER_FILES):
        shutil.copyfile(model_dir / name, out / name)
    return out
