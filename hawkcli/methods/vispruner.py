"""`vispruner`: VisPruner (Zhang et al., ICCV 2025) — important tokens by visual cues, then diverse ones.

Checked line by line against the authors' loop (github Theia-4869/VisPruner @ aefa01a,
`llava/model/llava_arch.py::encode_images` L148-183) and LightCompress's Qwen2.5-VL port
(`llmc/compression/token_reduction/vispruner.py`):
1. Important: `int(k · important_ratio)` tokens with the highest vision-encoder saliency — the CLS row
   of the feature layer's attention on encoders with a CLS token (LLaVA-1.5, InternVL3), as the paper;
   the attention each patch receives where there is none (Qwen, SmolVLM), as LightCompress's port.
2. Diverse: the residual keeps **attention-rank order** (descending saliency). Each round: r = min(8,
   len(residual) − budget); stop when r ≤ 0. Split the current list by position into A = [0::2] and
   B = [1::2]; score each A token by its best cosine similarity to B; drop the r highest-scoring A
   tokens; the next list is A's survivors in descending score order followed by B unchanged.
3. Kept tokens return in original (spatial) order.
Where the reference's indexing fails or keeps too few (an odd-length residual with R//2 − r ≠ 1, or
r > len(A), i.e. diverse budgets below 8), hawk drops min(r, len(A)) A tokens that round — the rule
the loop states — so exactly k tokens are always kept. Ties: the reference's unstable argsort leaves
them unspecified; hawk sorts stably (lower position in the current list first).
Features for the similarity are the projected embeddings the language model receives on every family
(as LightCompress's Qwen port; the LLaVA reference uses the pre-projector CLIP features).
"""

from __future__ import annotations

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


def remove_duplicates(features: torch.Tensor, residual: torch.Tensor, target: int, per_round: int) -> torch.Tensor:
    """The reference's duplicate removal: shrink `residual` (indices into features, in attention-rank
    order) to `target` tokens; returns them in the loop's final list order."""
    unit = torch.nn.functional.normalize(features.float(), dim=-1)
    remaining = residual.clone()
    while True:
        drop = min(per_round, remaining.numel() - target)
        if drop <= 0:
            return remaining
        a, b = remaining[0::2], remaining[1::2]
        best = (unit[a] @ unit[b].T).max(dim=1).values
        order = torch.sort(best, descending=True, stable=True).indices
        remaining = torch.cat([a[order[min(drop, a.numel()) :]], b])


@register
class VisPruner(PruneMethod):
    name = "vispruner"
    revision = 2  # the reference's list order (2026-12)
    summary = "vision-encoder attention for important tokens + duplicate removal for diverse ones"
    needs_saliency = True
    Options = VisPrunerOptions

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        saliency = ctx.saliency
        if saliency is None:
            raise HawkError("vispruner needs vision-encoder attention, which this model's adapter does not provide")
        k_imp = min(k, int(self.options.important_ratio * k))
        ranked = torch.sort(saliency.float(), descending=True, stable=True).indices
        important, residual = ranked[:k_imp], ranked[k_imp:]
        if k == k_imp:
            return important.sort().values
        diverse = remove_duplicates(ctx.features, residual, k - k_imp, self.options.drop_per_round)
        return torch.cat([important, diverse]).sort().values
