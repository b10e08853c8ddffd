"""Generation bookkeeping: decode steps extend the pruned attention mask, not the original one.

`generate` keeps the full-length 2-D mask and appends a one per new token; after a pruned prefill the
cache holds fewer positions, so the first update swaps in the kept tokens' mask (left-padded batches
depend on it). Position ids need nothing: generate derives them from the full-length `input_ids`, so
decoding continues at the original positions.
"""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.errors import HawkError
from hawkcli.pruning.state import Captured


def wrap_update(original: Any, captured: Captured) -> Any:
    def update(outputs: Any, model_kwargs: dict, *args: Any, **kwargs: Any) -> dict:
        if model_kwargs.get("use_cache") is False:
            raise HawkError("pruning needs use_cache=True: decode steps reuse the pruned KV cache")
        result = original(outputs, model_kwargs, *args, **kwargs)
        pruned = captured.pruned_mask
        mask = result.get("attention_mask")
        if pruned is not None and mask is not None and mask.shape[1] > captured.prefill_len:
            result["attention_mask"] = torch.cat([pruned, mask[:, captured.prefill_len :]], dim=-1)
            captured.pruned_mask = None
        return result

    return update
