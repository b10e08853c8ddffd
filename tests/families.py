"""Tiny seeded checkpoint folders, one per family, that load like downloaded ones.

Each builder writes config.json + model.safetensors (stock transformers classes, random weights with
std 0.08 so tokens score differently), a word-level tokenizer carrying the family's real special
tokens and a chat template of the family's shape, and the image-processor config the real
checkpoints ship. The sizes are the smallest that exercise the family's token layout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

WORDS = "what colour is the circle square red blue green ? which shape describe how many".split()  # noqa: SIM905
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def word_tokenizer(
    specials: list[str], words: list[str], template: str, bos: str | None, eos: str, pad: str, named: dict | None = None
):
    """A fast word-level tokenizer; `specials` are never split. Adds `bos` in front like Llama's."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {}
    for w in ["<unk>", *specials, *words, "system", "user", "assistant", ".", ":", "\n"]:
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece(prefix="##")
    if bos is not None:
        tok.post_processor = processors.TemplateProcessing(single=f"{bos} $A", special_tokens=[(bos, vocab[bos])])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        bos_token=bos,
        eos_token=eos,
        pad_token=pad,
        additional_special_tokens=[s for s in specials if s not in {bos, eos, pad}],
        **({"extra_special_tokens": named} if named else {}),
    )
    fast.add_tokens(specials, special_tokens=True)  # matched whole, never split, whatever `named` replaced
    fast.chat_template = template
    return fast


def _save(folder: Path, config, tokenizer, image_processor: dict, seed: int, extra_files: dict | None = None) -> Path:
    import torch
    from transformers import AutoModelForImageTextToText

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model = AutoModelForImageTextToText.from_config(config, dtype=torch.float32)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.08)
    gen = model.generation_config
    gen.eos_token_id, gen.pad_token_id, gen.do_sample = tokenizer.eos_token_id, tokenizer.pad_token_id, False
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "preprocessor_config.json").write_text(json.dumps(image_processor, indent=2))
    for name, payload in (extra_files or {}).items():
        (folder / name).write_text(json.dumps(payload, indent=2))
    return folder


def _llama_text(tokenizer, **extra) -> dict:
    """A 3-layer GQA decoder config (Llama unless `model_type` says otherwise)."""
    return dict(
        {"model_type": "llama", **extra},
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )


def _clip_vision(image: int, patch: int) -> dict:
    """A 3-layer CLIP tower (LLaVA-1.5 / NeXT; the penultimate layer feeds the projector)."""
    return dict(model_type="clip_vision_model", hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                num_attention_heads=4, image_size=image, patch_size=patch, hidden_act="quick_gelu")  # fmt: skip


def _siglip_vision() -> dict:
    """A 2-layer SigLIP tower, 56-px images of 14-px patches (Gemma 3, LLaVA-OneVision)."""
    return dict(model_type="siglip_vision_model", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                num_attention_heads=2, image_size=56, patch_size=14, vision_use_head=False)  # fmt: skip


# -- Qwen2-VL / Qwen2.5-VL: the project's own builder ---------------------------------------------------


