"""LLaVA-1.5 (`llava`): CLIP ViT-L/14-336 + a two-layer projector + a Llama/Vicuna decoder.

Inputs: the chat template writes `USER: <image>\\n{question} ASSISTANT:`; the processor expands the
`<image>` placeholder into `image_seq_length` copies (576: the 24x24 patch grid, CLS dropped by the
"default" feature strategy). The CLIP image processor resizes the short side to 336 and centre-crops
336x336, so token k covers the 14-px cell (k // 24, k % 24) of that crop. The stock processor loads
without torchvision (CLIP has a PIL image processor).

Query: the template has no end-of-turn token before the answer, so the query is the text after the
image up to the end of the prompt (it includes the ` ASSISTANT:` suffix).

Saliency (VisPruner / ID-Selection): the attention of the CLS token over the patches in the layer
that feeds the projector (`vision_feature_layer`, -2: the penultimate), head mean — as in the
VisPruner paper and code for LLaVA-1.5.
"""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.core.geometry import Box
from hawkcli.errors import HawkError
from hawkcli.models.base import VLMAdapter
from hawkcli.models.processing import VLInputs
from hawkcli.models.registry import register


def center_crop_boxes(width: int, height: int, shortest_edge: int, crop: tuple[int, int], patch: int) -> list[Box]:
    """Boxes of the patch grid of a resize-short-side-then-centre-crop image processor (CLIP's)."""
    if width <= height:
        new_w, new_h = shortest_edge, int(shortest_edge * height / width)
    else:
        new_h, new_w = shortest_edge, int(shortest_edge * width / height)
    crop_h, crop_w = crop
    top, left = (new_h - crop_h) // 2, (new_w - crop_w) // 2
    sx, sy = width / new_w, height / new_h
    boxes = []
    for r in range(crop_h // patch):
        for c in range(crop_w // patch):
            x0, y0 = left + c * patch, top + r * patch
            boxes.append((round(x0 * sx), round(y0 * sy), round((x0 + patch) * sx), round((y0 + patch) * sy)))
    return boxes


class LlavaInputs(VLInputs):
    image_token = "<image>"
    # Consecutive images form one run of <image> tokens here; telling them apart is not built yet.
    multi_image = False

    def tokens_per_image(self) -> int:
        return int(self.config.image_seq_length)

    def expand(self, texts: list[str], vision: Any) -> list[str]:
        run = self.image_token * self.tokens_per_image()
        return [text.replace(self.image_token, run) for text in texts]

    def image_boxes(self, width: int, height: int) -> list[Box]:
        ip = self.image_processor
        crop = (ip.crop_size["height"], ip.crop_size["width"])
        return center_crop_boxes(width, height, ip.size["shortest_edge"], crop, self.config.vision_config.patch_size)


@register
class LlavaAdapter(VLMAdapter):
    model_types = ("llava",)
    family = "LLaVA-1.5"
    aliases = {f"llava-1.5-{size}": f"llava-hf/llava-1.5-{size}-hf" for size in ("7b", "13b")}
    inputs_class = LlavaInputs
    has_saliency = True

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id,)

    def vision_shape(self) -> Any:
        d_v, d_t = self.config.vision_config.hidden_size, self.text_config().hidden_size
        return self.tower_shape(projector=(d_v, d_t, d_t))  # CLIP, then linear -> GELU -> linear

    def vision_saliency_hooks(self, sink: list[torch.Tensor], method: str) -> list[Any]:
        """Per image: the CLS row of the feature layer's attention (softmax, head mean) over the patches."""
        if self.config.vision_feature_select_strategy != "default":
            raise HawkError(f"method {method} on {self.family} needs the 'default' feature strategy (CLS dropped)")
        layer = self.config.vision_feature_layer
        if not isinstance(layer, int):
            raise HawkError(f"method {method} on {self.family} supports one vision_feature_layer, not {layer}")
        attention = self.model.model.vision_tower.encoder.layers[layer].self_attn

        def on_attention(module: Any, args: tuple, kwargs: dict) -> None:
            hidden = kwargs.get("hidden_states", args[0] if args else None)  # already layer_norm1-ed
            b, n, _ = hidden.shape
            q = module.q_proj(hidden[:, :1]).view(b, 1, module.num_heads, module.head_dim).transpose(1, 2)
            k = module.k_proj(hidden).view(b, n, module.num_heads, module.head_dim).transpose(1, 2)
            probs = (q.float() @ k.float().transpose(-1, -2) * module.scale).softmax(-1)  # [B, H, 1, N]
            sink.append(probs.mean(1)[:, 0, 1:].reshape(-1))

        return [attention.register_forward_pre_hook(on_attention, with_kwargs=True)]
