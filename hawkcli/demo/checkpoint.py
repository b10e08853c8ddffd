"""Write a from-scratch Qwen-VL checkpoint folder that loads exactly like a downloaded one.

Used to create hawk-demo before training and, at tiny sizes, the test models: config.json,
model.safetensors, a word-level tokenizer with the Qwen special tokens and chat template, and
preprocessor_config.json for the Qwen2-VL image processor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
    "<|unk|>",
]

# The Qwen2-VL chat template, trimmed to what a word-level tokenizer can express.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant."
    "<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

BASE_WORDS = ["system", "user", "assistant", "you", "are", "a", "helpful", "."]


@dataclass
class CheckpointSpec:
    """Sizes of a from-scratch Qwen-VL model. Defaults are a tiny test model."""

    model_type: str = "qwen2_5_vl"
    words: list[str] = field(default_factory=list)
    hidden_size: int = 64
    intermediate_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    num_kv_heads: int = 2
    vision_depth: int = 2
    vision_hidden: int = 32
    vision_heads: int = 2
    vision_intermediate: int = 64
    fullatt_block_indexes: tuple[int, ...] = (1,)
    window_size: int = 56
    min_pixels: int = 56 * 56
    max_pixels: int = 112 * 112
    init_std: float = 0.08
    seed: int = 0


def build_tokenizer(words: list[str], normalizer: Any = None):
    """A word-level fast tokenizer whose special tokens match Qwen2-VL's (`normalizer`: a 🤗 tokenizers
    normaliser in place of plain lower-casing, e.g. `hawkcli.demo.phrasing.normalizer()`)."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {}
    for w in [*SPECIAL_TOKENS, *BASE_WORDS, *words]:
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(WordLevel(vocab, unk_token="<|unk|>"))
    tok.normalizer = normalizer or normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces, like a word tokenizer should
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<|unk|>",
        pad_token="<|endoftext|>",
        eos_token="<|im_end|>",
        additional_special_tokens=SPECIAL_TOKENS[1:8],
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.padding_side = "left"
    return fast


def build_config(spec: CheckpointSpec, tokenizer):
    """A Qwen2-VL / Qwen2.5-VL config of the spec's sizes with the tokenizer's special ids."""
    from transformers import AutoConfig

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    head_dim = spec.hidden_size // spec.num_heads
    # mRoPE splits head_dim/2 frequencies over (t, h, w); Qwen uses 1:1.5:1.5.
    half = head_dim // 2
    t_sec = half // 4
    hw = (half - t_sec) // 2
    mrope = [t_sec + (half - t_sec - 2 * hw), hw, hw]
    text = dict(
        vocab_size=len(tokenizer),
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_layers,
        num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_kv_heads,
        max_position_embeddings=4096,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": mrope},
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
        initializer_range=spec.init_std,
    )
    vision = dict(
        depth=spec.vision_depth,
        num_heads=spec.vision_heads,
        patch_size=14,
        spatial_merge_size=2,
        temporal_patch_size=2,
        initializer_range=spec.init_std,
    )
    if spec.model_type == "qwen2_5_vl":
        vision.update(
            hidden_size=spec.vision_hidden,
            intermediate_size=spec.vision_intermediate,
            out_hidden_size=spec.hidden_size,
            window_size=spec.window_size,
            fullatt_block_indexes=list(spec.fullatt_block_indexes),
        )
    elif spec.model_type == "qwen2_vl":
        vision.update(embed_dim=spec.vision_hidden, hidden_size=spec.hidden_size, mlp_ratio=2)
    else:
        raise ValueError(f"cannot build a {spec.model_type} checkpoint")
    return AutoConfig.for_model(
        spec.model_type,
        text_config=text,
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
    )


def image_processor_config(spec: CheckpointSpec) -> dict:
    return {
        "image_processor_type": "Qwen2VLImageProcessor",
        "do_resize": True,
        "do_rescale": True,
        "do_normalize": True,
        "do_convert_rgb": True,
        "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711],
        "rescale_factor": 1 / 255,
        "patch_size": 14,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "min_pixels": spec.min_pixels,
        "max_pixels": spec.max_pixels,
        "size": {"shortest_edge": spec.min_pixels, "longest_edge": spec.max_pixels},
    }


def build_checkpoint(folder: str | Path, spec: CheckpointSpec) -> Path:
    """Create a seeded, randomly initialised checkpoint folder and return its path."""
    import torch
    from transformers import AutoModelForImageTextToText

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(spec.words)
    config = build_config(spec, tokenizer)
    torch.manual_seed(spec.seed)
    model = AutoModelForImageTextToText.from_config(config, dtype=torch.float32)
    model.generation_config.eos_token_id = config.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    model.generation_config.do_sample = False
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "preprocessor_config.json").write_text(json.dumps(image_processor_config(spec), indent=2))
    return folder
