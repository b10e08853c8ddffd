"""`cdpruner`: CDPruner (Zhang et al., 2025, "Beyond Attention or Similarity: Maximizing Conditional
Diversity for Token Pruning in MLLMs") — a DPP over the visual tokens conditioned on the instruction.

Read against the authors' code (github Theia-4869/CDPruner @ 9541616, `llava/model/llava_arch.py`
L141-187, LLaVA only) and the engine port OpenVINO GenAI ships (`src/cpp/src/visual_language/cdpruner`):
1. Similarity S: cosine of the projected visual embeddings the language model receives (as both).
2. Relevance r: cosine of each visual embedding with the mean embedding of the instruction tokens,
   min-max normalised over the sample's visual tokens. Our reading: the authors compute it in CLIP's
   joint space with CLIP's text tower (LLaVA only) and negate it; OpenVINO GenAI (Qwen-VL) uses the
   merged image embeddings against the mean LLM input embedding of the prompt, not negated. hawk
   follows the engine, family-neutrally, with the query tokens as the instruction (`negate=true`
   gives the authors' sign). No query tokens: r = 0, a plain DPP.
3. Quality q = exp(α·r), α = θ / (2(1 − θ)) — the paper's relevance weight θ (θ = 0: diversity only).
   The authors' released loop uses q = r with the θ step commented out; OpenVINO's fallback path uses
   exp(α·r) as here.
4. Conditional kernel L = diag(q) S diag(q); greedy MAP (Chen et al. 2018, `hawkcli.core.dpp`) picks
   exactly k tokens (rank exhausted → the most relevant of the rest); kept in original order.
OpenVINO's default halves the tokens and selects k/2 in each half; hawk runs one full kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hawkcli.core.dpp import conditional_kernel, greedy_map
from hawkcli.errors import HawkError
from hawkcli.methods.base import MethodOptions, PruneMethod, SelectionContext
from hawkcli.methods.registry import register


@dataclass
class CDPrunerOptions(MethodOptions):
    theta: float = 0.5  # relevance weight θ in [0, 1)
    negate: bool = False  # the authors' CLIP-space sign: prefer tokens *least* similar to the text

    def __post_init__(self) -> None:
        if not 0.0 <= self.theta < 1.0:
            raise HawkError("cdpruner theta must be in [0, 1)")


def relevance(visual: torch.Tensor, text: torch.Tensor, negate: bool = False) -> torch.Tensor:
    """Min-max normalised cosine of each visual row with the mean text row; zeros without text."""
    if text.numel() == 0:
        return torch.zeros(visual.shape[0], dtype=torch.float64, device=visual.device)
    unit = torch.nn.functional.normalize(visual.double(), dim=-1)
    anchor = torch.nn.functional.normalize(text.double().mean(0), dim=-1)
    r = unit @ anchor
    r = -r if negate else r
    span = r.max() - r.min()
    return (r - r.min()) / span if span > 0 else torch.zeros_like(r)


@register
class CDPruner(PruneMethod):
    name = "cdpruner"
    summary = "conditional DPP: diverse visual tokens weighted by relevance to the instruction (CDPruner)"
    Options = CDPrunerOptions

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        visual = ctx.features
        r = relevance(visual, ctx.embeds[ctx.query_pos].float(), self.options.negate)
        alpha = self.options.theta / (2 * (1 - self.options.theta))
        quality = torch.exp(alpha * r)
        picks = greedy_map(conditional_kernel(visual, quality), k, fallback=r)
        return picks.sort().values.to(ctx.visual_pos.device)
