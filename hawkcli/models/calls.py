"""How the installed transformers hands state to a text decoder and its layers: the one place that knows.

Hooks see the keyword arguments a caller passes, not the ones a `@deprecate_kwarg` wrapper later
renames, so when transformers renames a keyword (5.24 carries the KV cache as `cache`, where 5.23 and
earlier said `past_key_values`) every hook must read the new name. Each convention hawk knows is one
row of `CONVENTIONS`; `convention_for` picks the row matching the signatures of the loaded model, and
`tests/models/test_contract.py` checks that the installed version speaks a known one.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any

from hawkcli.errors import HawkError


@dataclass(frozen=True)
class CallConvention:
    """Keyword names a text decoder (and each of its layers) is called with."""

    since: str  # first transformers release that calls this way
    cache: str  # the KV cache object
    inputs_embeds: str = "inputs_embeds"
    hidden_states: str = "hidden_states"
    attention_mask: str = "attention_mask"
    position_ids: str = "position_ids"
    position_embeddings: str = "position_embeddings"  # (cos, sin), built once by the text model

    def model_keywords(self) -> tuple[str, ...]:
        """Keywords the text model's forward must accept for the pre-decoder hook."""
        return (self.inputs_embeds, self.attention_mask, self.position_ids, self.cache)

    def layer_keywords(self) -> tuple[str, ...]:
        """Keywords each decoder layer's forward must accept for in-decoder pruning."""
        return (self.hidden_states, self.attention_mask, self.position_ids, self.cache, self.position_embeddings)

    def get_cache(self, kwargs: dict) -> Any:
        return kwargs.get(self.cache)

    def output_cache(self, output: Any) -> Any:
        """The cache a text model or a full VLM returned."""
        return getattr(output, self.cache, None)


# Oldest first. A new transformers release that renames one of these keywords gets a new row.
CONVENTIONS: tuple[CallConvention, ...] = (
    CallConvention(since="5.20", cache="past_key_values"),
    CallConvention(since="5.24", cache="cache"),
)


def _parameters(fn: Any) -> set[str]:
    # inspect.signature follows functools.wraps, so decorated forwards show their real parameters.
    return set(inspect.signature(fn).parameters)


def matching(text_model_cls: type, layer_cls: type | None) -> list[CallConvention]:
    """Every known convention whose keywords the given classes accept (newest first)."""
    model_params = _parameters(text_model_cls.forward)
    layer_params = _parameters(layer_cls.forward) if layer_cls is not None else None
    found = []
    for conv in reversed(CONVENTIONS):
        if not set(conv.model_keywords()) <= model_params:
            continue
        if layer_params is not None and not set(conv.layer_keywords()) <= layer_params:
            continue
        found.append(conv)
    return found


@functools.cache
def _for_classes(text_model_cls: type, layer_cls: type | None) -> CallConvention:
    found = matching(text_model_cls, layer_cls)
    if not found:
        import transformers

        raise HawkError(
            f"transformers {transformers.__version__} calls {text_model_cls.__name__} in a way hawk does not know "
            f"(known: {', '.join(f'{c.since}+ cache={c.cache!r}' for c in CONVENTIONS)}); "
            "install a transformers version from hawk's tested range"
        )
    return found[0]


def convention_for(text_model: Any) -> CallConvention:
    """The convention the installed transformers uses to call this text model and its layers."""
    layers = getattr(text_model, "layers", None)
    layer_cls = type(layers[0]) if layers is not None and len(layers) else None
    return _for_classes(type(text_model), layer_cls)
