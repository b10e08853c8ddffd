"""Qwen3-VL (`qwen3_vl`, `qwen3_vl_moe`): Qwen2-VL's token layout with DeepStack and q/k norm.

Differences that matter for pruning (transformers 5.24, `modeling_qwen3_vl.py`):
- in `generate` the text model receives position ids `[4, B, L]` (row 0 text positions, rows 1-3
  interleaved T/H/W mRoPE), plus `visual_pos_masks` `[B, L]` and `deepstack_visual_embeds` (one
  `[N_visual, hidden]` tensor per DeepStack level, rows in the mask's row-major order) that are added
  to the visual positions after decoder layers 0..levels-1. Pruning gathers all of them.
- attention normalises q and k per head (`q_norm`, `k_norm`) before RoPE: the HAWK scorer scores
  with the normalised projections (see `VLMAdapter.layer0_qk`).
- the vision tower (patch 16, no CLS, no window attention) has the same block interface as Qwen2-VL's,
  so the "attention received" saliency is the same hook.
- `mm_token_type_ids` are required (generate otherwise silently gives image tokens 1-D positions);
  the stock processor does not load without torchvision, so hawk's Qwen input path builds them.
"""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.errors import HawkError
from hawkcli.models.families.qwen2_vl import Qwen2VLAdapter, QwenVLInputs
from hawkcli.models.registry import register


class Qwen3VLInputs(QwenVLInputs):
    # Qwen3-VL's video input differs from Qwen2's (a timestamp string before every temporal step,
    # one pixel budget per clip, its own frame sampling): hawk does not build it yet.
    reads_video = False


VISUAL_POS_MASKS = "visual_pos_masks"
DEEPSTACK = "deepstack_visual_embeds"


@register
class Qwen3VLAdapter(Qwen2VLAdapter):
    model_types = ("qwen3_vl", "qwen3_vl_moe")
    family = "Qwen3-VL"
    inputs_class = Qwen3VLInputs
    in_decoder_note = "layer ≥ DeepStack levels, 3 in the released models"
    aliases = {f"qwen3-vl-{size}": f"Qwen/Qwen3-VL-{size.upper()}-Instruct" for size in ("2b", "4b", "8b", "32b")}

    def video_token_ids(self) -> tuple[int, ...]:
        return ()  # video inputs are not built for Qwen3-VL (Qwen3VLInputs)

    def vision_shape(self) -> Any:
        return None  # DeepStack mergers are not in hawk's vision FLOP model

    def deepstack_levels(self) -> int:
        return len(self.config.vision_config.deepstack_visual_indexes)

    def check_in_decoder(self, layer: int, method: str) -> None:
        levels = self.deepstack_levels()
        if layer < levels:
            raise HawkError(
                f"method {method} prunes inside the decoder at layer {layer}, but {self.family} still adds DeepStack "
                f"features to the visual tokens after layers 0-{levels - 1}; use layer={levels} or later"
            )

    def gather_text_inputs(
        self, kwargs: dict, calls: Any, index: torch.Tensor, new_mask: torch.Tensor, input_ids: torch.Tensor
    ) -> dict:
        visual = kwargs.get(VISUAL_POS_MASKS)
        out = super().gather_text_inputs(kwargs, calls, index, new_mask, input_ids)
        if visual is None:
            return out
        real = new_mask.bool()  # padding slots of `index` point at position 0: leave them out
        rows = torch.arange(index.shape[0], device=index.device)[:, None].expand_as(index)
        kept = torch.zeros_like(visual)
        kept[rows[real], index[real]] = True
        survivors = kept[visual]  # one flag per DeepStack row (row-major over the visual positions)
        out[VISUAL_POS_MASKS] = torch.gather(visual, 1, index) & real
        if out.get(DEEPSTACK) is not None:
            out[DEEPSTACK] = [level[survivors.to(level.device)] for level in out[DEEPSTACK]]
        return out

    def replay_rows(self, kwargs: dict, calls: Any, rows: torch.Tensor) -> dict:
        out = super().replay_rows(kwargs, calls, rows)
        visual, levels = kwargs.get(VISUAL_POS_MASKS), kwargs.get(DEEPSTACK)
        if visual is not None and levels is not None:
            # DeepStack rows are the visual positions of every batch row in turn: take each chosen row's run.
            counts = visual.sum(1).tolist()
            starts = [sum(counts[:b]) for b in range(len(counts))]
            take = torch.cat([torch.arange(starts[b], starts[b] + counts[b]) for b in rows.tolist()])
            out[DEEPSTACK] = [level[take.to(level.device)] for level in levels]
        return out
