"""The hawk-demo architecture: a scaled-down Qwen2.5-VL that sees 144 visual tokens per synth image."""

from __future__ import annotations

from hawkcli.data import synth
from hawkcli.demo.checkpoint import CheckpointSpec


def demo_spec(seed: int = 0) -> CheckpointSpec:
    pixels = synth.IMAGE_SIZE * synth.IMAGE_SIZE
    return CheckpointSpec(
        model_type="qwen2_5_vl",
        words=synth.vocabulary(),
        hidden_size=256,
        intermediate_size=768,
        num_layers=4,
        num_heads=8,
        num_kv_heads=4,
        vision_depth=4,
        vision_hidden=128,
        vision_heads=4,
        vision_intermediate=256,
        fullatt_block_indexes=(1, 3),
        window_size=112,
        min_pixels=pixels,
        max_pixels=pixels,
        init_std=0.02,
        seed=seed,
    )


def tiny_spec(spec: CheckpointSpec) -> CheckpointSpec:
    """The demo's vocabulary and image size with test-sized widths (for fast training-script tests)."""
    from dataclasses import replace

    return replace(
        spec,
        hidden_size=64,
        intermediate_size=128,
        num_layers=2,
        num_heads=4,
        num_kv_heads=2,
        vision_depth=2,
        vision_hidden=32,
        vision_heads=2,
        vision_intermediate=64,
        fullatt_block_indexes=(1,),
    )
