"""`uniform`: HAWK's scorer with equal head weights — the paper's "text-guided only" control.

Isolates what the head-importance profile adds over plain layer-0 text→visual attention.
"""

from __future__ import annotations

import torch

from hawkcli.methods.hawk import Hawk
from hawkcli.methods.registry import register


@register
class Uniform(Hawk):
    name = "uniform"
    summary = "layer-0 text→visual attention, all heads weighted equally (no profile)"
    needs_profile = False

    def weights(self, num_heads: int) -> torch.Tensor:
        return torch.ones(num_heads)
