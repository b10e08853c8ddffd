"""Qwen2-VL: mRoPE position ids `[3 or 4, B, L]`, visual tokens `<|image_pad|>` / `<|video_pad|>`."""

from __future__ import annotations

import sys
from typing import Any

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

    def token_boxes(self, grid_thw: list[int], image_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
        # A merged token is a merge×merge block of 14-px patches of the *resized* image, in raster order.
        _, h, w = grid_thw
        merge = self.config.vision_config.spatial_merge_size
        rows, cols = h // merge, w // merge
        sx, sy = image_size[0] / cols, image_size[1] / rows
        return [
            (round(c * sx), round(r * sy), round((c + 1) * sx), round((r + 1) * sy))
            for r in range(rows)
            for c in range(cols)
        ]

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

    # -- vision-side saliency (VisPruner / ID-Selection) --------------------------------------------
    def _vision_order(self, grid_thw: torch.Tensor) -> torch.Tensor | None:
        """Index that puts merge units from vision-block order back into raster order (None: already raster)."""
        return None

    def vision_saliency_hooks(self, sink: list[torch.Tensor]) -> list[Any]:
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

    # -- decoder attention at an arbitrary layer (FastV) ----------------------------------------
    def apply_rope(self, q: torch.Tensor, k: torch.Tensor, position_embeddings: tuple) -> tuple:
        """RoPE exactly as the text decoder applies it (cos/sin already carry the mRoPE sections)."""
        layer = self.text_model().layers[0].self_attn
        fn = sys.modules[type(layer).__module__].apply_rotary_pos_emb
        cos, sin = position_embeddings
        return fn(q, k, cos, sin)
