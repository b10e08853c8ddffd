"""`vidcom2`: VidCom2, "Video Compression Commander" (Liu et al., EMNLP 2025) — more tokens for the frames
that stand out from the clip, and within a frame the tokens that stand out from both.

Read from the authors' code (github xuyang-liu16/VidCom2 @ 944a17d1, `token_compressor/vidcom2/
vidcom2.py` and its Qwen2.5-VL patch; the Qwen2-VL patch there is stale): per clip, the
lowest-variance half of the channels of the embeddings the language model receives, each token
L2-normalised; similarity = a sum of Gaussian kernels (bandwidths 1/8 … 2) to the clip's mean token
(v) and to the frame's mean token (f). Frame score s_t = −mean(v_t); share_t = min(1, keep·(1 +
softmax(s/0.01)_t − 1/T)); within each frame the tokens with the smallest v + f are kept. One frame
is one temporal step (a 2-frame patch on Qwen), as in the reference's Qwen port.

Where hawk's reading fills a gap: the reference rounds share_t·P per frame (floor 1), so its total
only approximates keep·N; hawk keeps exactly the k every method gets, splitting it between frames in
proportion to share_t·P (largest remainder, no frame above its size). Several videos share k in
proportion to their token counts. Images are not compressed by VidCom2: their tokens are kept first.
Float32 throughout (the reference runs in the model's bf16).
"""

from __future__ import annotations

import torch

from hawkcli.core.geometry import video_steps
from hawkcli.core.temporal import apportion, vidcom2_frame_shares, vidcom2_uniqueness
from hawkcli.methods.base import PruneMethod, SelectionContext
from hawkcli.methods.evs import step_features
from hawkcli.methods.registry import register


@register
class VidCom2(PruneMethod):
    name = "vidcom2"
    summary = "video: frame budgets by frame uniqueness, then the most unique tokens per frame (VidCom2)"
    needs_video = True

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        videos = video_steps(ctx.segments)
        video_tokens = {i: sum(s.count for s in steps) for i, steps in videos.items()}
        is_video = torch.zeros(ctx.num_visual, dtype=torch.bool)
        for steps in videos.values():
            for s in steps:
                is_video[s.start : s.stop] = True
        images = (~is_video).nonzero().flatten()
        if k <= images.numel():
            return images[:k].to(ctx.visual_pos.device)
        keys = list(videos)
        budgets = apportion([float(video_tokens[i]) for i in keys], k - images.numel(), [video_tokens[i] for i in keys])
        kept = [images]
        features = ctx.features
        for i, budget in zip(keys, budgets, strict=True):
            steps = videos[i]
            frame_score, similarity = vidcom2_uniqueness(step_features(features, steps))
            per_step = steps[0].count
            shares = vidcom2_frame_shares(frame_score, budget / video_tokens[i])
            quota = apportion((shares * per_step).tolist(), budget, [s.count for s in steps])
            for seg, n, row in zip(steps, quota, similarity, strict=True):
                if n:
                    order = torch.sort(row, stable=True).indices[:n]
                    kept.append(seg.start + order.cpu())
        return torch.cat(kept).sort().values.to(ctx.visual_pos.device)