def build_qwen(model_type: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        from hawkcli.demo.checkpoint import CheckpointSpec, build_checkpoint

        return build_checkpoint(folder, CheckpointSpec(model_type=model_type, words=WORDS, seed=1))

    return build


# -- LLaVA-1.5 ---------------------------------------------------------------------------------------------

LLAVA_TEMPLATE = (  # llava-hf/llava-1.5-7b-hf chat_template, without the generation markers
    "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': '}}{% endif %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>\n' }}{% endfor %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}"
    "{% endfor %}{% endfor %}{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)


def build_llava(folder: Path) -> Path:
    from transformers import AutoConfig

    tok = word_tokenizer(["<s>", "</s>", "<image>", "<pad>"], [*WORDS, "USER", "ASSISTANT"], LLAVA_TEMPLATE,
                         "<s>", "</s>", "<pad>")  # fmt: skip
    image, patch = 56, 14
    config = AutoConfig.for_model(
        "llava",
        text_config=_llama_text(tok),
        vision_config=_clip_vision(image, patch),
        image_token_index=tok.convert_tokens_to_ids("<image>"),
        image_seq_length=(image // patch) ** 2,
        vision_feature_layer=-2,
        vision_feature_select_strategy="default",
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
    )
    processor = {
        "image_processor_type": "CLIPImageProcessor", "processor_class": "LlavaProcessor",
        "do_resize": True, "size": {"shortest_edge": image}, "resample": 3,
        "do_center_crop": True, "crop_size": {"height": image, "width": image},
        "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": CLIP_MEAN, "image_std": CLIP_STD, "do_convert_rgb": True,
    }  # fmt: skip
    extra = {"processor_config.json": {"processor_class": "LlavaProcessor", "patch_size": patch,
                                       "vision_feature_select_strategy": "default", "num_additional_image_tokens": 1}}  # fmt: skip
    return _save(folder, config, tok, processor, seed=2, extra_files=extra)


# -- Qwen3-VL ----------------------------------------------------------------------------------------------


def build_qwen3(folder: Path) -> Path:
    from transformers import AutoConfig

    from hawkcli.demo.checkpoint import build_tokenizer

    tok = build_tokenizer(WORDS)
    ids = {t: tok.convert_tokens_to_ids(t) for t in ("<|image_pad|>", "<|video_pad|>", "<|vision_start|>",
                                                     "<|vision_end|>", "<|im_end|>", "<|endoftext|>")}  # fmt: skip
    config = AutoConfig.for_model(
        "qwen3_vl",
        text_config=dict(
            vocab_size=len(tok),
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            max_position_embeddings=4096,
            rope_parameters=dict(rope_type="default", rope_theta=5e6, mrope_section=[4, 2, 2], mrope_interleaved=True),
            eos_token_id=ids["<|im_end|>"],
            pad_token_id=ids["<|endoftext|>"],
            bos_token_id=ids["<|endoftext|>"],
        ),  # fmt: skip
        vision_config=dict(
            depth=3,
            hidden_size=32,
            intermediate_size=64,
            num_heads=2,
            patch_size=16,
            spatial_merge_size=2,
            temporal_patch_size=2,
            out_hidden_size=64,
            num_position_embeddings=256,
            deepstack_visual_indexes=[0, 1],
        ),  # fmt: skip
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )
    processor = {
        "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen3VLProcessor",
        "do_resize": True, "do_rescale": True, "do_normalize": True, "do_convert_rgb": True,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "rescale_factor": 1 / 255,
        "patch_size": 16, "temporal_patch_size": 2, "merge_size": 2,
        "size": {"shortest_edge": 64 * 64, "longest_edge": 128 * 128},
    }  # fmt: skip
    return _save(folder, config, tok, processor, seed=3)


# -- Idefics3 / SmolVLM ------------------------------------------------------------------------------------

SMOLVLM_TEMPLATE = (  # transformers' smolvlm DEFAULT_CHAT_TEMPLATE (images and text only)
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}{% if message['content'] is string %}"
    "{{': ' + message['content']}}{% else %}{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}"
    "{{': '}}{% endif %}{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}{% endif %}<end_of_utterance>\n"
    "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)


def build_idefics3(model_type: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        from transformers import AutoConfig

        markers = ["<global-img>", *[f"<row_{i}_col_{j}>" for i in range(1, 4) for j in range(1, 4)]]
        specials = ["<|endoftext|>", "<|im_start|>", *markers, "<fake_token_around_image>", "<image>",
                    "<end_of_utterance>"]  # fmt: skip
        tok = word_tokenizer(specials, [*WORDS, "User", "Assistant"], SMOLVLM_TEMPLATE, "<|im_start|>",
                             "<end_of_utterance>", "<|endoftext|>")  # fmt: skip
        tile, patch, scale = 56, 14, 2
        config = AutoConfig.for_model(
            model_type,
            image_token_id=tok.convert_tokens_to_ids("<image>"),
            scale_factor=scale,
            tie_word_embeddings=False,
            vision_config=dict(
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=2,
                image_size=tile,
                patch_size=patch,
            ),  # fmt: skip
            text_config=_llama_text(tok, head_dim=16, tie_word_embeddings=False),
        )
        kind = "SmolVLM" if model_type == "smolvlm" else "Idefics3"
        processor = {
            "image_processor_type": f"{kind}ImageProcessor", "processor_class": f"{kind}Processor",
            "do_resize": True, "size": {"longest_edge": 2 * tile}, "max_image_size": {"longest_edge": tile},
            "do_image_splitting": True, "resample": 1, "do_rescale": True, "rescale_factor": 1 / 255,
            "do_normalize": True, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
            "do_pad": True, "do_convert_rgb": True,
        }  # fmt: skip
        seq = (tile // patch) ** 2 // scale**2
        extra = {"processor_config.json": {"processor_class": f"{kind}Processor", "image_seq_len": seq}}
        return _save(folder, config, tok, processor, seed=4, extra_files=extra)

    return build


# -- Gemma 3 -----------------------------------------------------------------------------------------------

GEMMA3_TEMPLATE = (  # google/gemma-3-*-it chat template, without the system-prompt branch
    "{{ bos_token }}{%- for message in messages -%}"
    "{%- if message['role'] == 'assistant' -%}{%- set role = 'model' -%}{%- else -%}{%- set role = message['role'] -%}"
    "{%- endif -%}{{ '<start_of_turn>' + role + '\n' }}"
    "{%- for item in message['content'] -%}{%- if item['type'] == 'image' -%}{{ '<start_of_image>' }}"
    "{%- elif item['type'] == 'text' -%}{{ item['text'] | trim }}{%- endif -%}{%- endfor -%}"
    "{{ '<end_of_turn>\n' }}{%- endfor -%}{%- if add_generation_prompt -%}{{'<start_of_turn>model\n'}}{%- endif -%}"
)


def build_gemma3(folder: Path) -> Path:
    from transformers import AutoConfig

    specials = ["<pad>", "<eos>", "<bos>", "<start_of_turn>", "<end_of_turn>", "<start_of_image>", "<end_of_image>",
                "<image_soft_token>"]  # fmt: skip
    named = {"image_token": "<image_soft_token>", "boi_token": "<start_of_image>", "eoi_token": "<end_of_image>"}
    tok = word_tokenizer(specials, [*WORDS, "model"], GEMMA3_TEMPLATE, "<bos>", "<eos>", "<pad>", named)
    ids = {t: tok.convert_tokens_to_ids(t) for t in specials}
    eos = [ids["<eos>"], ids["<end_of_turn>"]]
    config = AutoConfig.for_model(
        "gemma3",
        text_config=dict(
            vocab_size=len(tok),
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=3,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            query_pre_attn_scalar=16,
            sliding_window=8,
            layer_types=["sliding_attention", "full_attention", "sliding_attention"],
            max_position_embeddings=512,
            pad_token_id=ids["<pad>"],
            eos_token_id=eos,
            bos_token_id=ids["<bos>"],
        ),  # fmt: skip
        vision_config=_siglip_vision(),
        mm_tokens_per_image=4,
        boi_token_index=ids["<start_of_image>"],
        eoi_token_index=ids["<end_of_image>"],
        image_token_index=ids["<image_soft_token>"],
        pad_token_id=ids["<pad>"],
        eos_token_id=eos,
        bos_token_id=ids["<bos>"],
    )
    processor = {
        "image_processor_type": "Gemma3ImageProcessor", "processor_class": "Gemma3Processor",
        "do_resize": True, "size": {"height": 56, "width": 56}, "resample": 2, "do_rescale": True,
        "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
        "do_convert_rgb": None, "do_pan_and_scan": None, "image_seq_length": 4,
    }  # fmt: skip
    extra = {"processor_config.json": {"processor_class": "Gemma3Processor", "image_seq_length": 4}}
    return _save(folder, config, tok, processor, seed=5, extra_files=extra)


# -- LLaVA-NeXT / LLaVA-OneVision ---------------------------------------------------------------------------

NEXT_TEMPLATE = (  # llava-hf/llava-v1.6-mistral-7b-hf, user turns only
    "{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' }}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>\n' }}{% endfor %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] }}{% endfor %}"
    "{{' [/INST]' }}{% endif %}{% endfor %}"
)
ONEVISION_TEMPLATE = (  # llava-hf/llava-onevision-*-hf: images first, then text, no system prompt
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>\n' }}{% endfor %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] }}{% endfor %}"
    "{{ '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TILE_PINPOINTS = [[56, 112], [112, 56], [112, 112], [56, 56]]


def build_llava_next(folder: Path) -> Path:
    from transformers import AutoConfig

    tok = word_tokenizer(["<s>", "</s>", "<image>", "<pad>"], [*WORDS, "[", "]", "/", "INST"], NEXT_TEMPLATE,
                         "<s>", "</s>", "<pad>")  # fmt: skip
    config = AutoConfig.for_model(
        "llava_next",
        text_config=_llama_text(tok, model_type="mistral", sliding_window=None),
        vision_config=_clip_vision(56, 14),
        image_token_index=tok.convert_tokens_to_ids("<image>"),
        image_grid_pinpoints=TILE_PINPOINTS,
        vision_feature_layer=-2,
        vision_feature_select_strategy="default",
        image_seq_length=16,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
    )
    processor = {
        "image_processor_type": "LlavaNextImageProcessor", "processor_class": "LlavaNextProcessor",
        "do_resize": True, "size": {"shortest_edge": 56}, "resample": 3, "do_center_crop": True,
        "crop_size": {"height": 56, "width": 56}, "do_rescale": True, "rescale_factor": 1 / 255,
        "do_normalize": True, "image_mean": CLIP_MEAN, "image_std": CLIP_STD, "do_pad": True,
        "do_convert_rgb": True, "image_grid_pinpoints": TILE_PINPOINTS,
    }  # fmt: skip
    extra = {"processor_config.json": {"processor_class": "LlavaNextProcessor", "patch_size": 14,
                                       "vision_feature_select_strategy": "default", "num_additional_image_tokens": 1}}  # fmt: skip
    return _save(folder, config, tok, processor, seed=6, extra_files=extra)


def build_llava_onevision(folder: Path) -> Path:
    from transformers import AutoConfig

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"]
    tok = word_tokenizer(specials, WORDS, ONEVISION_TEMPLATE, None, "<|im_end|>", "<|endoftext|>")
    text = _llama_text(tok, model_type="qwen2")
    config = AutoConfig.for_model(
        "llava_onevision",
        text_config=text,
        vision_config=_siglip_vision(),
        image_token_index=tok.convert_tokens_to_ids("<image>"),
        video_token_index=tok.convert_tokens_to_ids("<video>"),
        image_grid_pinpoints=TILE_PINPOINTS,
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        vision_aspect_ratio="anyres_max_1",  # small enough that the tiny images take the downscaling branch
        tie_word_embeddings=False,
    )
    processor = {
        "image_processor_type": "LlavaOnevisionImageProcessor", "processor_class": "LlavaOnevisionProcessor",
        "do_resize": True, "size": {"height": 56, "width": 56}, "resample": 3, "do_rescale": True,
        "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
        "do_pad": True, "do_convert_rgb": True, "image_grid_pinpoints": TILE_PINPOINTS,
    }  # fmt: skip
    extra = {"processor_config.json": {"processor_class": "LlavaOnevisionProcessor", "num_image_tokens": 16,
                                       "vision_feature_select_strategy": "full", "vision_aspect_ratio": "anyres_max_1"}}  # fmt: skip
    return _save(folder, config, tok, processor, seed=7, extra_files=extra)


# -- InternVL3 -----------------------------------------------------------------------------------------------

INTERNVL_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n'}}"
    "{% for content in message['content'] %}{% if content['type'] == 'image' %}{{ '<IMG_CONTEXT>\n' }}"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}{{'<|im_end|>\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{'<|im_start|>assistant\n' }}{% endif %}"
)


def build_internvl(folder: Path) -> Path:
    from transformers import AutoConfig

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>", "<video>"]
    named = {"start_image_token": "<img>", "end_image_token": "</img>", "context_image_token": "<IMG_CONTEXT>",
             "video_token": "<video>"}  # fmt: skip
    tok = word_tokenizer(specials, WORDS, INTERNVL_TEMPLATE, None, "<|im_end|>", "<|endoftext|>", named)
    tile = 56
    config = AutoConfig.for_model(
        "internvl",
        vision_config=dict(
            model_type="internvl_vision",
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=4,
            intermediate_size=64,
            image_size=tile,
            patch_size=14,
            attention_bias=True,
            use_qk_norm=False,
            norm_type="layer_norm",
        ),  # fmt: skip
        text_config=_llama_text(tok, model_type="qwen2", tie_word_embeddings=True),
        image_token_id=tok.convert_tokens_to_ids("<IMG_CONTEXT>"),
        image_seq_length=(tile // 14) ** 2 // 4,
        downsample_ratio=0.5,
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
    )
    processor = {
        "image_processor_type": "GotOcr2ImageProcessor", "processor_class": "InternVLProcessor",
        "do_resize": True, "size": {"height": tile, "width": tile}, "resample": 3, "do_rescale": True,
        "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": [0.485, 0.456, 0.406],
        "image_std": [0.229, 0.224, 0.225], "do_convert_rgb": True, "crop_to_patches": False,
        "min_patches": 1, "max_patches": 4,
    }  # fmt: skip
    extra = {"processor_config.json": {"processor_class": "InternVLProcessor", "image_seq_length": 4}}
    return _save(folder, config, tok, processor, seed=8, extra_files=extra)


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "internvl": build_internvl,
    "llava_next": build_llava_next,
    "llava_onevision": build_llava_onevision,
    "gemma3": build_gemma3,
    "idefics3": build_idefics3("idefics3"),
    "smolvlm": build_idefics3("smolvlm"),
    "qwen3_vl": build_qwen3,
    "qwen2_5_vl": build_qwen("qwen2_5_vl"),
    "qwen2_vl": build_qwen("qwen2_vl"),
    "llava": build_llava,
}
