"""Public API: prune visual tokens of a stock transformers VLM inside a `with` block.

    with hawkcli.prune(model, method="hawk", keep=0.2, profile="qwen2.5-vl-7b") as stats:
        out = model.generate(**inputs)
    stats.rows[0].kept_visual_indices

Removable hooks, no patched source (DESIGN §3), one module per strategy:
- `state`: a pre-hook on the multimodal model records `input_ids` and the 2-D mask (`Captured`);
- `before`: a pre-hook on the text decoder, at prefill, gathers the kept positions of what the
  family's text model receives (most methods);
- `inside`: methods that prune inside the decoder (fastv) hook layer K-1 to score and layers >= K
  to gather at prefill and to mask against their shorter cache at decode;
- `generation`: decode steps extend the pruned mask instead of the original one;
- `selection`: which positions survive, shared by both strategies.
Methods that need vision-encoder attention (vispruner, idsel) add the family adapter's vision hooks.
Kept tokens keep their original position ids, so the KV cache only ever holds kept tokens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from hawkcli.errors import HawkError
from hawkcli.methods.registry import create, method_class
from hawkcli.models.calls import convention_for
from hawkcli.models.registry import adapter_for
from hawkcli.pruning.before import BeforeDecoder
from hawkcli.pruning.generation import wrap_update
from hawkcli.pruning.inside import InDecoder
from hawkcli.pruning.selection import Selector
from hawkcli.pruning.state import Captured, PruneStats, RowStats

__all__ = ["PruneStats", "RowStats", "prune", "refusal", "resolve_head_weights"]


def _refuse_labels(module: Any, args: tuple, kwargs: dict) -> None:
    if kwargs.get("labels") is not None:
        raise HawkError("pruning changes the sequence length; pass no labels inside hawkcli.prune()")


def _hooks(
    model: Any,
    adapter: Any,
    method: Any,
    keep: float,
    seed: int,
    stats: PruneStats,
    per_frame: bool,
    continuation_tokens: list[int] | None,
) -> tuple[list, Captured]:
    reason = refusal(adapter, method, per_frame)  # the one check `hawk compare` also asks before building its arms
    if reason:
        raise HawkError(reason)
    text_model = adapter.text_model()
    calls = convention_for(text_model)
    captured = Captured()
    selector = Selector(adapter, method, keep, seed, captured, stats, per_frame, continuation_tokens)
    before = BeforeDecoder(adapter, calls, selector, captured, stats)
    handles = [
        model.register_forward_pre_hook(_refuse_labels, with_kwargs=True),
        adapter.multimodal_model().register_forward_pre_hook(captured.capture, with_kwargs=True),
        text_model.register_forward_pre_hook(before.hook, with_kwargs=True),
    ]
    try:
        handles += adapter.segment_hooks(captured.towers)
        if method.needs_saliency:
            handles += adapter.vision_saliency_hooks(selector.saliency, method.name)
        layer = method.prune_layer()
        if layer > 0:
            before.in_decoder = InDecoder(adapter, calls, layer, selector, captured, stats)
            handles += before.in_decoder.hooks(text_model.layers)
    except BaseException:
        for handle in handles:
            handle.remove()
        raise
    return handles, captured


def refusal(adapter: Any, method: Any, per_frame: bool = False) -> str | None:
    """Why `method` (an instance) cannot run on this model, in one line, or None if it can."""
    if method.needs_video and not adapter.video_token_ids():
        return f"method {method.name} compares video frames, which hawk does not read on {adapter.family}"
    if per_frame and method.needs_video:
        return f"method {method.name} splits its budget between frames itself; drop --per-frame"
    if method.needs_saliency and not adapter.has_saliency:
        return f"method {method.name} needs vision-tower attention, which hawk does not read on {adapter.family}"
    layer = method.prune_layer()
    if layer > 0:
        if layer >= adapter.num_layers:
            return (
                f"method {method.name} prunes at layer {layer} but this {adapter.family} model has {adapter.num_layers}"
            )
        try:
            adapter.check_in_decoder(layer, method.name)
        except HawkError as err:
            return str(err)
    return None


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
    per_frame: bool = False,
    continuation_tokens: list[int] | None = None,
    **options: Any,
) -> Iterator[PruneStats]:
    """Prune visual tokens at prefill for every forward / generate inside the block.

    Args:
        model: a stock transformers VLM whose `model_type` has a family adapter (`hawk models`).
        method: a registered method name (`hawk`, `uniform`, `random`, `none`, ...).
        keep: fraction of visual tokens kept per sample, in (0, 1]; `k = max(1, ceil(N * keep))` over all
            its images and video frames together (global top-k, as the HAWK reference).
        profile: for `hawk`: a `Profile`, a path or shipped profile name, or a `[heads]` weight vector.
        seed: for seeded methods.
        per_frame: apply `keep` to every image and video temporal step on its own instead of to all of a
            prompt's visual tokens together (same total up to rounding).
        continuation_tokens: for scoring a continuation by teacher forcing: per row, how many trailing tokens
            are the continuation. They are left out of the text query that scores the visual tokens, so what
            is scored never decides what the model sees.
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
    handles, captured = _hooks(model, adapter, pruning_method, keep, seed, stats, per_frame, continuation_tokens)
    had_own = "_update_model_kwargs_for_generation" in vars(model)
    previous = vars(model).get("_update_model_kwargs_for_generation")
    model._update_model_kwargs_for_generation = wrap_update(model._update_model_kwargs_for_generation, captured)
    try:
        yield stats
    finally:
        for handle in handles:
            handle.remove()
        if had_own:
            model._update_model_kwargs_for_generation = previous
        else:
            del model._update_model_kwargs_for_generation
