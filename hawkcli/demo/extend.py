"""Start a fine-tune from a trained hawk-demo: same weights, its vocabulary extended and its tokenizer
given the phrasing normaliser (`hawkcli.demo.phrasing`). Every existing word keeps its id, so the
trained embeddings stay where they were; new words get rows initialised from the old ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def extend_checkpoint(source: Path, target: Path, words: list[str]) -> Path:
    import torch
    from transformers import AutoModelForImageTextToText

    from hawkcli.demo.checkpoint import build_tokenizer
    from hawkcli.demo.phrasing import normalizer

    vocab = json.loads((Path(source) / "tokenizer.json").read_text())["model"]["vocab"]
    old = sorted(vocab, key=vocab.get)
    tokenizer = build_tokenizer([*old, *(w for w in words if w not in vocab)], normalizer())
    if any(tokenizer.convert_tokens_to_ids(w) != i for w, i in vocab.items()):
        raise RuntimeError("extending the vocabulary moved an existing word")
    model = AutoModelForImageTextToText.from_pretrained(str(source), dtype=torch.float32)
    torch.manual_seed(0)
    model.resize_token_embeddings(len(tokenizer))
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    shutil.copy(Path(source) / "preprocessor_config.json", target / "preprocessor_config.json")
    return target
