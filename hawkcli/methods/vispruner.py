"""`vispruner`: VisPruner (Zhang et al., ICCV 2025) — important tokens by visual cues, then diverse ones.

1. Important: the top `r·k` tokens by vision-encoder attention. For encoders with a CLS token the
   paper uses the CLS row of the penultimate layer; Qwen2-VL / Qwen2.5-VL have none, so (our reading)
   we use the attention each patch *receives* in the last vision block (head mean, column sum within
   its window / full-attention span), averaged over each 2×2 merge unit, in raster order.
2. Diverse: from the rest, Algorithm 1's duplicate removal on L2-normalised post-merger features —
   split the remaining tokens alternately into A and B, drop up to 8 tokens of A whose best cosine
   match in B is highest, repeat until `k − r·k` remain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from hawkcli.errors import HawkError
from hawkcli.methods.base import MethodOptions, PruneMethod, SelectionContext
from hawkcli.methods.registry import register


@dataclass
class VisPrunerOptions(MethodOptions):
    important_ratio: float = 0.5  # share r of the kept budget chosen by importance
    drop_per_round: int = 8

    def __post_init__(self) -> None:
        if not 0.0 <= self.important_ratio <= 1.0:
            raise HawkError("vispruner important_ratio must be in [0, 1]")
        if self.drop_per_round < 1:
            raise HawkError("vispruner drop_per_round must be ≥ 1")


def remove_duplicates(features: torch.Tensor, candidates: torch.Tensor, target: int, per_round: int) -> torch.Tensor:
    """Algorithm 1: shrink `candidates` (indices into features) to `target` by dropping near-duplicates."""
    remaining = candidates.clone()
    unit = torch.nn.functional.normalize(features.float(), dim=-1)
    while remaining.numel() > target:
        a, b = remaining[::2], remaining[1::2]
        if b.numel() == 0:
            return remaining[:target]
        best = (unit[a] @ unit[b].T).max(dim=1).values
        drop = min(per_round, remaining.numel() - target, a.numel())
        order = torch.sort(best, descending=True, stable=True).indices[:drop]
        keep_a = torch.ones(a.numel(), dtype=torch.bool, device=a.device)
        keep_a[order] = False
        remaining = torch.cat([a[keep_a], b]).sort().values
    return remaining


@register
class VisPruner(PruneMethod):
    name = "vispruner"
    summary = "vision-encoder attention for important tokens + duplicate removal for diverse ones"
    needs_saliency = True
    Options = VisPrunerOptions

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        saliency = ctx.saliency
        if saliency is None:
            raise HawkError("vispruner needs vision-encoder attention, which this model's adapter does not provide")
        n = ctx.num_visual
        k_imp = min(k, math.floor(self.options.important_ratio * k))
        ranked = torch.sort(saliency.float(), descending=True, stable=True).indices
        important = ranked[:k_imp]
        rest = ranked[k_imp:].sort().values
        diverse = (
            remove_duplicates(ctx.features, rest, k - k_imp, self.options.drop_per_round) if k > k_imp else rest[:0]
        )
        chosen = torch.cat([important, diverse]).sort().values
        assert chosen.numel() == min(k, n)
        return chosen
