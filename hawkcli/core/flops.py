"""FLOPs of a decoder-only language model (GQA + SwiGLU aware) and of a ViT vision tower.

A multiply-add counts as 2 FLOPs. Attention scores and values are counted over the full n×n
matrix, as dense attention kernels compute them. Norms, activations, RoPE and biases are ignored
(< 1 % at these sizes). `fastv_formula` is the per-layer 4nd² + 2n²d + 2ndm that FastV and most
pruning papers report as "FLOPs". It counts a multiply-add as one operation and assumes multi-head
attention with a 2-matrix MLP, so against the exact multiply-add count of a GQA + SwiGLU model it
comes out ~20 % low (no gate matrix, full-size K/V) — hawk reports both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LMShape:
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int


def _layer_linear(shape: LMShape, tokens: int) -> int:
    d, hd = shape.hidden, shape.head_dim
    q = 2 * tokens * d * shape.heads * hd
    kv = 2 * 2 * tokens * d * shape.kv_heads * hd
    o = 2 * tokens * shape.heads * hd * d
    mlp = 3 * 2 * tokens * d * shape.intermediate  # gate, up, down
    return q + kv + o + mlp


def _attention(shape: LMShape, queries: int, keys: int) -> int:
    return 2 * 2 * shape.heads * shape.head_dim * queries * keys  # scores + weighted values


def prefill_flops(shape: LMShape, tokens_per_layer: list[int] | int, logits: int = 1) -> int:
    """Prefill FLOPs when layer i processes `tokens_per_layer[i]` tokens (an int: the same for all)."""
    per_layer = [tokens_per_layer] * shape.layers if isinstance(tokens_per_layer, int) else tokens_per_layer
    if len(per_layer) != shape.layers:
        raise ValueError(f"need {shape.layers} per-layer token counts, got {len(per_layer)}")
    body = sum(_layer_linear(shape, n) + _attention(shape, n, n) for n in per_layer)
    return body + 2 * logits * shape.hidden * shape.vocab


def decode_flops(shape: LMShape, context_per_layer: list[int] | int) -> int:
    """FLOPs of generating one token when layer i attends over `context_per_layer[i]` cached tokens (+ itself)."""
    per_layer = [context_per_layer] * shape.layers if isinstance(context_per_layer, int) else context_per_layer
    body = sum(_layer_linear(shape, 1) + _attention(shape, 1, c + 1) for c in per_layer)
    return body + 2 * shape.hidden * shape.vocab


def fastv_formula(shape: LMShape, tokens_per_layer: list[int] | int) -> int:
    """Σ_layers 4nd² + 2n²d + 2ndm — the FastV paper's count, for comparison with published numbers."""
    per_layer = [tokens_per_layer] * shape.layers if isinstance(tokens_per_layer, int) else tokens_per_layer
    d, m = shape.hidden, shape.intermediate
    return sum(4 * n * d * d + 2 * n * n * d + 2 * n * d * m for n in per_layer)


@dataclass(frozen=True)
class VisionShape:
    depth: int
    hidden: int
    intermediate: int
    patch_dim: int  # channels × temporal_patch × patch²
    merge: int  # spatial merge size
    out_hidden: int
    gated_mlp: bool  # Qwen2.5-VL: SwiGLU (3 matrices); Qwen2-VL: 2-matrix MLP
    window_patches: int  # patches per attention window (0: every block is full attention)
    full_blocks: tuple[int, ...] = ()
    # Matrix widths of the projector applied to each of the patches // merge² units, input first.
    # Empty: Qwen's merger, (hidden·merge², hidden·merge², out_hidden).
    projector: tuple[int, ...] = ()
    span: int = 0  # patches that attend to each other (one tile / image); 0: all the call's patches


def vision_flops(shape: VisionShape, patches: int) -> int:
    """Vision tower + merger FLOPs for `patches` patches (unchanged by visual-token pruning)."""
    d = shape.hidden
    total = 2 * patches * shape.patch_dim * d
    mats = 3 if shape.gated_mlp else 2
    for block in range(shape.depth):
        full = shape.window_patches == 0 or block in shape.full_blocks
        span = min(shape.span, patches) if shape.span else patches
        span = span if full else min(shape.window_patches, patches)
        total += 2 * patches * d * 3 * d + 2 * patches * d * d  # qkv + proj
        total += 2 * 2 * patches * span * d  # scores + values within the attention span
        total += mats * 2 * patches * d * shape.intermediate
    units, unit_dim = patches // shape.merge**2, d * shape.merge**2
    dims = shape.projector or (unit_dim, unit_dim, shape.out_hidden)
    total += sum(2 * units * a * b for a, b in zip(dims[:-1], dims[1:], strict=True))
    return total
