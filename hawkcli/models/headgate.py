"""Per-head gates on the visual tokens inside stock attention, for gradient-based head attribution.

`headgate_attention(text_config)` switches the text decoder to a registered attention function
(`AttentionInterface`) that, for every gated layer of the active `GatePlan`, computes each head's
output twice — as the model does, and with the head blind to the visual keys (the exact path's
ablation) — and returns `g · full + (1 − g) · ablated` per (batch row, head). g = 1 returns the stock
output bit for bit (sdpa or eager, whatever the model uses); g = 0 is the exact ablation at that
layer. The gradient at g = 1 is (full − ablated) · ∂metric/∂output: attribution patching (Nanda 2023;
Syed et al. 2023), the gate-gradient head score of Michel et al. (2019) applied to the visual view.
The difference of the outputs is exact; only its effect on the later layers is linearised.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import Any

import torch

from hawkcli.models.headmask import _stock, ablation_mask, activated, routed


@dataclass
class GatePlan:
    """`gates[layer]` is `[B, H]` (requires grad for attribution); `visual_keys` `[B, L]` bool."""

    gates: dict[int, torch.Tensor]
    visual_keys: torch.Tensor


_PLAN: contextvars.ContextVar[GatePlan | None] = contextvars.ContextVar("hawk_gate_plan", default=None)


def _name(base: str) -> str:
    return f"hawk_headgate_{base}"


def _make(base: str) -> Any:
    def attention(
        module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, attention_mask: Any, **kw: Any
    ):
        stock = _stock(base, module)
        full = stock(module, query, key, value, attention_mask, **kw)
        plan = _PLAN.get()
        gates = plan.gates.get(getattr(module, "layer_idx", -1)) if plan is not None else None
        if gates is None:
            return full
        every = torch.ones(gates.shape, dtype=torch.bool, device=query.device)
        mask = ablation_mask(base, attention_mask, every, plan.visual_keys, query, key)
        ablated = stock(module, query, key, value, mask, **kw)[0]
        g = gates.to(full[0].dtype)[:, None, :, None]  # outputs are [B, L, H, head_dim]
        return g * full[0] + (1 - g) * ablated, full[1]

    return attention


def headgate_attention(text_config: Any) -> contextlib.AbstractContextManager[None]:
    """Route the text decoder's attention through the gate function while inside the block."""
    return routed(text_config, _name, _make, "head attribution")


def gate_plan(active: GatePlan | None) -> contextlib.AbstractContextManager[None]:
    return activated(_PLAN, active)
