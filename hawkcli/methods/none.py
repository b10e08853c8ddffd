"""`none`: the unpruned baseline. Keeps every visual token whatever `keep` says."""

from __future__ import annotations

import torch

from hawkcli.methods.base import PruneMethod, SelectionContext
from hawkcli.methods.registry import register


@register
class NoPruning(PruneMethod):
    name = "none"
    summary = "no pruning (baseline)"
    prunes = False

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        return torch.arange(ctx.num_visual, device=ctx.visual_pos.device)
