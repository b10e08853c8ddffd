"""`evs` and `vidcom2` choose what their definitions say on hand-built clips."""

from __future__ import annotations

import torch

from hawkcli.core.geometry import Segment
from hawkcli.methods.base import SelectionContext
from hawkcli.methods.registry import create


def clip_context(steps: torch.Tensor, image_tokens: int = 0) -> SelectionContext:
    """A row holding `image_tokens` image tokens, then one video of `steps` `[T, P, C]`."""
    t, p, c = steps.shape
    n = image_tokens + t * p
    feats = torch.cat([torch.ones(image_tokens, c), steps.reshape(t * p, c)])
    embeds = torch.cat([feats, torch.zeros(2, c)])  # two query tokens after the visual ones
    segments = [Segment("image", 0, 0, 0, image_tokens)] if image_tokens else []
    segments += [Segment("video", 0, s, image_tokens + s * p, p, (1, p)) for s in range(t)]
    return SelectionContext(None, embeds, torch.arange(n + 2), torch.arange(n), torch.tensor([n, n + 1]),
                            segments=segments)  # fmt: skip


STEPS = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [2.0, 0.0]]])


def test_evs_keeps_the_first_step_then_what_changed():
    evs = create("evs")
    # dissimilarity [255, 255 | 0, 1 | 1, 0]: stable order 0, 1, 3, 4, 2, 5
    assert evs.select(clip_context(STEPS), 3).tolist() == [0, 1, 3]
    assert evs.select(clip_context(STEPS), 4).tolist() == [0, 1, 3, 4]
    # image tokens are kept before any video token, as the engines leave images unpruned
    assert evs.select(clip_context(STEPS, image_tokens=2), 3).tolist() == [0, 1, 2]


def test_vidcom2_splits_k_by_frame_uniqueness_and_keeps_the_most_unique_tokens():
    g = torch.Generator().manual_seed(1)
    common = torch.randn(1, 4, 8, generator=g)
    steps = torch.cat([common + 0.01 * torch.randn(3, 4, 8, generator=g), torch.randn(1, 4, 8, generator=g) * 3])
    chosen = create("vidcom2").select(clip_context(steps), 6)
    per_step = [int(((chosen >= 4 * s) & (chosen < 4 * s + 4)).sum()) for s in range(4)]
    assert sum(per_step) == 6 and per_step[3] == max(per_step) and per_step[3] > per_step[0]
    from hawkcli.core.temporal import vidcom2_uniqueness

    _, similarity = vidcom2_uniqueness(steps)
    for s, n in enumerate(per_step):  # within a step: the n tokens least similar to the clip and the step
        kept = sorted((chosen[(chosen >= 4 * s) & (chosen < 4 * s + 4)] - 4 * s).tolist())
        assert kept == sorted(similarity[s].argsort()[:n].tolist())
