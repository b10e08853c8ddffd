"""The interface every pruning method implements, and the per-sample context it reads."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import torch

from hawkcli.core.scoring import top_k_sorted
from hawkcli.errors import HawkError

_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass
class MethodOptions:
    """Options shared by no method; subclasses add typed fields."""


@dataclass
class SelectionContext:
    """One sample at prefill: its merged embeddings and where the visual and query tokens are."""

    adapter: Any
    embeds: torch.Tensor  # [tokens, hidden], the row as the text decoder receives it
    input_ids: torch.Tensor  # [tokens]
    visual_pos: torch.Tensor  # [N] positions of visual tokens in the row
    query_pos: torch.Tensor  # [T] positions of the text query tokens
    seed: int = 0
    valid_from: int = 0  # first non-padding position of the row (rows are left-padded)
    saliency: torch.Tensor | None = None  # [N] vision-side attention received (methods with needs_saliency)
    layer_attention: torch.Tensor | None = None  # [N] decoder attention at the method's prune layer (fastv)
    layer_keys: torch.Tensor | None = None  # [tokens, kv_heads*head_dim] keys of layer K-1 (dart)
    layer_hidden: torch.Tensor | None = None  # [tokens, hidden] input of layer K, final-normed (dart)
    # The images and video temporal steps the visual tokens form, in token order (`core.geometry.Segment`).
    segments: list[Any] = field(default_factory=list)
    _qk: tuple[torch.Tensor, torch.Tensor] | None = field(default=None, repr=False)

    def part(self, segment: Any) -> SelectionContext:
        """The context of one segment's visual tokens alone (per-frame budgets)."""
        cut = slice(segment.start, segment.stop)
        return dataclasses.replace(
            self,
            visual_pos=self.visual_pos[cut],
            saliency=self.saliency[cut] if self.saliency is not None else None,
            layer_attention=self.layer_attention[cut] if self.layer_attention is not None else None,
            segments=[dataclasses.replace(segment, start=0)],
            _qk=None,
        )

    @property
    def features(self) -> torch.Tensor:
        """`[N, hidden]` projected visual embeddings (what the language model receives)."""
        return self.embeds[self.visual_pos].float()

    @property
    def num_visual(self) -> int:
        return int(self.visual_pos.numel())

    def layer0_qk(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer-0 queries of the text query tokens and keys of the visual tokens (cached)."""
        if self._qk is None:
            # RMSNorm and the projections act per token, so projecting only the rows needed is exact.
            self._qk = self.adapter.layer0_qk(self.embeds[self.query_pos], self.embeds[self.visual_pos])
        return self._qk


class PruneMethod:
    """Chooses which visual tokens of one sample to keep."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    needs_profile: ClassVar[bool] = False
    needs_saliency: ClassVar[bool] = False
    prunes: ClassVar[bool] = True
    # Bumped whenever the method's choice of tokens changes, so cached comparison results are recomputed.
    revision: ClassVar[int] = 1
    # In-decoder methods: which decoder states they read ("attention", "keys", "hidden").
    decoder_signals: ClassVar[frozenset[str]] = frozenset()
    # Video methods: they compare frames, so refuse prompts without video, and they split the budget
    # between frames themselves (no --per-frame).
    needs_video: ClassVar[bool] = False
    Options: ClassVar[type[MethodOptions]] = MethodOptions

    def __init__(self, options: MethodOptions | None = None, head_weights: torch.Tensor | None = None) -> None:
        self.options = options or self.Options()
        self.head_weights = head_weights

    @classmethod
    def make_options(cls, raw: dict[str, Any]) -> MethodOptions:
        known = {f.name for f in fields(cls.Options)}
        unknown = sorted(set(raw) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise HawkError(f"method {cls.name} has no option {', '.join(unknown)} (options: {allowed})")
        return cls.Options(**raw)

    @classmethod
    def parse_option(cls, key: str, text: str) -> Any:
        """One option value from the command line (`layer=3`), converted to the option's declared type."""
        hints = typing.get_type_hints(cls.Options)
        if key not in hints:
            cls.make_options({key: None})  # raises the "no option" error listing the options
        kind = hints[key]
        try:
            if kind is bool:
                lowered = text.strip().lower()
                if lowered not in _BOOLS:
                    raise ValueError(text)
                return _BOOLS[lowered]
            return kind(text)
        except (TypeError, ValueError) as err:
            name = getattr(kind, "__name__", str(kind))
            raise HawkError(f"method {cls.name} option {key}={text!r}: expected {name}") from err

    def prune_layer(self) -> int:
        """Decoder layer before which tokens are dropped: 0 = before the language model (most methods)."""
        return 0

    def scores(self, ctx: SelectionContext) -> torch.Tensor:
        """`[N]` importance of each visual token; larger is kept first."""
        raise NotImplementedError

    def select(self, ctx: SelectionContext, k: int) -> torch.Tensor:
        """Indices into the sample's visual tokens (0..N-1), ascending, exactly `k` of them."""
        return top_k_sorted(self.scores(ctx), k)


def cosine_similarity_matrix(features: torch.Tensor) -> torch.Tensor:
    """`[N, N]` cosine similarity of L2-normalised rows."""
    unit = torch.nn.functional.normalize(features.float(), dim=-1)
    return unit @ unit.T


def normalise_sum(x: torch.Tensor) -> torch.Tensor:
    """Shift to non-negative and scale to sum 1 (a distribution over tokens)."""
    x = x.float() - x.float().min()
    total = x.sum()
    return x / total if total > 0 else torch.full_like(x, 1.0 / max(1, x.numel()))
