"""What hawk needs to know about a VLM architecture, and nothing more.

An adapter answers: where the multimodal wrapper and the text decoder are, which token ids are
visual, which tokens form the text query, and how to get decoder-layer-0 queries and keys. The
pruning hooks and every method are written against this interface only.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn


class VLMAdapter:
    """Base adapter; subclasses set `model_types` and override what differs."""

    model_types: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.config = model.config

    # -- where things are -------------------------------------------------------------------
    def multimodal_model(self) -> nn.Module:
        """The module whose forward sees `input_ids` and the 2-D attention mask."""
        return self.model.model

    def text_model(self) -> nn.Module:
        """The text decoder; its forward receives the merged `inputs_embeds`."""
        return self.model.model.language_model

    def text_config(self) -> Any:
        return getattr(self.config, "text_config", self.config)

    @property
    def num_heads(self) -> int:
        return self.text_config().num_attention_heads

    @property
    def num_layers(self) -> int:
        return self.text_config().num_hidden_layers

    def lm_shape(self) -> Any:
        from hawkcli.core.flops import LMShape

        c = self.text_config()
        head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
        return LMShape(
            c.num_hidden_layers,
            c.hidden_size,
            c.num_attention_heads,
            c.num_key_value_heads,
            head_dim,
            c.intermediate_size,
            c.vocab_size,
        )

    def vision_shape(self) -> Any:
        """`VisionShape` of the vision tower, or None when the adapter cannot describe it."""
        return None

    # -- tokens ---------------------------------------------------------------------------------
    def visual_token_ids(self) -> tuple[int, ...]:
        raise NotImplementedError

    def visual_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        ids = torch.tensor(self.visual_token_ids(), device=input_ids.device)
        return torch.isin(input_ids, ids)

    def query_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Boolean mask over one row's tokens marking the text query used for scoring."""
        raise NotImplementedError

    def token_boxes(self, grid_thw: list[int], image_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
        """Pixel box `(x0, y0, x1, y1)` in the original image covered by each visual token, in token order."""
        raise NotImplementedError

    # -- layer-0 attention inputs --------------------------------------------------------------
    def layer0_qk(self, query_embeds: torch.Tensor, key_embeds: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder-layer-0 queries `[heads, T, head_dim]` of `query_embeds` `[T, hidden]` and keys
        `[heads, N, head_dim]` of `key_embeds` `[N, hidden]`.

        No RoPE, like the HAWK reference scorer; KV heads are repeated to match query heads. Queries are
        projected for the query rows only and keys for the key rows only: that keeps scoring ~1 % of prefill.
        """
        layer = self.text_model().layers[0]
        attn = layer.self_attn
        head_dim = attn.head_dim
        xq, xk = layer.input_layernorm(query_embeds), layer.input_layernorm(key_embeds)
        q = attn.q_proj(xq).view(xq.shape[0], -1, head_dim).transpose(0, 1)
        k = attn.k_proj(xk).view(xk.shape[0], -1, head_dim).transpose(0, 1)
        return q, k.repeat_interleave(q.shape[0] // k.shape[0], dim=0)
