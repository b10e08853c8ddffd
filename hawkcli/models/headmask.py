"""Per-head ablation inside stock attention, through transformers' `AttentionInterface`.

`headmask_ablation(model)` switches the text decoder to a registered attention function that, for
the (layer, head, batch-row) triples in the active `AblationPlan`, hides visual key positions and
otherwise calls the stock sdpa / eager function unchanged. With no plan (or an empty one) it *is*
the stock function, so logits are bit-identical to the unmodified model.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch

from hawkcli.core.ablation import causal_allowed, headmask, to_additive
from hawkcli.errors import HawkError


@dataclass
class AblationPlan:
    """`ablate[layer]` is `[B, H]` bool (heads that lose visual keys per batch row); `visual_keys` `[B, L]`."""

    ablate: dict[int, torch.Tensor]
    visual_keys: torch.Tensor


_PLAN: contextvars.ContextVar[AblationPlan | None] = contextvars.ContextVar("hawk_ablation_plan", default=None)
_BASES = ("sdpa", "eager")


def _name(base: str) -> str:
    return f"hawk_headmask_{base}"


def _stock(base: str, module: Any) -> Any:
    """The function the model would have called: transformers' sdpa, or the family's own eager
    attention (each modeling file defines its eager variant, e.g. with soft-capping)."""
    if base == "sdpa":
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward
    return sys.modules[type(module).__module__].eager_attention_forward


def _make(base: str) -> Any:
    def attention(
        module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, attention_mask: Any, **kw: Any
    ):
        stock = _stock(base, module)
        plan = _PLAN.get()
        ablate = plan.ablate.get(getattr(module, "layer_idx", -1)) if plan is not None else None
        if ablate is None or not bool(ablate.any()):
            return stock(module, query, key, value, attention_mask, **kw)
        mask = ablation_mask(base, attention_mask, ablate, plan.visual_keys, query, key)
        return stock(module, query, key, value, mask, **kw)

    return attention


def ablation_mask(
    base: str, attention_mask: Any, ablate: torch.Tensor, visual_keys: torch.Tensor, query: torch.Tensor, key: Any
) -> torch.Tensor:
    """The mask `base` attention takes (bool for sdpa, additive for eager) with `ablate`'s heads blind to
    the visual keys, built from the mask the model passed (None: plain causal)."""
    b, _, q_len, _ = query.shape
    k_len = key.shape[2]
    if attention_mask is None:
        allowed = causal_allowed(b, q_len, k_len, query.device)
    elif attention_mask.dtype == torch.bool:
        allowed = attention_mask
    else:
        allowed = attention_mask > torch.finfo(attention_mask.dtype).min / 2
    visible = headmask(allowed[..., :k_len], ablate.to(query.device), visual_keys.to(query.device))
    return visible if base == "sdpa" else to_additive(visible, query.dtype)


_registered: set[str] = set()


def register_attention(name_of: Any, make: Any) -> None:
    """Register `make(base)` as attention function `name_of(base)` for sdpa and eager, with the base's
    mask function, once per process."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface

    for base in _BASES:
        if name_of(base) not in _registered:
            AttentionInterface.register(name_of(base), make(base))
            AttentionMaskInterface.register(name_of(base), ALL_MASK_ATTENTION_FUNCTIONS[base])
            _registered.add(name_of(base))


@contextlib.contextmanager
def routed(text_config: Any, name_of: Any, make: Any, what: str) -> Iterator[None]:
    """Route the text decoder's attention through `name_of(base)` while inside the block."""
    register_attention(name_of, make)
    base = text_config._attn_implementation
    if base not in _BASES:
        raise HawkError(f"{what} supports sdpa and eager attention, not {base}; pass --attn sdpa")
    text_config._attn_implementation = name_of(base)
    try:
        yield
    finally:
        text_config._attn_implementation = base


@contextlib.contextmanager
def activated(variable: contextvars.ContextVar, value: Any) -> Iterator[None]:
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)


def headmask_ablation(text_config: Any) -> contextlib.AbstractContextManager[None]:
    """Route the text decoder's attention through the head-mask function while inside the block."""
    return routed(text_config, _name, _make, "head ablation")


def plan(active: AblationPlan | None) -> contextlib.AbstractContextManager[None]:
    return activated(_PLAN, active)
