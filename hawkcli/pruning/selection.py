"""Which positions of each row survive: valid non-visual tokens plus the method's choice of visual ones."""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.core.scoring import keep_count
from hawkcli.errors import HawkError
from hawkcli.methods.base import SelectionContext
from hawkcli.pruning.state import Captured, PruneStats, RowStats


class Selector:
    """`keep` applies to all visual tokens of a row together (images and frames compete), or with
    `per_frame` to each image / video temporal step on its own: the totals agree up to rounding
    (a ceiling per segment instead of one per row)."""

    def __init__(
        self,
        adapter: Any,
        method: Any,
        keep: float,
        seed: int,
        captured: Captured,
        stats: PruneStats,
        per_frame: bool = False,
        continuation_tokens: list[int] | None = None,
    ):
        self.adapter = adapter
        # Per row, trailing tokens that are a continuation being scored (teacher forcing): never query text.
        self.continuation_tokens = continuation_tokens
        self.method = method
        self.keep = keep
        self.seed = seed
        self.captured = captured
        self.stats = stats
        self.per_frame = per_frame
        self.saliency: list[torch.Tensor] = []  # filled by the adapter's vision hooks, one tensor per call

    def rows(
        self,
        embeds: torch.Tensor,
        layer_attention: torch.Tensor | None = None,
        layer_keys: torch.Tensor | None = None,
        layer_hidden: torch.Tensor | None = None,
    ) -> list[torch.Tensor]:
        """Kept positions of every row, ascending; fills `stats.rows`. The `layer_*` signals are `[B, L, ...]`
        decoder states for in-decoder methods."""
        ids, mask = self.captured.ids, self.captured.mask
        valid = mask.bool() if mask is not None else torch.ones_like(ids, dtype=torch.bool)
        visual = self.adapter.visual_mask(ids)
        saliency = self._row_saliency(ids, visual & valid)
        all_segments = self.adapter.segments(ids, self.captured.towers)
        rows, stats = [], []
        for b, segments in enumerate(all_segments):
            vis_pos = (visual[b] & valid[b]).nonzero().flatten()
            query = self._query(ids[b], b) & valid[b]
            n = vis_pos.numel()
            ctx = SelectionContext(
                self.adapter,
                embeds[b],
                ids[b],
                vis_pos,
                query.nonzero().flatten(),
                seed=self.seed,
                valid_from=int(valid[b].int().argmax()),
                saliency=saliency[b] if saliency is not None else None,
                layer_attention=layer_attention[b, vis_pos] if layer_attention is not None else None,
                layer_keys=layer_keys[b] if layer_keys is not None else None,
                layer_hidden=layer_hidden[b] if layer_hidden is not None else None,
                segments=segments,
            )
            chosen = self._choose(ctx, n).to(vis_pos.device)
            keep_row = valid[b] & ~visual[b]
            keep_row[vis_pos[chosen]] = True
            positions = keep_row.nonzero().flatten()
            rows.append(positions)
            kept = chosen.tolist()
            stats.append(
                RowStats(n, len(kept), kept, int(valid[b].sum()), positions.numel(), _segment_stats(segments, kept))
            )
        self.stats.rows = stats
        self.saliency.clear()
        self.captured.towers.clear()
        return rows

    def _query(self, row: torch.Tensor, b: int) -> torch.Tensor:
        """The row's text query, found as if the continuation being scored (if any) were not there."""
        tail = self.continuation_tokens[b] if self.continuation_tokens else 0
        query = torch.zeros_like(row, dtype=torch.bool)
        query[: row.numel() - tail] = self.adapter.query_mask(row[: row.numel() - tail])
        return query

    def _choose(self, ctx: SelectionContext, n: int) -> torch.Tensor:
        if n == 0:
            return ctx.visual_pos.new_zeros(0)
        if self.method.needs_video and not any(s.kind == "video" for s in ctx.segments):
            raise HawkError(f"method {self.method.name} compares video frames; this prompt has no video")
        if not self.method.prunes:
            return self.method.select(ctx, n)
        if self.per_frame and len(ctx.segments) > 1:
            parts = []
            for seg in ctx.segments:
                k = keep_count(seg.count, self.keep)
                parts.append(seg.start + self._checked(ctx.part(seg), k))
            return torch.cat(parts)
        return self._checked(ctx, keep_count(n, self.keep))

    def _checked(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        chosen = self.method.select(ctx, k)
        if chosen.numel() != k:
            raise RuntimeError(f"method {self.method.name} kept {chosen.numel()} tokens, expected {k}")
        return chosen

    def _row_saliency(self, ids: torch.Tensor, visual_valid: torch.Tensor) -> list[torch.Tensor] | None:
        """Per row, the saliency of its visual tokens in token order. The vision tower is called once per
        kind of visual token present (images, then videos: `visual_token_ids` order), each call covering
        that kind's tokens of every row in row order."""
        if not self.method.needs_saliency:
            return None
        if not self.saliency:
            raise HawkError(f"method {self.method.name} needs the vision tower to run in the same forward")
        flat = torch.cat(self.saliency).to(visual_valid.device)
        if int(visual_valid.sum()) != flat.numel():
            raise HawkError(f"method {self.method.name}: vision saliency does not match the visual tokens")
        full = torch.zeros(ids.shape, dtype=flat.dtype, device=flat.device)
        offset = 0
        for token in self.adapter.visual_token_ids():
            kind = visual_valid & (ids == token)
            count = int(kind.sum())
            full[kind] = flat[offset : offset + count]  # boolean indexing runs row by row, position by position
            offset += count
        return [full[b][visual_valid[b]] for b in range(ids.shape[0])]


def _segment_stats(segments: list[Any], kept: list[int]) -> list[dict]:
    """Visual and kept token counts of every image / video temporal step (only where a row has several)."""
    if len(segments) <= 1 and all(s.kind == "image" for s in segments):
        return []
    chosen = torch.tensor(kept, dtype=torch.long)
    return [
        {
            "kind": s.kind,
            "index": s.index,
            "step": s.step,
            "visual_tokens": s.count,
            "kept_visual_tokens": int(((chosen >= s.start) & (chosen < s.stop)).sum()),
        }
        for s in segments
    ]
