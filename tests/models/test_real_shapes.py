"""Families against the shapes of real checkpoints (public config.json values; weights on the meta device).

Head counts feed profiles and FLOPs, token ids the visual masks, tile layouts the token counts the
processors expand to; a wrong one fails only on a user's GPU box, so each is pinned here.
"""

from __future__ import annotations

import pytest
import torch
from transformers import AutoConfig, AutoModelForImageTextToText

from hawkcli.models.registry import adapter_for

# model_type, config overrides, (heads, kv heads, layers, hidden, head_dim), image token id
REAL = {
    "Qwen2.5-VL-7B": ("qwen2_5_vl", dict(
        text_config=dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                         num_key_value_heads=4, vocab_size=152064),
        vision_config=dict(depth=32, hidden_size=1280, out_hidden_size=3584), image_token_id=151655,
        video_token_id=151656), (28, 4, 28, 3584, 128), 151655),
    "Qwen3-VL-8B": ("qwen3_vl", dict(
        text_config=dict(hidden_size=4096, intermediate_size=12288, num_hidden_layers=36, num_attention_heads=32,
                         num_key_value_heads=8, head_dim=128, vocab_size=151936),
        image_token_id=151655, video_token_id=151656), (32, 8, 36, 4096, 128), 151655),
    "llava-1.5-7b": ("llava", dict(
        text_config=dict(model_type="llama", hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                         num_attention_heads=32, num_key_value_heads=32, vocab_size=32064),
        vision_config=dict(model_type="clip_vision_model", hidden_size=1024, intermediate_size=4096,
                           num_hidden_layers=24, num_attention_heads=16, image_size=336, patch_size=14),
        image_token_index=32000), (32, 32, 32, 4096, 128), 32000),
    "llava-v1.6-mistral-7b": ("llava_next", dict(
        text_config=dict(model_type="mistral", hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                         num_attention_heads=32, num_key_value_heads=8, vocab_size=32064),
        image_token_index=32000), (32, 8, 32, 4096, 128), 32000),
    "llava-onevision-qwen2-0.5b": ("llava_onevision", dict(
        text_config=dict(model_type="qwen2", hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                         num_attention_heads=14, num_key_value_heads=2, vocab_size=152000),
        image_token_index=151646, video_token_index=151647), (14, 2, 24, 896, 64), 151646),
    "InternVL3-8B": ("internvl", dict(
        text_config=dict(model_type="qwen2", hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
                         num_attention_heads=28, num_key_value_heads=4, vocab_size=151674),
        image_token_id=151667), (28, 4, 28, 3584, 128), 151667),
    "SmolVLM-256M": ("idefics3", dict(
        text_config=dict(model_type="llama", hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, head_dim=64, vocab_size=49280),
        vision_config=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                           image_size=512, patch_size=16),
        image_token_id=49190, scale_factor=4), (9, 3, 30, 576, 64), 49190),
    "gemma-3-4b": ("gemma3", dict(
        text_config=dict(hidden_size=2560, intermediate_size=10240, num_hidden_layers=34, num_attention_heads=8,
                         num_key_value_heads=4, head_dim=256, vocab_size=262208),
        image_token_index=262144, boi_token_index=255999, eoi_token_index=256000), (8, 4, 34, 2560, 256), 262144),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REAL))
def test_adapter_reads_the_real_shapes(name):
    model_type, overrides, (heads, kv, layers, hidden, head_dim), image_id = REAL[name]
    config = AutoConfig.for_model(model_type, **overrides)
    with torch.device("meta"):
        model = AutoModelForImageTextToText.from_config(config)
    adapter = adapter_for(model)
    shape = adapter.lm_shape()
    assert (adapter.num_heads, shape.kv_heads, adapter.num_layers, shape.hidden, shape.head_dim) == (
        heads,
        kv,
        layers,
        hidden,
        head_dim,
    )
    assert image_id in adapter.visual_token_ids()
    if model_type != "qwen3_vl":  # DeepStack mergers are not modelled
        assert adapter.vision_shape().out_hidden == hidden
    assert adapter.text_model() is model.get_decoder() or adapter.text_model() in model.modules()


@pytest.mark.parametrize(
    ("size", "tokens"),
    # llava-v1.6 (CLIP 336/14, the default pinpoints): the processor's _get_number_of_features
    [((100, 80), 1320), ((640, 480), 2340), ((336, 336), 1176)],
)
def test_llava_next_token_count(size, tokens):
    from transformers import LlavaNextConfig

    from hawkcli.models.families.llava_next import anyres_boxes

    assert len(anyres_boxes(*size, 336, 14, LlavaNextConfig().image_grid_pinpoints, None)) == tokens


def test_llava_onevision_token_count_and_downscaling():
    from transformers import LlavaOnevisionConfig

    from hawkcli.models.families.llava_next import anyres_boxes

    pins = LlavaOnevisionConfig().image_grid_pinpoints  # SigLIP 384/14: 27 x 27 per tile, anyres_max_9
    # 1920x1080: a 75x135 unpadded grid is resized to 60x108 (+ 60 newlines + the 729 base tokens)
    assert len(anyres_boxes(1920, 1080, 384, 14, pins, 9)) == 729 + 60 * 108 + 60 == 7269


def test_internvl_tiles_of_real_images():
    from hawkcli.models.families.internvl import tile_grid

    assert tile_grid(100, 80, 448, 1, 12) == (4, 3)  # 12 tiles + the thumbnail = 13 x 256 tokens
    assert tile_grid(1920, 1080, 448, 1, 12) == (4, 2)
    assert tile_grid(448, 448, 448, 1, 12) == (1, 1)  # one tile, no thumbnail


def test_idefics3_tile_boxes_partition_the_picture():
    from hawkcli.models.families.idefics3 import tile_boxes

    # SmolVLM-256M: 512-px tiles, 16-px patches, scale 4 -> 8 x 8 tokens of 64 px per tile
    boxes = tile_boxes(1000, 750, rows=3, cols=4, tile=512, cell=64)
    assert len(boxes) == (3 * 4 + 1) * 64
    tiles, global_tile = boxes[: 12 * 64], boxes[12 * 64 :]
    area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in tiles)
    assert area == 1000 * 750 == sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in global_tile)
    assert tiles[64] == (250, 0, 281, 31)  # first token of tile (row 1, col 2)
