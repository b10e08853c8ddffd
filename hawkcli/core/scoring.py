"""HAWK visual-token scoring: head-weighted text→visual attention logits (pure tensor maths).

Follows the reference HAWK scorer (DESIGN §2): per head, the scaled dot product between every text
query token and every visual key, averaged over the text tokens, normalised over the visual tokens,
then summed over heads with the head-importance weights. No RoPE and no softmax over the full
sequence: the reference scores raw layer-0 Q·K, which keeps the scorer independent of positions.
"""

from __future__ import annotations

import math

import torch

NORMALIZATIONS = ("l2", "softmax", "minmax")


def _normalize(attn: torch.Tensor, normalization: str) -> torch.Tensor:
    """Normalise `[heads, visual]` over the visual axis so heads are comparable before weighting."""
    if normalization == "l2":
        # Same epsilon-free form as the reference, guarded so an all-zero head stays zero.
        norm = attn.norm(p=2, dim=-1, keepdim=True)
        return attn / torch.where(norm > 0, norm, torch.ones_like(norm))
    if normalization == "softmax":
        return attn.softmax(dim=-1)
    if normalization == "minmax":
        lo = attn.amin(dim=-1, keepdim=True)
        span = attn.amax(dim=-1, keepdim=True) - lo
        return (attn - lo) / torch.where(span > 0, span, torch.ones_like(span))
    raise ValueError(f"unknown normalization {normalization!r}; choose from {', '.join(NORMALIZATIONS)}")


def hawk_scores(
    query: torch.Tensor,
    key: torch.Tensor,
    head_weights: torch.Tensor,
    normalization: str = "l2",
) -> torch.Tensor:
    """Score visual tokens by head-weighted text→visual attention.

    Args:
        query: `[heads, text_tokens, head_dim]` layer-0 queries of the text (instruction) tokens.
        key: `[heads, visual_tokens, head_dim]` layer-0 keys of the visual tokens, KV heads repeated.
        head_weights: `[heads]` non-negative importance; normalised here to sum to 1.
        normalization: how each head's row is normalised over visual tokens (`l2`, `softmax`, `minmax`).

    Returns:
        `[visual_tokens]` float32 scores; larger means keep.
    """
    if query.ndim != 3 or key.ndim != 3:
        raise ValueError("query and key must be [heads, tokens, head_dim]")
    if query.shape[0] != key.shape[0] or query.shape[0] != head_weights.numel():
        raise ValueError(
            f"head counts differ: query {query.shape[0]}, key {key.shape[0]}, weights {head_weights.numel()}"
        )
    q = query.float()
    k = key.float()
    # mean over text tokens commutes with the dot product: one matvec per head instead of a T×N matrix.
    attn = torch.einsum("hd,hnd->hn", q.mean(dim=1), k) / math.sqrt(q.shape[-1])
    attn = torch.nan_to_num(attn)
    attn = _normalize(attn, normalization)
    w = head_weights.float().to(attn.device).clamp_min(0)
    total = w.sum()
    if total <= 0:
        raise ValueError("head weights sum to zero")
    return (w / total) @ attn


def keep_count(num_visual: int, keep: float) -> int:
    """Number of visual tokens kept: `max(1, ceil(N * keep))`, never more than N."""
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    if num_visual <= 0:
        return 0
    # round() first so that float noise (0.2 * 1005 = 201.00000000000003) cannot add a token.
    return min(num_visual, max(1, math.ceil(round(num_visual * keep, 9))))


def top_k_sorted(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the `k` highest scores, sorted ascending (original token order).

    Ties go to the earlier token, so the choice is deterministic across devices.
    """
    n = scores.numel()
    if k >= n:
        return torch.arange(n, device=scores.device)
    # A stable descending sort breaks ties by position; topk's tie order is unspecified.
    order = torch.sort(scores.float(), descending=True, stable=True).indices
    return order[:k].sort().values


def select_keep(scores: torch.Tensor, keep: float) -> torch.Tensor:
    """Indices of the `max(1, ceil(N * keep))` highest scores, in original token order."""
    return top_k_sorted(scores, keep_count(scores.numel(), keep))
