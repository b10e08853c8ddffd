"""What the pruning hooks share during one forward: the captured inputs and the statistics they fill."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass
class RowStats:
    """What pruning did to one sample of the last prefill."""

    visual_tokens: int
    kept_visual_tokens: int
    kept_visual_indices: list[int]
    prompt_tokens: int
    kept_prompt_tokens: int
    # Per image / video temporal step: {"kind", "index", "step", "visual_tokens", "kept_visual_tokens"}.
    segments: list[dict] = field(default_factory=list)


@dataclass
class PruneStats:
    method: str
    keep: float
    rows: list[RowStats] = field(default_factory=list)
    prefills: int = 0
    scoring_ms: float = 0.0  # selection + gather time of the last prefill


@dataclass
class Captured:
    """The multimodal model's `input_ids` and 2-D mask of the current call (hook 1), and the prefill length."""

    ids: torch.Tensor | None = None
    mask: Any = None
    prefill_len: int = 0
    pruned_mask: torch.Tensor | None = None  # the 2-D mask of the kept tokens, for generation's next step
    towers: list = field(default_factory=list)  # what the adapter's segment hooks saw of each vision-tower call

    def capture(self, module: Any, args: tuple, kwargs: dict) -> None:
        self.ids = kwargs.get("input_ids", args[0] if args else None)
        self.mask = kwargs.get("attention_mask")


def pack(rows: list[torch.Tensor], device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded gather index and 2-D mask for rows of kept positions."""
    new_len = max(r.numel() for r in rows)
    index = torch.zeros(len(rows), new_len, dtype=torch.long, device=device)
    new_mask = torch.zeros(len(rows), new_len, dtype=torch.long, device=device)
    for b, positions in enumerate(rows):
        index[b, new_len - positions.numel() :] = positions
        new_mask[b, new_len - positions.numel() :] = 1
    return index, new_mask


def sync_ms(tensor: torch.Tensor, start: float) -> float:
    """Milliseconds since `start`, after the device has finished its queued work."""
    import time

    if tensor.device.type == "cuda":
        torch.cuda.synchronize(tensor.device)
    return (time.perf_counter() - start) * 1000
