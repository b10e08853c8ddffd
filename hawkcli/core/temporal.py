"""Video token maths (pure tensors): EVS's temporal dissimilarity, VidCom2's frame and token
uniqueness, and a budget split that always adds up.

A clip's visual tokens arrive as `[T, P, C]`: T temporal steps (on Qwen one step is a patch of two
frames), P tokens per step in raster order, C channels (the embeddings the language model receives).
"""

from __future__ import annotations

import math

import torch

FIRST_FRAME = 255.0  # EVS's score for every token of the first step: above any 1 - cos (at most 2)
VIDCOM2_BANDWIDTHS = (1 / 8, 1 / 4, 1 / 2, 1.0, 2.0)
VIDCOM2_TEMPERATURE = 0.01
VIDCOM2_CHANNEL_SHARE = 0.5


def evs_dissimilarity(steps: torch.Tensor) -> torch.Tensor:
    """`[T, P]`: 1 - cosine similarity of each token with the token at the same place one step before;
    the first step scores `FIRST_FRAME` so it is kept whole before anything else."""
    steps = steps.float()
    first = torch.full_like(steps[:1, :, 0], FIRST_FRAME)
    if steps.shape[0] == 1:
        return first
    change = 1 - torch.nn.functional.cosine_similarity(steps[1:], steps[:-1], dim=-1)
    return torch.cat([first, change])


def _kernel(x: torch.Tensor, centre: torch.Tensor) -> torch.Tensor:
    """VidCom2's similarity: a sum of Gaussian kernels of the squared distance, several bandwidths."""
    d2 = (x - centre).pow(2).sum(-1)
    return sum(torch.exp(-d2 / (2 * a)) for a in VIDCOM2_BANDWIDTHS)


def vidcom2_uniqueness(steps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """`(frame_score [T], token_similarity [T, P])` of one clip.

    The lowest-variance half of the channels, each token L2-normalised; `v` = similarity to the clip's
    mean token, `f` = similarity to its step's mean token. A step's score is `-mean(v)` (steps unlike
    the clip score high); a token's similarity is `v + f` (tokens unlike both are kept first)."""
    x = steps.float()
    t, p, c = x.shape
    flat = x.reshape(t * p, c)
    channels = flat.var(dim=0, unbiased=False).argsort()[: int(c * VIDCOM2_CHANNEL_SHARE)].sort().values
    x = torch.nn.functional.normalize(x[..., channels], dim=-1)
    video_mean = x.reshape(t * p, -1).mean(0)
    frame_mean = x.mean(1, keepdim=True)
    v = _kernel(x, video_mean)
    f = _kernel(x, frame_mean)
    return -v.mean(1), v + f


def vidcom2_frame_shares(frame_score: torch.Tensor, base: float) -> torch.Tensor:
    """`[T]` share of each step's tokens to keep: base·(1 + softmax(score/τ) − 1/T), at most 1."""
    t = frame_score.numel()
    p = torch.softmax((frame_score - frame_score.max()) / VIDCOM2_TEMPERATURE, dim=0)
    return torch.clamp(base * (1 + p - 1 / t), max=1.0)


def apportion(weights: list[float], total: int, caps: list[int]) -> list[int]:
    """Integers proportional to `weights`, each at most its cap, summing to exactly `total`
    (largest remainder, ties to the earlier part; what a capped part cannot take goes to the others)."""
    if total > sum(caps):
        raise ValueError(f"cannot place {total} in parts of at most {sum(caps)}")
    out = [0] * len(weights)
    active = [i for i, cap in enumerate(caps) if cap > 0]
    left = total
    while left > 0:
        w = [max(weights[i], 0.0) for i in active]
        mass = sum(w)
        ideal = [left * (wi / mass if mass > 0 else 1 / len(active)) for wi in w]
        room = [caps[i] - out[i] for i in active]
        grant = [min(r, math.floor(x)) for r, x in zip(room, ideal, strict=True)]
        extra = left - sum(grant)
        for j in sorted(range(len(active)), key=lambda j: (-(ideal[j] - math.floor(ideal[j])), j)):
            if extra == 0:
                break
            if grant[j] < room[j]:
                grant[j] += 1
                extra -= 1
        for j, i in enumerate(active):
            out[i] += grant[j]
        left = total - sum(out)
        active = [i for i in active if out[i] < caps[i]]
    return out
