"""Which positions of each row survive: valid non-visual tokens plus the method's choice of visual ones."""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.core.scoring import keep_count
from hawkcli.errors import HawkError
from hawkcli.methods.base import SelectionContext
from hawkcli.pruning.state import Captured, PruneStats, RowStats


class Selector:
    def __init__(self, adapter: Any, method: Any, keep: float, seed: int, captured: Captured, stats: PruneStats):
        self.adapter = adapter
        self.method = method
        self.keep = keep
        self.seed = seed
        self.captured = captured
        self.stats = stats
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
                valid_from=int(valid[b].int().argmax()),
                saliency=saliency[b] if saliency is not None else None,
                layer_attention=layer_attention[b, vis_pos] if layer_attention is not None else None,
                layer_keys=layer_keys[b] if layer_keys is not None else None,
                layer_hidden=layer_hidden[b] if layer_hidden is not None else None,
            )
            chosen = self.method.select(ctx, k).to(embeds.device) if n else vis_pos.new_zeros(0)
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
