"""LLaVA-OneVision (`llava_onevision`): SigLIP-384 anyres tiles + newlines + a Qwen2 decoder.

The token layout is LLaVA-NeXT's (`llava_next.anyres_boxes`) with SigLIP's 27 x 27 tokens per tile
(no CLS: the "full" feature strategy keeps every patch; the last 6 px of each 384-px tile are never
seen) and `anyres_max_9`: a high-resolution grid of more than about 9 tiles is resized to fit.
Separate `<image>` / `<video>` ids. The stock processor needs torchvision (its video processor), so
hawk's own input path builds the same ids from the PIL image processor (`pixel_values`,
`image_sizes`, `batch_num_images`). Query: after the image to the end of the user turn (`<|im_end|>`).
Vision saliency is not read on this family (see LLaVA-NeXT).
"""

from __future__ import annotations

from hawkcli.models.families.llava_next import LlavaNextAdapter, LlavaNextInputs
from hawkcli.models.registry import register


class LlavaOnevisionInputs(LlavaNextInputs):
    end_of_turn = "<|im_end|>"

    def max_tiles(self) -> int | None:
        return int(self.config.vision_aspect_ratio.removeprefix("anyres_max_"))


@register
class LlavaOnevisionAdapter(LlavaNextAdapter):
    model_types = ("llava_onevision",)
    family = "LLaVA-OneVision"
    query_ends_at_eos = True  # <|im_end|>
    inputs_class = LlavaOnevisionInputs
    aliases = {
        "llava-onevision-0.5b": "llava-hf/llava-onevision-qwen2-0.5b-ov-hf",
        "llava-onevision-7b": "llava-hf/llava-onevision-qwen2-7b-ov-hf",
    }

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id, self.config.video_token_id)
