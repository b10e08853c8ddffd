"""`idsel`: ID-Selection (importance + diversity; the paper publishes no code — this is our reading).

Importance = mean of two distributions over the visual tokens: visual saliency (as vispruner's
important score) and instruction relevance (softmax attention of the last query token over the
visual tokens from layer-0 Q/K, averaged over heads). Then greedy: take the highest-scoring token,
multiply every other token's score by 1 − exp(−γ · d) with d = 1 − cos to the chosen token (γ = 20),
repeat until k tokens are chosen. Kept tokens return in original order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from hawkcli.errors import HawkError
from hawkcli.methods.base import MethodOptions, PruneMethod, SelectionContext, cosine_similarity_matrix, normalise_sum
from hawkcli.methods.registry import register


@dataclass
class IdSelOptions(MethodOptions):
    gamma: float = 20.0

    def __post_init__(self) -> None:
        if self.gamma <= 0:
            raise HawkError("idsel gamma must be > 0")


def suppressive_selection(scores: torch.Tensor, features: torch.Tensor, k: int, gamma: float) -> torch.Tensor:
    distance = 1 - cosine_similarity_matrix(features)
    remaining = scores.float().clone()
    chosen: list[int] = []
    for _ in range(min(k, scores.numel())):
        best = int(torch.where(torch.isinf(remaining), torch.full_like(remaining, -math.inf), remaining).argmax())
        chosen.append(best)
        remaining = remaining * (1 - torch.exp(-gamma * distance[best]))
        remaining[chosen] = -math.inf
    return torch.tensor(sorted(chosen), device=scores.device)


@register
class IdSelection(PruneMethod):
    name = "idsel"
    summary = "visual saliency + instruction relevance, with similarity suppression (ID-Selection)"
    needs_saliency = True
    Options = IdSelOptions

    def relevance(self, ctx: SelectionContext) -> torch.Tensor:
        q, k = ctx.layer0_qk()
        last = q[:, -1]  # the last query token, per head
        attn = torch.einsum("hd,hnd->hn", last.float(), k.float()) / math.sqrt(q.shape[-1])
        return attn.softmax(-1).mean(0)

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        if ctx.saliency is None:
            raise HawkError("idsel needs vision-encoder attention, which this model's adapter does not provide")
        score = 0.5 * normalise_sum(ctx.saliency) + 0.5 * normalise_sum(self.relevance(ctx))
        return suppressive_selection(score, ctx.features, k, self.options.gamma)
