"""Pruning before the language model: at prefill, gather the kept positions of what the text model receives.

A forward pre-hook on the text decoder scores the visual tokens and hands the decoder only the kept
positions. What "what the text model receives" means is the family's knowledge
(`adapter.gather_text_inputs`): embeddings, position ids of any shape, masks, and extras such as
Qwen3-VL's DeepStack features.
"""

from __future__ import annotations

import time
from typing import Any

from hawkcli.errors import HawkError
from hawkcli.pruning.selection import Selector
from hawkcli.pruning.state import Captured, PruneStats, pack, sync_ms


class BeforeDecoder:
    def __init__(self, adapter: Any, calls: Any, selector: Selector, captured: Captured, stats: PruneStats) -> None:
        self.adapter = adapter
        self.calls = calls
        self.selector = selector
        self.captured = captured
        self.stats = stats
        self.in_decoder: Any = None  # set when the method prunes inside the decoder instead

    def hook(self, module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict] | None:
        calls, captured = self.calls, self.captured
        embeds = kwargs.get(calls.inputs_embeds)
        ids = captured.ids
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
        mask = captured.mask
        if mask is not None and (isinstance(mask, dict) or mask.ndim != 2):
            raise HawkError("pruning needs a 2-D attention mask (static / compiled caches are not supported)")
        captured.prefill_len = ids.shape[1]
        self.stats.prefills += 1
        if self.in_decoder is not None:
            self.in_decoder.begin(embeds)
            return None
        start = time.perf_counter()
        index, new_mask = pack(self.selector.rows(embeds), embeds.device)
        if mask is not None:
            new_mask = new_mask.to(mask.dtype)
        out = self.adapter.gather_text_inputs(dict(kwargs), calls, index, new_mask, ids)
        captured.pruned_mask = new_mask
        self.stats.scoring_ms = sync_ms(embeds, start)
        return args, out
