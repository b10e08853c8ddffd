"""`divprune`: DivPrune (Alvar et al., CVPR 2025) — keep a maximally diverse subset of visual tokens.

Max–min diversity on the projected visual embeddings with cosine distance d = 1 − cos: start from the
most isolated token (largest distance to its nearest neighbour), then repeatedly add the token whose
minimum distance to the chosen set is largest. Query-agnostic. Kept tokens return in original order.

Checked against the authors' code (github vbdi/divprune @ 799e2d95, `LLaVA/llava/model/llava_arch.py`
L147-169, L365-385): the distance, the features (the post-projector embeddings the LLM receives), the
first-token rule, the greedy rule, first-index ties and sorted output match. Differences: the
reference gives the kept tokens new contiguous positions (hawk keeps the original ones, as every
method here), computes in fp16 (hawk fp32) and can pick a token twice on exact ties (hawk masks
chosen ones); k = round(N·keep) there, ceil here.
"""

from __future__ import annotations

import torch

from hawkcli.methods.base import PruneMethod, SelectionContext, cosine_similarity_matrix
from hawkcli.methods.registry import register


def max_min_diverse(features: torch.Tensor, k: int) -> torch.Tensor:
    n = features.shape[0]
    dist = 1 - cosine_similarity_matrix(features)
    off_diagonal = dist + torch.eye(n, device=dist.device) * 1e9
    first = int(off_diagonal.min(dim=1).values.argmax())
    chosen = [first]
    nearest = dist[first].clone()
    nearest[first] = -1.0
    for _ in range(min(k, n) - 1):
        nxt = int(nearest.argmax())  # ties → lowest index
        chosen.append(nxt)
        nearest = torch.minimum(nearest, dist[nxt])
        nearest[chosen] = -1.0
    return torch.tensor(sorted(chosen), device=features.device)


@register
class DivPrune(PruneMethod):
    name = "divprune"
    summary = "max–min cosine diversity of the projected visual embeddings (query-agnostic)"

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        return max_min_diverse(ctx.features, k)
