"""Pruning inside the decoder (FastV-style): score at layer K-1, drop tokens from layer K on.

Layer K-1's pre-hook recomputes that layer's attention of the last prompt token (sdpa returns no
weights) and lets the method choose; every layer >= K gathers its input to the kept positions at
prefill and, at decode, attends with a mask sized to its shorter cache. Layers < K keep every token.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from hawkcli.errors import HawkError
from hawkcli.pruning.selection import Selector
from hawkcli.pruning.state import Captured, PruneStats, pack, sync_ms


class InDecoder:
    def __init__(
        self, adapter: Any, calls: Any, layer: int, selector: Selector, captured: Captured, stats: PruneStats
    ) -> None:
        self.adapter = adapter
        self.calls = calls
        self.layer = layer
        self.selector = selector
        self.captured = captured
        self.stats = stats
        self._embeds: torch.Tensor | None = None  # the prefill's merged embeddings, until layer K-1 chose
        self._index: torch.Tensor | None = None  # gather index of the kept positions (None: nothing dropped)
        self._layer_mask: torch.Tensor | None = None

    def begin(self, embeds: torch.Tensor) -> None:
        self._embeds, self._index, self._layer_mask = embeds, None, None

    def before_score_layer(self, module: Any, args: tuple, kwargs: dict) -> None:
        """Layer K-1 at prefill: the last token's softmaxed attention over all keys, head-averaged."""
        calls = self.calls
        hidden = kwargs.get(calls.hidden_states, args[0] if args else None)
        if self._embeds is None or hidden.shape[1] != self.captured.prefill_len:
            return
        start = time.perf_counter()
        weights = self.adapter.last_token_attention(module, hidden, kwargs[calls.position_embeddings])
        if self.captured.mask is not None:
            weights = weights.masked_fill(~self.captured.mask.bool()[:, None, :], float("-inf"))
        weights = weights.softmax(-1).mean(1)  # [B, L]; the last token sees every valid position
        rows = self.selector.rows(self._embeds, layer_attention=weights)
        if all(r.numel() == self.captured.prefill_len for r in rows):
            self._index = None  # nothing dropped: leave the model untouched
        else:
            self._index, self._layer_mask = pack(rows, hidden.device)
        self._embeds = None
        self.stats.scoring_ms = sync_ms(hidden, start)

    def _attention_mask(self, q_len: int, k_len: int, device: Any, dtype: torch.dtype) -> Any:
        mask2d = self._layer_mask
        extra = k_len - mask2d.shape[1]
        if extra > 0:
            mask2d = torch.cat([mask2d, mask2d.new_ones(mask2d.shape[0], extra)], dim=-1)
        impl = self.adapter.text_config()._attn_implementation
        padded = not bool(mask2d.all())
        if impl.startswith("flash"):
            return mask2d if padded else None
        if impl == "sdpa" and not padded:
            return None  # plain causal attention: sdpa's is_causal path, as the stock model takes it
        offset = k_len - q_len
        causal = torch.arange(k_len, device=device)[None, :] <= (torch.arange(q_len, device=device)[:, None] + offset)
        visible = causal[None, None] & mask2d.bool()[:, None, None, :]
        if impl == "sdpa":
            return visible
        return torch.zeros(visible.shape, dtype=dtype, device=device).masked_fill(~visible, torch.finfo(dtype).min)

    def before_pruned_layer(self, module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict] | None:
        """Layers >= K: at prefill gather to the kept tokens; at decode mask against the pruned cache."""
        if self._index is None:
            return None
        calls = self.calls
        hidden = kwargs.get(calls.hidden_states, args[0] if args else None)
        index = self._index
        out = dict(kwargs)
        if hidden.shape[1] > 1:
            if hidden.shape[1] == self.captured.prefill_len:  # layer K: its input is still full length
                hidden = torch.gather(hidden, 1, index[..., None].expand(-1, -1, hidden.shape[-1]))
            cos, sin = kwargs[calls.position_embeddings]
            gather = index[..., None].expand(-1, -1, cos.shape[-1])
            out[calls.position_embeddings] = (torch.gather(cos, 1, gather), torch.gather(sin, 1, gather))
            if kwargs.get(calls.position_ids) is not None:
                out[calls.position_ids] = torch.gather(kwargs[calls.position_ids], -1, index)
            q_len = k_len = index.shape[1]
        else:
            cache = calls.get_cache(kwargs)
            q_len, k_len = 1, cache.get_seq_length(module.self_attn.layer_idx) + 1
        out[calls.attention_mask] = self._attention_mask(q_len, k_len, hidden.device, hidden.dtype)
        if calls.hidden_states in kwargs:
            out[calls.hidden_states] = hidden
            return args, out
        return (hidden, *args[1:]), out

    def hooks(self, layers: Any, name: str) -> list[Any]:
        if self.layer >= len(layers):
            raise HawkError(f"{name} prunes at layer {self.layer} but the model has {len(layers)}")
        handles = [layers[self.layer - 1].register_forward_pre_hook(self.before_score_layer, with_kwargs=True)]
        for layer in layers[self.layer :]:
            handles.append(layer.register_forward_pre_hook(self.before_pruned_layer, with_kwargs=True))
        return handles
