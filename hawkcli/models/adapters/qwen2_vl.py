"""Qwen2-VL: mRoPE position ids `[3 or 4, B, L]`, visual tokens `<|image_pad|>` / `<|video_pad|>`."""

from __future__ import annotations

import torch

from hawkcli.models.base import VLMAdapter
from hawkcli.models.registry import register


@register
class Qwen2VLAdapter(VLMAdapter):
    model_types = ("qwen2_vl",)

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id, self.config.video_token_id)

    def _im_end_id(self) -> int:
        eos = self.text_config().eos_token_id
        return eos[0] if isinstance(eos, (list, tuple)) else eos

    def query_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        # The query is what follows the last `<|vision_end|>` up to the last `<|im_end|>` (the user turn's
        # text after its last image), as in the HAWK reference. With no such text, `<|vision_end|>` itself.
        mask = torch.zeros_like(input_ids, dtype=torch.bool)
        ends = (input_ids == self.config.vision_end_token_id).nonzero().flatten()
        if ends.numel() == 0:
            return mask
        start = int(ends[-1]) + 1
        im_end = (input_ids == self._im_end_id()).nonzero().flatten()
        after = im_end[im_end >= start]
        stop = int(after[-1]) if after.numel() else input_ids.numel()
        if stop > start:
            mask[start:stop] = True
        else:
            mask[start - 1] = True
        return mask
