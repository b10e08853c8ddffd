"""Pruning inside the decoder (FastV, DART): score from layers K-1 and K, drop tokens from layer K on.

Layer K-1's pre-hook remembers its input; layer K's pre-hook, at prefill, computes what the method
reads (`decoder_signals`: layer K-1's last-token attention, recomputed because sdpa returns no
weights; its keys; layer K's input through the final norm), lets the method choose, and every layer
>= K gathers its input to the kept positions at prefill and, at decode, attends with a mask sized to
its shorter cache. Layers < K keep every token.
"""

from __future__ import annotations

import time
from typing import Any

import torch

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
        self._embeds: torch.Tensor | None = None  # the prefill's merged embeddings, until layer K chose
        self._previous: tuple | None = None  # (layer K-1, its input, position embeddings) at prefill
        self._index: torch.Tensor | None = None  # gather index of the kept positions (None: nothing dropped)
        self._layer_mask: torch.Tensor | None = None

    def begin(self, embeds: torch.Tensor) -> None:
        self._embeds, self._index, self._layer_mask, self._previous = embeds, None, None, None

    def before_score_layer(self, module: Any, args: tuple, kwargs: dict) -> None:
        """Layer K-1 at prefill: remember its input; the choice is made when layer K receives its input."""
        calls = self.calls
        hidden = kwargs.get(calls.hidden_states, args[0] if args else None)
        if self._embeds is not None and hidden.shape[1] == self.captured.prefill_len:
            self._previous = (module, hidden, kwargs[calls.position_embeddings])

    def _signals(self, hidden: torch.Tensor) -> dict[str, torch.Tensor]:
        """What the method reads from the decoder (`decoder_signals`), from layer K-1's input and layer K's."""
        layer, previous, position_embeddings = self._previous
        wanted = self.selector.method.decoder_signals
        signals = {}
        if "attention" in wanted:  # the last token's softmaxed attention over all keys at K-1, head mean
            weights = self.adapter.last_token_attention(layer, previous, position_embeddings)
            if self.captured.mask is not None:
                weights = weights.masked_fill(~self.captured.mask.bool()[:, None, :], float("-inf"))
            signals["layer_attention"] = weights.softmax(-1).mean(1)  # [B, L]
        if "keys" in wanted:  # layer K-1's keys as it attends with them (norms, RoPE), heads concatenated
            signals["layer_keys"] = self.adapter.layer_keys(layer, previous, position_embeddings)
        if "hidden" in wanted:  # what enters layer K, through the decoder's final norm
            signals["layer_hidden"] = self.adapter.final_norm(hidden)
        return signals

    def _choose(self, hidden: torch.Tensor) -> None:
        start = time.perf_counter()
        rows = self.selector.rows(self._embeds, **self._signals(hidden))
        if all(r.numel() == self.captured.prefill_len for r in rows):
            self._index = None  # nothing dropped: leave the model untouched
        else:
            self._index, self._layer_mask = pack(rows, hidden.device)
        self._embeds, self._previous = None, None
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
        calls = self.calls
        hidden = kwargs.get(calls.hidden_states, args[0] if args else None)
        if self._previous is not None and hidden.shape[1] == self.captured.prefill_len:
            self._choose(hidden)  # layer K at prefill: its input completes the signals
        if self._index is None:
            return None
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

    def hooks(self, layers: Any) -> list[Any]:
        """Pre-hooks on layer K-1 and every layer >= K (`pruning.refusal` has checked that K fits)."""
        handles = [layers[self.layer - 1].register_forward_pre_hook(self.before_score_layer, with_kwargs=True)]
        for layer in layers[self.layer :]:
            handles.append(layer.register_forward_pre_hook(self.before_pruned_layer, with_kwargs=True))
        return handles
