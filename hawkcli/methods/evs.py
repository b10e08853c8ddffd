"""`evs`: Efficient Video Sampling (arXiv 2510.14624) as vLLM (`--video-pruning-rate`) and SGLang ship it —
drop video tokens that barely changed since the previous temporal step.

Read from vLLM's `vllm/multimodal/evs.py` (`compute_retention_mask`; SGLang's `evs_core.py` is the
same maths): on the embeddings the language model receives, each token's dissimilarity is 1 − cos
with the token at the same place one temporal step earlier (on Qwen a step is a 2-frame patch); the
first step scores 255 so it is kept whole; all tokens of the clip are ranked by one stable
descending sort and the top ones kept, in their original order.

Where hawk's reading fills a gap: the engines prune each video on its own with K = max(tokens per
step, int(N·(1 − q))); hawk keeps the same k = ceil(N·keep) over the whole prompt as every other
method (so comparisons are at equal budgets), ranking all videos' tokens together, and does not
floor k at one whole step. The engines never prune images; image tokens here score like a first
step (kept before any video token). The paper's pixel-space variant (L1 patch differences) is not
what the engines run and is not implemented.
"""

from __future__ import annotations

import torch

from hawkcli.core.geometry import video_steps
from hawkcli.core.temporal import FIRST_FRAME, evs_dissimilarity
from hawkcli.errors import HawkError
from hawkcli.methods.base import PruneMethod, SelectionContext
from hawkcli.methods.registry import register


def step_features(features: torch.Tensor, steps: list) -> torch.Tensor:
    """`[T, P, C]` rows of `features` (`ctx.features`) for one video's temporal steps (all of one grid)."""
    counts = {s.count for s in steps}
    if len(counts) != 1:
        raise HawkError("the video's temporal steps differ in token count; cannot compare them place by place")
    return torch.stack([features[s.start : s.stop] for s in steps])


@register
class EVS(PruneMethod):
    name = "evs"
    summary = "video: keep tokens that changed most since the previous frame (vLLM / SGLang EVS)"
    needs_video = True

    def scores(self, ctx: SelectionContext) -> torch.Tensor:
        scores = torch.full((ctx.num_visual,), FIRST_FRAME, device=ctx.embeds.device)
        features = ctx.features
        for steps in video_steps(ctx.segments).values():
            change = evs_dissimilarity(step_features(features, steps))
            for seg, row in zip(steps, change, strict=True):
                scores[seg.start : seg.stop] = row.to(scores.device)
        return scores

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        order = torch.sort(self.scores(ctx), descending=True, stable=True).indices
        return order[:k].sort().values
