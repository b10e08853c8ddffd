"""Gemma 3 (`gemma3`): SigLIP-896 + 4x4 average pooling to 256 tokens + a Gemma 3 decoder.

Inputs (transformers 5.24, `processing_gemma3.py`): the chat template writes `<start_of_image>` per
image; the processor turns it into `\\n\\n<start_of_image>` + 256 `<image_soft_token>` +
`<end_of_image>\\n\\n` and adds `token_type_ids` (1 on the soft tokens). The image is resized to a
square (aspect not kept), so token k covers cell (k // 16, k % 16) of a 16x16 grid over the picture.
The stock processor loads without torchvision.

What the text model receives: `attention_mask` is a dict `{"full_attention", "sliding_attention"}`
of masks prebuilt by the multimodal model at the unpruned length, in which the tokens of one image
see each other bidirectionally (built from `token_type_ids`, first step only). Cutting rows out of
the sliding-window mask would be wrong (the window counts positions in the shortened cache), so
pruning rebuilds both masks with the model's own `create_masks_for_generate` from the kept tokens'
embeddings, 2-D mask, positions and token types: kept tokens of one image keep seeing each other.
q and k are RMS-normalised per head: the HAWK scorer uses the normalised projections.

Not supported: in-decoder pruning (fastv), whose per-layer masks would have to reproduce the sliding
window and the image blocks; vision-side saliency (vispruner, idsel) on the pooled SigLIP tokens.
"""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.core.geometry import grid_boxes
from hawkcli.models.base import VLMAdapter
from hawkcli.models.processing import VLInputs
from hawkcli.models.registry import register


class Gemma3Inputs(VLInputs):
    image_token = "<image_soft_token>"
    placeholder = "<start_of_image>"
    end_of_turn = "<end_of_turn>"
    nested_images = True

    def expand(self, texts: list[str], vision: Any) -> list[str]:
        run = f"\n\n{self.placeholder}{self.image_token * self.config.mm_tokens_per_image}<end_of_image>\n\n"
        return [text.replace(self.placeholder, run) for text in texts]

    def model_inputs(self, vision: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in vision.items() if k != "num_crops"}  # pan-and-scan bookkeeping, off by default

    def extra(self, input_ids: Any) -> dict[str, Any]:
        return {"token_type_ids": (input_ids == self.image_token_id).long()}

    def image_boxes(self, width: int, height: int) -> list[Any]:
        side = int(self.config.mm_tokens_per_image**0.5)
        return grid_boxes(side, side, (0, 0, width, height))


@register
class Gemma3Adapter(VLMAdapter):
    model_types = ("gemma3",)
    family = "Gemma 3"
    query_ends_at_eos = True  # <eos> and <end_of_turn> on the instruct checkpoints
    in_decoder = False
    in_decoder_note = "sliding-window and image-block masks per layer"
    aliases = {f"gemma-3-{size}": f"google/gemma-3-{size}-it" for size in ("4b", "12b", "27b")}
    inputs_class = Gemma3Inputs

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id,)

    def vision_shape(self) -> Any:
        v = self.config.vision_config
        pool = (v.image_size // v.patch_size) // int(self.config.mm_tokens_per_image**0.5)  # 4x4 average pool
        return self.tower_shape(merge=pool, projector=(v.hidden_size, self.text_config().hidden_size))

    def image_end_ids(self) -> tuple[int, ...]:
        return (self.config.eoi_token_id,)

    def gather_text_inputs(
        self, kwargs: dict, calls: Any, index: torch.Tensor, new_mask: torch.Tensor, input_ids: torch.Tensor
    ) -> dict:
        out = super().gather_text_inputs(kwargs, calls, index, new_mask, input_ids)
        token_types = torch.gather((input_ids == self.config.image_token_id).long(), 1, index) * new_mask.bool()
        build = type(self.model).create_masks_for_generate
        out[calls.attention_mask] = build(
            config=self.config,
            inputs_embeds=out[calls.inputs_embeds],
            attention_mask=new_mask,
            position_ids=out[calls.position_ids],
            token_type_ids=token_types,
            **{calls.cache: calls.get_cache(kwargs)},
        )
        return out
