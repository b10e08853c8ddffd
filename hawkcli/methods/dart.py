"""`dart`: DART (Wen et al., 2025, "Stop Looking for Important Tokens in Multimodal Language Models:
Duplication Matters More") — keep a few pivot tokens and the visual tokens least like them.

Read against the authors' code (github ZichenWen1/DART @ 5a19452, `get_retained_image_token` in the
LLaVA and Qwen2-VL `modeling_*_self.py`; LightCompress's copy `llmc/.../dart.py`) and NVIDIA
TensorRT-Edge-LLM's engine port (`dartPruner.h`):
- `layer=K` (default 2, the paper): pruned inside the decoder before layer K. Pivots: the `pivots`
  visual tokens and the `text_pivots` query tokens with the largest L1 norm of layer K-1's keys
  (post-RoPE, heads concatenated); similarity: cosine of layer K's input through the decoder's final
  norm — as the reference. Layers < K keep every token.
- `layer=0`: before the language model, on the input embeddings (L1 norm and cosine both), as
  TensorRT-Edge-LLM ships it because the decoder states are not available inside its engine.
Selection: image pivots are kept; pivots are visited image pivots first, then text pivots, each by
descending norm; each takes ceil(remaining / pivots left) of the not-yet-kept visual tokens with the
lowest cosine to it (ties: lower position). This is the engine's exact-k rule: the reference gives
every pivot a fixed quota int(budget / 8) and visits pivots in Python-set order, so it keeps
p + 8·quota tokens (132 for a budget of 128) and its result depends on that order.
Our reading: the text pivots come from hawk's query tokens (the text after the image), where the
reference takes every position after the image and the engine every non-image token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from hawkcli.errors import HawkError
from hawkcli.methods.base import MethodOptions, PruneMethod, SelectionContext
from hawkcli.methods.registry import register


@dataclass
class DartOptions(MethodOptions):
    layer: int = 2  # 0: before the language model (engine); K: inside it, before layer K (paper)
    pivots: int = 4  # visual pivot tokens (kept)
    text_pivots: int = 4  # query pivot tokens (not kept: they are text)

    def __post_init__(self) -> None:
        if self.layer < 0:
            raise HawkError("dart layer must be >= 0")
        if self.pivots < 1 or self.text_pivots < 0:
            raise HawkError("dart needs pivots >= 1 and text_pivots >= 0")


def least_duplicated(
    features: torch.Tensor, norms: torch.Tensor, visual: torch.Tensor, text: torch.Tensor, k: int, options: DartOptions
) -> torch.Tensor:
    """Indices into `visual` (positions of the row) of the k tokens DART keeps, ascending.

    `features` / `norms` are per position of the row; `text` are the positions text pivots come from.
    """
    n = visual.numel()
    by_norm = torch.sort(norms[visual], descending=True, stable=True).indices
    image_pivots = by_norm[: min(options.pivots, k)]
    text_order = torch.sort(norms[text], descending=True, stable=True).indices[: options.text_pivots]
    unit = torch.nn.functional.normalize(features.float(), dim=-1)
    pivot_rows = torch.cat([unit[visual[image_pivots]], unit[text[text_order]]])
    kept = torch.zeros(n, dtype=torch.bool, device=visual.device)
    kept[image_pivots] = True
    similarity = pivot_rows @ unit[visual].T  # [pivots, N]
    for i, row in enumerate(similarity):
        remaining = k - int(kept.sum())
        if remaining <= 0:
            break
        quota = math.ceil(remaining / (similarity.shape[0] - i))
        order = torch.sort(row.masked_fill(kept, torch.inf), stable=True).indices  # least similar first
        kept[order[:quota]] = True
    return kept.nonzero().flatten()


@register
class Dart(PruneMethod):
    name = "dart"
    summary = "pivot tokens + the visual tokens least similar to them (DART); layer 0 = engine variant"
    Options = DartOptions

    @property
    def decoder_signals(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset({"keys", "hidden"}) if self.options.layer > 0 else frozenset()

    def prune_layer(self) -> int:
        return self.options.layer

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        if self.options.layer > 0:
            if ctx.layer_hidden is None or ctx.layer_keys is None:
                raise HawkError("dart at layer > 0 reads decoder states; use it through hawkcli.prune()")
            features, norms = ctx.layer_hidden, ctx.layer_keys.float().abs().sum(-1)
        else:
            features, norms = ctx.embeds, ctx.embeds.float().abs().sum(-1)
        return least_duplicated(features, norms, ctx.visual_pos, ctx.query_pos, k, self.options)
