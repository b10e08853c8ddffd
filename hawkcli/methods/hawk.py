"""`hawk`: head importance-aware visual token pruning (HAWK paper; reference code peppery77/HAWK).

Score of visual token v = Σ_h w_h · normalise_v( mean_t q_{h,t}·k_{h,v} / √d ), with q from the text
query tokens and k from the visual tokens at decoder layer 0 (no RoPE), w the profiled per-head
importance (normalised to sum 1). Keep the top k in original order.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hawkcli.core.scoring import NORMALIZATIONS, hawk_scores
from hawkcli.errors import HawkError
from hawkcli.methods.base import MethodOptions, PruneMethod, SelectionContext
from hawkcli.methods.registry import register


@dataclass
class HawkOptions(MethodOptions):
    normalization: str = "l2"

    def __post_init__(self) -> None:
        if self.normalization not in NORMALIZATIONS:
            raise HawkError(f"normalization must be one of {', '.join(NORMALIZATIONS)}")


@register
class Hawk(PruneMethod):
    name = "hawk"
    summary = "head-weighted text→visual attention at layer 0 (needs a head-importance profile)"
    needs_profile = True
    Options = HawkOptions

    def weights(self, num_heads: int) -> torch.Tensor:
        if self.head_weights is None:
            raise HawkError("method hawk needs head weights from a profile")
        return torch.as_tensor(self.head_weights, dtype=torch.float32)

    def scores(self, ctx: SelectionContext) -> torch.Tensor:
        q, k = ctx.layer0_qk()
        return hawk_scores(q, k, self.weights(q.shape[0]).to(q.device), self.options.normalization)
