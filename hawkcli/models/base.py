"""What hawk needs to know about a VLM family, and nothing more: the adapter interface.

An adapter answers, for one loaded model: where the multimodal wrapper, the text decoder and the
vision tower are; which token ids are visual and which tokens form the text query; how decoder
layer 0 projects queries and keys; what the text model receives at prefill and how to gather the
kept positions of it; and, where the family has it, a vision-side saliency. The pruning engine and
every method are written against this interface only. The defaults below fit a decoder that takes
`inputs_embeds`, a 2-D mask and position ids of any leading shape; families override what differs.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

import torch
from torch import nn

from hawkcli.errors import HawkError


def _side(size: Any) -> int:
    """A square size given as an int or as (height, width)."""
    return int(size[0]) if isinstance(size, (list, tuple)) else int(size)


def visual_runs(ids: torch.Tensor, visual: torch.Tensor) -> list[tuple[int, int, int]]:
    """(start among the row's visual tokens, length, token id) of every run of one visual token id."""
    pos = visual.nonzero().flatten()
    if pos.numel() == 0:
        return []
    tokens = ids[pos]
    breaks = ((pos[1:] != pos[:-1] + 1) | (tokens[1:] != tokens[:-1])).nonzero().flatten() + 1
    starts = [0, *breaks.tolist()]
    ends = [*breaks.tolist(), pos.numel()]
    return [(a, b - a, int(tokens[a])) for a, b in zip(starts, ends, strict=True)]


class VLMAdapter:
    """Base adapter; subclasses set `model_types` and `family` and override what differs."""

    model_types: ClassVar[tuple[str, ...]] = ()
    family: ClassVar[str] = ""
    # Processor class (`hawkcli.models.processing.VLInputs` subclass) that builds this family's inputs.
    inputs_class: ClassVar[type | None] = None
    # Whether `vision_saliency_hooks` exists (vispruner, idsel need it).
    has_saliency: ClassVar[bool] = False
    # Short names of the family's real checkpoints -> hub ids (`--model qwen2.5-vl-7b`).
    aliases: ClassVar[dict[str, str]] = {}
    # In-decoder pruning (fastv, dart): supported at all, and its limit or why not (`hawk models`, refusals).
    in_decoder: ClassVar[bool] = True
    in_decoder_note: ClassVar[str] = ""

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

    def vision_patches(self, inputs: Any) -> int | None:
        """Patches the vision tower encodes for these inputs (vision FLOPs), or None if unknown.

        Default: tiles of `pixel_values` (`[..., 3, S, S]`, any leading dims) times (S / patch)²."""
        pixels = inputs.get("pixel_values") if hasattr(inputs, "get") else None
        patch = getattr(getattr(self.config, "vision_config", None), "patch_size", None)
        if pixels is None or not patch or pixels.ndim < 4:
            return None
        patch = _side(patch)
        tiles = int(torch.tensor(pixels.shape[:-3]).prod())
        return tiles * (pixels.shape[-1] // patch) * (pixels.shape[-2] // patch)

    def tower_shape(self, merge: int = 1, projector: tuple[int, ...] = ()) -> Any:
        """`VisionShape` of a ViT tower (CLIP, SigLIP, InternViT: 2-matrix MLPs, full attention per tile)
        followed by `projector`, for families whose tower is a stock `vision_config`."""
        from hawkcli.core.flops import VisionShape

        v = self.config.vision_config
        patch, image = _side(v.patch_size), _side(v.image_size)
        return VisionShape(
            depth=v.num_hidden_layers,
            hidden=v.hidden_size,
            intermediate=v.intermediate_size,
            patch_dim=3 * patch**2,
            merge=merge,
            out_hidden=self.text_config().hidden_size,
            gated_mlp=False,
            window_patches=0,
            projector=projector,
            span=(image // patch) ** 2,
        )

    # -- tokens ---------------------------------------------------------------------------------
    def visual_token_ids(self) -> tuple[int, ...]:
        raise NotImplementedError

    def visual_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        ids = torch.tensor(self.visual_token_ids(), device=input_ids.device)
        return torch.isin(input_ids, ids)

    def video_token_ids(self) -> tuple[int, ...]:
        """Which of `visual_token_ids` stand for video frames (none: the family reads no video)."""
        return ()

    def segment_hooks(self, sink: list) -> list[Any]:
        """Hooks that append to `sink` what `segments` needs to know about each vision-tower call (e.g. the
        grids Qwen's tower receives; generate() may run the tower before the model's own forward)."""
        return []

    def segments(self, input_ids: torch.Tensor, sink: list) -> list[list[Any]]:
        """The `Segment`s of every row of `input_ids` `[B, L]`: each run of visual tokens is an image or a
        video, split into temporal steps where the family knows how (`run_segments`). `sink` holds what
        `segment_hooks` recorded for this forward."""
        visual = self.visual_mask(input_ids)
        number = dict.fromkeys(self.visual_token_ids(), 0)  # runs of each token id so far in the batch
        out = []
        for r in range(input_ids.shape[0]):
            index = dict.fromkeys(self.visual_token_ids(), 0)  # ... and in this row
            row = []
            for start, length, tok in visual_runs(input_ids[r], visual[r]):
                kind = "video" if tok in self.video_token_ids() else "image"
                row += self.run_segments(kind, index[tok], number[tok], start, length, sink)
                index[tok] += 1
                number[tok] += 1
            out.append(row)
        return out

    def run_segments(self, kind: str, index: int, number: int, start: int, length: int, sink: list) -> list[Any]:
        """Segments of one run of visual tokens: the `index`-th of its kind in the row, the `number`-th in
        the batch, starting at visual token `start`. Default: one segment, grid unknown."""
        from hawkcli.core.geometry import Segment

        return [Segment(kind, index, 0, start, length)]

    def image_end_ids(self) -> tuple[int, ...]:
        """Tokens that close an image block (the query starts after the last of these or of the visual tokens)."""
        return ()

    # Whether the user's turn ends with the model's eos (`<|im_end|>`, `<end_of_turn>`, ...); templates
    # without an end-of-turn token before the answer leave it False and the query runs to the prompt's end.
    query_ends_at_eos: ClassVar[bool] = False

    def turn_end_ids(self) -> tuple[int, ...]:
        """Tokens that end the user's turn (the query stops at the first one after the last image)."""
        if not self.query_ends_at_eos:
            return ()
        eos = self.text_config().eos_token_id
        return tuple(eos) if isinstance(eos, (list, tuple)) else (eos,)

    def query_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Boolean mask over one row: the user's text after the last image up to the end of the user turn
        (the HAWK reference's query). With no such text, the last image token (or its end marker) itself."""
        mask = torch.zeros_like(input_ids, dtype=torch.bool)
        marks = self.visual_mask(input_ids)
        if self.image_end_ids():
            marks |= torch.isin(input_ids, torch.tensor(self.image_end_ids(), device=input_ids.device))
        last = marks.nonzero().flatten()
        if last.numel() == 0:
            return mask
        start = int(last[-1]) + 1
        ends = torch.isin(input_ids, torch.tensor(self.turn_end_ids() or (-1,), device=input_ids.device))
        after = ends.nonzero().flatten()
        after = after[after >= start]
        stop = int(after[0]) if after.numel() else input_ids.numel()
        if stop > start:
            mask[start:stop] = True
        else:
            mask[start - 1] = True
        return mask

    # -- layer-0 attention inputs --------------------------------------------------------------
    def layer0_qk(self, query_embeds: torch.Tensor, key_embeds: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder-layer-0 queries `[heads, T, head_dim]` of `query_embeds` `[T, hidden]` and keys
        `[heads, N, head_dim]` of `key_embeds` `[N, hidden]`.

        No RoPE, like the HAWK reference scorer. Families whose attention normalises q and k per head
        (`q_norm` / `k_norm`: Qwen3-VL, Gemma 3) are scored with the normalised projections, the ones the
        model attends with. KV heads are repeated to match query heads. Queries are projected for the
        query rows only and keys for the key rows only: that keeps scoring ~1 % of prefill.
        """
        layer = self.text_model().layers[0]
        attn = layer.self_attn
        head_dim = attn.head_dim
        xq, xk = layer.input_layernorm(query_embeds), layer.input_layernorm(key_embeds)
        q = attn.q_proj(xq).view(xq.shape[0], -1, head_dim)
        k = attn.k_proj(xk).view(xk.shape[0], -1, head_dim)
        if getattr(attn, "q_norm", None) is not None:
            q, k = attn.q_norm(q), attn.k_norm(k)
        q, k = q.transpose(0, 1), k.transpose(0, 1)
        return q, k.repeat_interleave(q.shape[0] // k.shape[0], dim=0)

    # -- decoder attention at an arbitrary layer (FastV) ----------------------------------------
    def apply_rope(self, q: torch.Tensor, k: torch.Tensor, position_embeddings: tuple) -> tuple:
        """RoPE exactly as the text decoder applies it (the decoder's own `apply_rotary_pos_emb`)."""
        attn = self.text_model().layers[0].self_attn
        fn = sys.modules[type(attn).__module__].apply_rotary_pos_emb
        cos, sin = position_embeddings
        return fn(q, k, cos, sin)

    def last_token_attention(self, layer: nn.Module, hidden: torch.Tensor, position_embeddings: tuple) -> torch.Tensor:
        """`[B, H, L]` attention logits of the last position over all keys at `layer`, as the model computes
        them (norm, projections, q/k norm, RoPE, scaling); masks are the caller's."""
        attn = layer.self_attn
        x = layer.input_layernorm(hidden)
        b, length, _ = x.shape
        q = attn.q_proj(x[:, -1:]).view(b, 1, -1, attn.head_dim)
        k = attn.k_proj(x).view(b, length, -1, attn.head_dim)
        if getattr(attn, "q_norm", None) is not None:
            q, k = attn.q_norm(q), attn.k_norm(k)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        cos, sin = position_embeddings
        q, _ = self.apply_rope(q, q, (cos[:, -1:], sin[:, -1:]))
        _, k = self.apply_rope(k, k, (cos, sin))
        k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
        return (q.float() @ k.float().transpose(-1, -2)).squeeze(2) * attn.scaling

    def check_in_decoder(self, layer: int, method: str) -> None:
        """Refuse (HawkError) in-decoder pruning at `layer` where the family cannot take it."""
        if not self.in_decoder:
            why = f" ({self.in_decoder_note})" if self.in_decoder_note else ""
            raise HawkError(
                f"method {method} prunes inside the decoder, which hawk does not support on {self.family}{why}; "
                "use an input-pruning method"
            )

    def layer_keys(self, layer: nn.Module, hidden: torch.Tensor, position_embeddings: tuple) -> torch.Tensor:
        """`[B, L, kv_heads * head_dim]` keys of `layer` for its input `hidden`, as it attends with them
        (input norm, projection, k norm, RoPE)."""
        attn = layer.self_attn
        b, length, _ = hidden.shape
        k = attn.k_proj(layer.input_layernorm(hidden)).view(b, length, -1, attn.head_dim)
        if getattr(attn, "k_norm", None) is not None:
            k = attn.k_norm(k)
        _, k = self.apply_rope(k.transpose(1, 2), k.transpose(1, 2), position_embeddings)
        return k.transpose(1, 2).reshape(b, length, -1)

    def final_norm(self, hidden: torch.Tensor) -> torch.Tensor:
        """The decoder's last norm (before the LM head)."""
        return self.text_model().norm(hidden)

    # -- what the text model receives at prefill -----------------------------------------------
    def default_position_ids(self, batch: int, length: int, device: Any) -> torch.Tensor:
        """The position ids the text model would build itself for a fresh sequence."""
        return torch.arange(length, device=device).expand(batch, length)

    def gather_text_inputs(
        self, kwargs: dict, calls: Any, index: torch.Tensor, new_mask: torch.Tensor, input_ids: torch.Tensor
    ) -> dict:
        """The text model's keyword arguments restricted to the kept positions `index` `[B, L']`.

        `new_mask` is the matching left-padded 2-D mask; kept tokens keep their original positions;
        `input_ids` are the full-length ids the multimodal model received.
        """
        embeds = kwargs[calls.inputs_embeds]
        batch, length = embeds.shape[:2]
        kwargs[calls.inputs_embeds] = torch.gather(embeds, 1, index[..., None].expand(-1, -1, embeds.shape[-1]))
        position_ids = kwargs.get(calls.position_ids)
        if position_ids is None:
            position_ids = self.default_position_ids(batch, length, embeds.device)
        gathered = torch.gather(position_ids, -1, index.expand(*position_ids.shape[:-2], batch, index.shape[1]))
        kwargs[calls.position_ids] = gathered.masked_fill(new_mask == 0, 1)
        kwargs[calls.attention_mask] = new_mask
        return kwargs

    def replay_rows(self, kwargs: dict, calls: Any, rows: torch.Tensor) -> dict:
        """Captured text-model keyword arguments of a batch, restricted to batch `rows` (repeats allowed), to
        run the decoder again without the vision tower (profiling). The cache is left out."""
        batch = kwargs[calls.inputs_embeds].shape[0]

        def select(value: Any, batch_dim: int = 0) -> Any:
            if isinstance(value, dict):
                return {k: select(v) for k, v in value.items()}
            if isinstance(value, torch.Tensor) and value.ndim > batch_dim and value.shape[batch_dim] == batch:
                return value.index_select(batch_dim, rows.to(value.device))
            return value

        out = {k: select(v) for k, v in kwargs.items() if k not in (calls.cache, "use_cache", calls.position_ids)}
        position_ids = kwargs.get(calls.position_ids)
        if position_ids is not None:
            out[calls.position_ids] = select(position_ids, position_ids.ndim - 2)  # [..., B, L]
        return out

    # -- vision-side saliency (VisPruner / ID-Selection) --------------------------------------------
    def vision_saliency_hooks(self, sink: list[torch.Tensor], method: str) -> list[Any]:
        """Hooks that append, per vision-tower call, one saliency value per visual token (token order)."""
        raise HawkError(
            f"method {method} needs vision-tower attention, which hawk does not read on {self.family or 'this family'}"
        )
