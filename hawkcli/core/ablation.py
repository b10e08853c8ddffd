"""Per-head visual-token ablation masks (pure tensor maths).

An ablated head keeps attending to every text token but no longer sees visual keys; each query
still sees its own position so a visual query token never ends up with an empty attention row.
"""

from __future__ import annotations

import torch


def causal_allowed(batch: int, q_len: int, k_len: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """`[B, 1, Lq, Lk]` bool causal visibility for queries that are the last `Lq` of `Lk` positions."""
    offset = k_len - q_len
    q = torch.arange(q_len, device=device)[:, None] + offset
    k = torch.arange(k_len, device=device)[None, :]
    return (k <= q).expand(batch, 1, q_len, k_len)


def headmask(allowed: torch.Tensor, ablate: torch.Tensor, visual_keys: torch.Tensor) -> torch.Tensor:
    """Hide visual keys from the ablated heads.

    Args:
        allowed: `[B, 1 or H, Lq, Lk]` bool, what each query may see without ablation.
        ablate: `[B, H]` bool, which heads of each batch row lose their view of visual tokens.
        visual_keys: `[B, Lk]` bool, which key positions are visual.

    Returns:
        `[B, H, Lq, Lk]` bool visibility.
    """
    b, _, q_len, k_len = allowed.shape
    if visual_keys.shape[-1] < k_len:
        # Keys appended after the prompt (decode steps) are generated text, never visual.
        pad = visual_keys.new_zeros(b, k_len - visual_keys.shape[-1])
        visual_keys = torch.cat([visual_keys, pad], dim=-1)
    offset = k_len - q_len
    own = (torch.arange(q_len, device=allowed.device)[:, None] + offset) == torch.arange(k_len, device=allowed.device)
    hide = ablate[:, :, None, None] & visual_keys[:, None, None, :] & ~own
    return allowed & ~hide


def to_additive(visible: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Bool visibility → additive float mask (0 where visible, dtype min elsewhere), as eager attention adds."""
    return torch.zeros(visible.shape, dtype=dtype, device=visible.device).masked_fill(~visible, torch.finfo(dtype).min)
