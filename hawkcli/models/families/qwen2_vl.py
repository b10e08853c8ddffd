"""Qwen2-VL: mRoPE position ids `[3 or 4, B, L]`, visual tokens `<|image_pad|>` / `<|video_pad|>`.

Inputs: the chat template writes `<|vision_start|><|image_pad|><|vision_end|>` per image; the stock
processor expands each `<|image_pad|>` into `grid_t*grid_h*grid_w / merge_size**2` copies, one per
merged 2x2 patch block of the resized image in raster order, and the model needs `mm_token_type_ids`
(1 image, 2 video) for its mRoPE index. Without torchvision the stock processor does not load; the
PIL image processor plus that expansion gives identical inputs.
"""

from __future__ import annotations

import sys
from typing import Any

import torch

from hawkcli.core.geometry import grid_boxes, spans
from hawkcli.models.base import VLMAdapter
from hawkcli.models.processing import VLInputs
from hawkcli.models.registry import register


class QwenVLInputs(VLInputs):
    image_token = "<|image_pad|>"
    video_token = "<|video_pad|>"
    end_of_turn = "<|im_end|>"

    @classmethod
    def load_image_processor(cls, path: str, revision: str | None = None, **kwargs: Any) -> Any:
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

        return Qwen2VLImageProcessorPil.from_pretrained(path, revision=revision, **kwargs)

    def expand(self, texts: list[str], vision: Any) -> list[str]:
        merge = self.image_processor.merge_size**2
        counts = iter((vision["image_grid_thw"].prod(-1) // merge).tolist())
        expanded = []
        for text in texts:
            # Expand each placeholder in order, exactly as the stock processor's replace_image_token does.
            parts = text.split(self.image_token)
            out = parts[0]
            for part in parts[1:]:
                out += self.image_token * next(counts) + part
            expanded.append(out)
        return expanded

    def extra(self, input_ids: Any) -> dict[str, Any]:
        video_id = self.tokenizer.convert_tokens_to_ids(self.video_token)
        return {"mm_token_type_ids": (input_ids == self.image_token_id).int() + 2 * (input_ids == video_id).int()}

    def layout(self, inputs: Any, row: int, image_sizes: list[tuple[int, int]]) -> list[Any]:
        # A merged token is a merge x merge block of patches of the *resized* image (aspect kept), in
        # raster order, so the grid maps straight onto the original picture.
        merge = self.image_processor.merge_size
        first = self.images_before(inputs["input_ids"], row)
        grids = inputs["image_grid_thw"][first : first + len(image_sizes)].tolist()
        return spans(
            [
                grid_boxes(h // merge, w // merge, (0, 0, width, height)) * t
                for (t, h, w), (width, height) in zip(grids, image_sizes, strict=True)
            ]
        )


@register
class Qwen2VLAdapter(VLMAdapter):
    model_types = ("qwen2_vl",)
    family = "Qwen2-VL"
    query_ends_at_eos = True  # <|im_end|>
    aliases = {"qwen2-vl-2b": "Qwen/Qwen2-VL-2B-Instruct", "qwen2-vl-7b": "Qwen/Qwen2-VL-7B-Instruct"}
    inputs_class = QwenVLInputs
    has_saliency = True

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id, self.config.video_token_id)

    def image_end_ids(self) -> tuple[int, ...]:
        return (self.config.vision_end_token_id,)

    def default_position_ids(self, batch: int, length: int, device: Any) -> torch.Tensor:
        # What the text model builds itself for a fresh sequence: 0..L-1 on every mRoPE row (T, H, W).
        return torch.arange(length, device=device).expand(3, batch, length)

    def vision_shape(self) -> Any:
        from hawkcli.core.flops import VisionShape

        v = self.config.vision_config
        dim = getattr(v, "embed_dim", None) or v.hidden_size
        return VisionShape(
            depth=v.depth,
            hidden=dim,
            intermediate=int(dim * v.mlp_ratio),
            patch_dim=v.in_channels * v.temporal_patch_size * v.patch_size**2,
            merge=v.spatial_merge_size,
            out_hidden=self.text_config().hidden_size,
            gated_mlp=False,
            window_patches=0,
        )

    def vision_patches(self, inputs: Any) -> int | None:
        return int(inputs["image_grid_thw"].prod(-1).sum())

    # -- vision-side saliency (VisPruner / ID-Selection) --------------------------------------------
    def _vision_order(self, grid_thw: torch.Tensor) -> torch.Tensor | None:
        """Index that puts merge units from vision-block order back into raster order (None: already raster)."""
        return None

    def vision_saliency_hooks(self, sink: list[torch.Tensor], method: str) -> list[Any]:
        """Hooks that append, per vision-tower call, the attention each merged token *receives* in the
        last vision block (head mean, column sum within its attention span, mean over the merge unit),
        in raster order of the merged tokens."""
        visual = self.model.model.visual
        last = visual.blocks[-1].attn
        rope = sys.modules[type(last).__module__].apply_rotary_pos_emb_vision
        merge_unit = self.config.vision_config.spatial_merge_size**2
        grid: dict[str, torch.Tensor] = {}

        def on_visual(module: Any, args: tuple, kwargs: dict) -> None:
            grid["thw"] = kwargs.get("grid_thw", args[1] if len(args) > 1 else None)

        def on_attention(module: Any, args: tuple, kwargs: dict) -> None:
            hidden = kwargs.get("hidden_states", args[0] if args else None)
            cu = kwargs.get("cu_seqlens", args[1] if len(args) > 1 else None).tolist()
            cos, sin = kwargs["position_embeddings"]
            n = hidden.shape[0]
            q, k, _ = module.qkv(hidden).reshape(n, 3, module.num_heads, -1).permute(1, 0, 2, 3).unbind(0)
            q, k = rope(q, k, cos, sin)
            received = torch.zeros(n, dtype=torch.float32, device=hidden.device)
            for start, end in zip(cu[:-1], cu[1:], strict=True):
                qs, ks = q[start:end].float().transpose(0, 1), k[start:end].float().transpose(0, 1)
                for h in range(qs.shape[0]):  # one head at a time keeps memory at span² floats
                    probs = (qs[h] @ ks[h].T * module.scaling).softmax(-1)
                    received[start:end] += probs.sum(0) / qs.shape[0]
            units = received.view(-1, merge_unit).mean(-1)
            order = self._vision_order(grid["thw"])
            sink.append(units if order is None else units[order.to(units.device)])

        return [
            visual.register_forward_pre_hook(on_visual, with_kwargs=True),
            last.register_forward_pre_hook(on_attention, with_kwargs=True),
        ]
