"""Qwen2.5-VL: same token and position layout as Qwen2-VL (window attention lives in the vision tower)."""

from __future__ import annotations

import torch

from hawkcli.models.adapters.qwen2_vl import Qwen2VLAdapter
from hawkcli.models.registry import register


@register
class Qwen25VLAdapter(Qwen2VLAdapter):
    model_types = ("qwen2_5_vl",)

    def _vision_order(self, grid_thw: torch.Tensor) -> torch.Tensor | None:
        # Qwen2.5-VL's vision blocks see merge units grouped by attention window; the merger output is
        # put back with argsort(window_index), and so are our saliency scores.
        from transformers.vision_utils import get_vision_window_index

        vc = self.config.vision_config
        window_index, _ = get_vision_window_index(grid_thw, vc.spatial_merge_size, vc.window_size, vc.patch_size)
        return torch.argsort(window_index)
