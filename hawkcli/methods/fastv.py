"""`fastv`: FastV (Chen et al., ECCV 2024) — drop visual tokens inside the language model.

At decoder layer K (default 2) keep the k visual tokens that received the most attention from the
**last** prompt token at layer K−1, averaged over heads — the softmaxed attention as the model
computes it (RoPE, causal and padding mask included), recomputed from that layer's Q/K because sdpa
returns no weights. Layers < K keep every token in their KV cache, layers ≥ K only the kept ones;
kept tokens keep their original positions; decode steps attend to that fixed set.

Checked against the authors' code (github pkunlp-icler/FastV @ d1659729, `modeling_llama.py` L738-758):
the last-token row, layer K−1's softmaxed attention, head mean, original positions and K = 2 match.
The paper's text says "average attention received from all tokens"; the code (and hawk) use the last
token's row. The authors' evaluations re-prune at every decode step (no cache, or the mask variant
with the newest token's attention); hawk decides once at prefill, as the llava-hf port (`fastv_k`)
does. k = ceil(N·keep) where the ports round; hawk finds the visual span exactly (no fixed offset).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hawkcli.errors import HawkError
from hawkcli.methods.base import MethodOptions, PruneMethod, SelectionContext
from hawkcli.methods.registry import register


@dataclass
class FastVOptions(MethodOptions):
    layer: int = 2

    def __post_init__(self) -> None:
        if self.layer < 1:
            raise HawkError("fastv layer must be ≥ 1 (layer 0 would be input pruning)")


@register
class FastV(PruneMethod):
    name = "fastv"
    summary = "last-token attention at layer K-1; prune inside the decoder from layer K (default 2)"
    Options = FastVOptions
    decoder_signals = frozenset({"attention"})

    def prune_layer(self) -> int:
        return self.options.layer

    def scores(self, ctx: SelectionContext) -> torch.Tensor:
        if ctx.layer_attention is None:
            raise HawkError("fastv scores come from the decoder; use it through hawkcli.prune()")
        return ctx.layer_attention
