"""Qwen2.5-VL: same token and position layout as Qwen2-VL (window attention lives in the vision tower)."""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.models.families.qwen2_vl import Qwen2VLAdapter, QwenVLInputs
from hawkcli.models.registry import register


class Qwen25VLInputs(QwenVLInputs):
    def video_timing(self, videos: list[Any]) -> dict[str, Any]:
        # As the stock processor: seconds per temporal step = temporal patch / sampled fps, which mRoPE
        # multiplies by the vision config's tokens_per_second.
        t = self.video.temporal_patch_size
        return {"second_per_grid_ts": torch.tensor([t / v.sample_fps for v in videos], dtype=torch.float32)}


@register
class Qwen25VLAdapter(Qwen2VLAdapter):
    model_types = ("qwen2_5_vl",)
    family = "Qwen2.5-VL"
    inputs_class = Qwen25VLInputs
    aliases = {f"qwen2.5-vl-{size}": f"Qwen/Qwen2.5-VL-{size.upper()}-Instruct" for size in ("3b", "7b", "32b", "72b")}

    def vision_shape(self) -> Any:
        from hawkcli.core.flops import VisionShape

        v = self.config.vision_config
        window = (v.window_size // v.patch_size) ** 2
        return VisionShape(
            depth=v.depth,
            hidden=v.hidden_size,
            intermediate=v.intermediate_size,
            patch_dim=v.in_channels * v.temporal_patch_size * v.patch_size**2,
            merge=v.spatial_merge_size,
            out_hidden=v.out_hidden_size,
            gated_mlp=True,
            window_patches=window,
            full_blocks=tuple(v.fullatt_block_indexes),
        )

    def _vision_order(self, grid_thw: torch.Tensor) -> torch.Tensor | None:
        # Qwen2.5-VL's vision blocks see merge units grouped by attention window; the merger output is
        # put back with argsort(window_index), and so are our saliency scores.
        from transformers.vision_utils import get_vision_window_index

        vc = self.config.vision_config
        window_index, _ = get_vision_window_index(grid_thw, vc.spatial_merge_size, vc.window_size, vc.patch_size)
        return torch.argsort(window_index)
