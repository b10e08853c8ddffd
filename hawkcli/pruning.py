"""Public API: prune visual tokens of a stock transformers VLM inside a `with` block.

    with hawkcli.prune(model, method="hawk", keep=0.2, profile="qwen2.5-vl-7b") as stats:
        out = model.generate(**inputs)
    stats.rows[0].kept_visual_indices

Three removable hooks, no patched source (DESIGN §3):
1. a forward pre-hook on the multimodal model records `input_ids` and the 2-D attention mask;
2. a forward pre-hook on the text decoder, at prefill, scores the visual tokens, gathers the kept
   positions of `inputs_embeds` / `position_ids` and passes the matching shorter 2-D mask;
3. an instance override of `_update_model_kwargs_for_generation` so decode steps extend the pruned
   mask instead of the original one (needed for left-padded batches).
Methods that prune inside the decoder (fastv) instead hook layer K-1 (to score from its attention)
and every layer >= K (to gather at prefill and to mask against their shorter cache at decode);
methods that need vision-encoder attention (vispruner, idsel) add the adapter's vision hooks.
Kept tokens keep their original position ids, so decoding continues at the original positions and
the KV cache only ever holds kept tokens.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from hawkcli.core.scoring import keep_count
from hawkcli.errors import HawkError
from hawkcli.methods.base import SelectionContext
from hawkcli.methods.registry import create, method_class
from hawkcli.models.calls import convention_for
from hawkcli.models.registry import adapter_for


@dataclass
class RowStats:
    """What pruning did to one sample of the last prefill."""

    visual_tokens: int
    kept_visual_tokens: int
    kept_visual_indices: list[int]
    prompt_tokens: int
    kept_prompt_tokens: int


@dataclass
class PruneStats:
    method: str
    keep: float
    rows: list[RowStats] = field(default_factory=list)
    prefills: int = 0
    scoring_ms: float = 0.0  # selection + gather time of the last prefill


class _Pruner:
    def __init__(self, model: Any, adapter: Any, method: Any, keep: float, seed: int, stats: PruneStats):
        self.model = model
        self.adapter = adapter
        self.method = method
        self.keep = keep
        self.seed = seed
        self.stats = stats
        self.layer = method.prune_layer()
        self.calls = convention_for(adapter.text_model())
        self.saliency: list[torch.Tensor] = []
        self._ids: torch.Tensor | None = None
        self._mask: torch.Tensor | None = None
        self._pruned_mask: torch.Tensor | None = None
        self._prefill_len = 0
        # in-decoder pruning (fastv): the prefill's inputs, then the gather index chosen at layer K-1
        self._embeds: torch.Tensor | None = None
        self._index: torch.Tensor | None = None
        self._layer_mask: torch.Tensor | None = None

    # hook 1 -------------------------------------------------------------------------------------
    def capture(self, module: Any, args: tuple, kwargs: dict) -> None:
        ids = kwargs.get("input_ids", args[0] if args else None)
        self._ids = ids
        self._mask = kwargs.get("attention_mask")

    def refuse_labels(self, module: Any, args: tuple, kwargs: dict) -> None:
        if kwargs.get("labels") is not None:
            raise HawkError("pruning changes the sequence length; pass no labels inside hawkcli.prune()")

    # selection shared by every method ---------------------------------------------------------------
    def _select(self, embeds: torch.Tensor, layer_attention: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Kept positions of every row (valid non-visual tokens + the method's visual choice)."""
        ids, mask = self._ids, self._mask
        device = embeds.device
        valid = mask.bool() if mask is not None else torch.ones_like(ids, dtype=torch.bool)
        visual = self.adapter.visual_mask(ids)
        saliency = self._row_saliency(visual & valid)
        rows, stats = [], []
        for b in range(ids.shape[0]):
            vis_pos = (visual[b] & valid[b]).nonzero().flatten()
            query = self.adapter.query_mask(ids[b]) & valid[b]
            n = vis_pos.numel()
            k = keep_count(n, self.keep) if self.method.prunes else n
            ctx = SelectionContext(
                self.adapter,
                embeds[b],
                ids[b],
                vis_pos,
                query.nonzero().flatten(),
                seed=self.seed,
                saliency=saliency[b] if saliency is not None else None,
                layer_attention=layer_attention[b, vis_pos] if layer_attention is not None else None,
            )
            chosen = self.method.select(ctx, k).to(device) if n else vis_pos.new_zeros(0)
            if chosen.numel() != k:
                raise RuntimeError(f"method {self.method.name} kept {chosen.numel()} tokens, expected {k}")
            keep_row = valid[b] & ~visual[b]
            keep_row[vis_pos[chosen]] = True
            positions = keep_row.nonzero().flatten()
            rows.append(positions)
            stats.append(RowStats(n, k, chosen.tolist(), int(valid[b].sum()), positions.numel()))
        self.stats.rows = stats
        self.saliency.clear()
        return rows

    def _row_saliency(self, visual_valid: torch.Tensor) -> list[torch.Tensor] | None:
        if not self.method.needs_saliency:
            return None
        if not self.saliency:
            raise HawkError(f"method {self.method.name} needs the vision tower to run in the same forward")
        flat = torch.cat(self.saliency).to(visual_valid.device)
        counts = visual_valid.sum(1).tolist()
        if sum(counts) != flat.numel():
            raise HawkError(f"method {self.method.name} supports image inputs only (visual token count mismatch)")
        return list(torch.split(flat, counts))

    @staticmethod
    def _pack(rows: list[torch.Tensor], device: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Left-padded gather index and 2-D mask for rows of kept positions."""
        new_len = max(r.numel() for r in rows)
        index = torch.zeros(len(rows), new_len, dtype=torch.long, device=device)
        new_mask = torch.zeros(len(rows), new_len, dtype=torch.long, device=device)
        for b, positions in enumerate(rows):
            index[b, new_len - positions.numel() :] = positions
            new_mask[b, new_len - positions.numel() :] = 1
        return index, new_mask

    # hook 2 -------------------------------------------------------------------------------------
    def before_text_model(self, module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict] | None:
        calls = self.calls
        embeds = kwargs.get(calls.inputs_embeds)
        ids = self._ids
        if embeds is None or embeds.shape[1] <= 1:
            return None  # decode step: the cache already holds only kept tokens
        cache = calls.get_cache(kwargs)
        if cache is not None and cache.get_seq_length() > 0:
            raise HawkError(
                "hawk prunes the first forward of a sequence only; chunked prefill and continuing "
                "from a filled cache are not supported inside hawkcli.prune()"
            )
        if ids is None or ids.shape != embeds.shape[:2]:
            raise HawkError("pruning needs input_ids (not inputs_embeds) in the model call")
        mask = self._mask
        if mask is not None and (isinstance(mask, dict) or mask.ndim != 2):
            raise HawkError("pruning needs a 2-D attention mask (static / compiled caches are not supported)")
        self._prefill_len = ids.shape[1]
        self.stats.prefills += 1
        if self.layer > 0:
            # In-decoder pruning: remember the prefill; layer K-1's hook chooses, layers >= K gather.
            self._embeds, self._index, self._layer_mask = embeds, None, None
            return None
        start = time.perf_counter()
        new_kwargs = self._prune_inputs(embeds, kwargs)
        self._sync_time(embeds, start)
        return args, new_kwargs

    def _sync_time(self, tensor: torch.Tensor, start: float) -> None:
        if tensor.device.type == "cuda":
            torch.cuda.synchronize(tensor.device)
        self.stats.scoring_ms = (time.perf_counter() - start) * 1000

    def _prune_inputs(self, embeds: torch.Tensor, kwargs: dict) -> dict:
        batch, length = self._ids.shape
        device = embeds.device
        index, new_mask = self._pack(self._select(embeds), device)
        calls = self.calls
        out = dict(kwargs)
        out[calls.inputs_embeds] = torch.gather(embeds, 1, index[..., None].expand(-1, -1, embeds.shape[-1]))
        position_ids = kwargs.get(calls.position_ids)
        if position_ids is None:
            # What the text model would build itself for a fresh sequence: 0..L-1 on every mRoPE row.
            position_ids = torch.arange(length, device=device).expand(3, batch, length)
        gathered = torch.gather(position_ids, -1, index.expand(*position_ids.shape[:-2], batch, index.shape[1]))
        out[calls.position_ids] = gathered.masked_fill(new_mask == 0, 1)
        mask = self._mask
        out[calls.attention_mask] = new_mask.to(mask.dtype) if mask is not None else new_mask
        self._pruned_mask = out[calls.attention_mask]
        return out

    # in-decoder pruning (fastv) -------------------------------------------------------------------
    def before_score_layer(self, module: Any, args: tuple, kwargs: dict) -> None:
        """Layer K-1 at prefill: the last token's softmaxed attention over all keys, head-averaged."""
        hidden = kwargs.get(self.calls.hidden_states, args[0] if args else None)
        if self._embeds is None or hidden.shape[1] != self._prefill_len:
            return
        start = time.perf_counter()
        attn = module.self_attn
        x = module.input_layernorm(hidden)
        b, length, _ = x.shape
        q = attn.q_proj(x[:, -1:]).view(b, 1, -1, attn.head_dim).transpose(1, 2)
        k = attn.k_proj(x).view(b, length, -1, attn.head_dim).transpose(1, 2)
        cos, sin = kwargs[self.calls.position_embeddings]
        q, _ = self.adapter.apply_rope(q, q, (cos[:, -1:], sin[:, -1:]))
        _, k = self.adapter.apply_rope(k, k, (cos, sin))
        k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
        logits = (q.float() @ k.float().transpose(-1, -2)).squeeze(2) * attn.scaling  # [B, H, L]
        if self._mask is not None:
            logits = logits.masked_fill(~self._mask.bool()[:, None, :], float("-inf"))
        weights = logits.softmax(-1).mean(1)  # [B, L]; the last token sees every valid position
        rows = self._select(self._embeds, layer_attention=weights)
        if all(r.numel() == self._prefill_len for r in rows):
            self._index = None  # nothing dropped: leave the model untouched
        else:
            self._index, self._layer_mask = self._pack(rows, hidden.device)
        self._embeds = None
        self._sync_time(hidden, start)

    def _layer_attention_mask(self, q_len: int, k_len: int, device: Any, dtype: torch.dtype) -> Any:
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
            if hidden.shape[1] == self._prefill_len:  # layer K: its input is still full length
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
        out[calls.attention_mask] = self._layer_attention_mask(q_len, k_len, hidden.device, hidden.dtype)
        if calls.hidden_states in kwargs:
            out[calls.hidden_states] = hidden
            return args, out
        return (hidden, *args[1:]), out

    # hook 3 -------------------------------------------------------------------------------------
    def wrap_update(self, original: Any) -> Any:
        def update(outputs: Any, model_kwargs: dict, *args: Any, **kwargs: Any) -> dict:
            if model_kwargs.get("use_cache") is False:
                raise HawkError("pruning needs use_cache=True: decode steps reuse the pruned KV cache")
            result = original(outputs, model_kwargs, *args, **kwargs)
            pruned = self._pruned_mask
            mask = result.get("attention_mask")
            if pruned is not None and mask is not None and mask.shape[1] > self._prefill_len:
                # First update after a pruned prefill: keep the pruned prefix, append the new tokens' ones.
                result["attention_mask"] = torch.cat([pruned, mask[:, self._prefill_len :]], dim=-1)
                self._pruned_mask = None
            return result

        return update

    def hooks(self) -> list[Any]:
        handles = [
            self.model.register_forward_pre_hook(self.refuse_labels, with_kwargs=True),
            self.adapter.multimodal_model().register_forward_pre_hook(self.capture, with_kwargs=True),
            self.adapter.text_model().register_forward_pre_hook(self.before_text_model, with_kwargs=True),
        ]
        if self.method.needs_saliency:
            handles += self.adapter.vision_saliency_hooks(self.saliency)
        if self.layer > 0:
            layers = self.adapter.text_model().layers
            if self.layer >= len(layers):
                raise HawkError(f"{self.method.name} prunes at layer {self.layer} but the model has {len(layers)}")
            handles.append(layers[self.layer - 1].register_forward_pre_hook(self.before_score_layer, with_kwargs=True))
            for layer in layers[self.layer :]:
                handles.append(layer.register_forward_pre_hook(self.before_pruned_layer, with_kwargs=True))
        return handles


def resolve_head_weights(method_name: str, profile: Any, num_heads: int) -> torch.Tensor | None:
    if not method_class(method_name).needs_profile:
        return None
    if profile is None:
        raise HawkError(f"method {method_name} needs a head-importance profile (profile=...)")
    from hawkcli import profiles

    if isinstance(profile, str):
        profile = profiles.load(profile)
    if hasattr(profile, "head_weights"):
        weights = torch.tensor(profile.head_weights(0), dtype=torch.float32)
    else:
        weights = torch.as_tensor(profile, dtype=torch.float32)
    if weights.numel() != num_heads:
        raise HawkError(f"profile has {weights.numel()} head weights but the model has {num_heads} heads")
    profiles.check_weights(weights, "the head-weight vector")
    return weights


@contextlib.contextmanager
def prune(
    model: Any,
    method: str = "hawk",
    keep: float = 0.2,
    profile: Any = None,
    seed: int = 0,
    **options: Any,
) -> Iterator[PruneStats]:
    """Prune visual tokens at prefill for every forward / generate inside the block.

    Args:
        model: a stock transformers VLM whose `model_type` has an adapter (see `hawk methods`).
        method: a registered method name (`hawk`, `uniform`, `random`, `none`, ...).
        keep: fraction of visual tokens kept per sample, in (0, 1]; `k = max(1, ceil(N * keep))`.
        profile: for `hawk`: a `Profile`, a path or shipped profile name, or a `[heads]` weight vector.
        seed: for seeded methods.
        options: method-specific options (e.g. `normalization="softmax"` for hawk).

    Yields:
        `PruneStats`, filled in at every prefill.
    """
    if not 0.0 < keep <= 1.0:
        raise HawkError(f"keep must be in (0, 1], got {keep}")
    adapter = adapter_for(model)
    weights = resolve_head_weights(method, profile, adapter.num_heads)
    pruning_method = create(method, head_weights=weights, **options)
    stats = PruneStats(method=method, keep=keep if pruning_method.prunes else 1.0)
    pruner = _Pruner(model, adapter, pruning_method, keep, seed, stats)
    handles = pruner.hooks()
    had_own = "_update_model_kwargs_for_generation" in vars(model)
    previous = vars(model).get("_update_model_kwargs_for_generation")
    model._update_model_kwargs_for_generation = pruner.wrap_update(model._update_model_kwargs_for_generation)
    try:
        yield stats
    finally:
        for handle in handles:
            handle.remove()
        if had_own:
            model._update_model_kwargs_for_generation = previous
        else:
            del model._update_model_kwargs_for_generation
