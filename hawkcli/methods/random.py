"""`random`: a seeded uniformly random subset of visual tokens — the floor every method must beat."""

from __future__ import annotations

import torch

from hawkcli.methods.base import PruneMethod, SelectionContext
from hawkcli.methods.registry import register


@register
class RandomKeep(PruneMethod):
    name = "random"
    revision = 2  # padding-independent seed (2026-12)
    summary = "seeded random subset"

    def scores(self, ctx: SelectionContext) -> torch.Tensor:
        # Seeded per sample from its content (padding left out) so batch composition does not change the choice.
        content = int(ctx.input_ids[ctx.valid_from :].sum().item())
        gen = torch.Generator().manual_seed(ctx.seed * 1_000_003 + content)
        return torch.rand(ctx.num_visual, generator=gen).to(ctx.visual_pos.device)
