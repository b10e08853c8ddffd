"""Does a pruning method keep what the question is about? Synthetic pictures know where every object is,
so for each answer we can tell whether any visual token of its referent object(s) survived, and how the
accuracy splits between answers whose referent was kept and those whose referent was dropped.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from hawkcli.demo.labels import Labelled
from hawkcli.requests import Prompt


@dataclass
class ReferentRow:
    method: str
    keep: float
    samples: int
    accuracy: float
    referent_kept: float  # share of samples with at least one referent token kept
    token_share: float  # mean share of the referent's tokens kept
    accuracy_kept: float | None  # accuracy over samples whose referent was kept (None: no such sample)
    accuracy_dropped: float | None


def referent_tokens(sample: Labelled, grid: tuple[int, int]) -> set[int]:
    tokens = sample.object_tokens(grid)
    return {t for i in sample.referents for t in tokens[i]}


def referent_sets(session, samples: list[Labelled]) -> list[set[int]]:
    """Each sample's referent tokens on the token grid the model's processor makes of its picture (the
    same for every method: computed once)."""
    merge = session.loaded.model.config.vision_config.spatial_merge_size
    sets = []
    for s in samples:
        _, h, w = session.processor([s.image], [s.question])["image_grid_thw"][0].tolist()
        sets.append(referent_tokens(s, (h // merge, w // merge)))
    return sets


def measure(
    session, samples: list[Labelled], referents: list[set[int]], method: str, keep: float, options: dict | None = None
) -> ReferentRow:
    """One (method, keep) over samples that have a referent (questions about an absent object have none);
    `referents` from `referent_sets`."""
    from hawkcli.data.metrics import exact_match

    arm = session.configured(method=method, keep=keep, options=options or {})
    if method != "hawk":
        arm = arm.configured(profile=None)
    scored = []
    for s, wanted in zip(samples, referents, strict=True):
        if not wanted:
            continue
        (answer,) = arm.generate([Prompt(s.question, images=[s.image])], max_new_tokens=4)
        kept = wanted & set(answer.stats.kept_visual_indices)
        scored.append((exact_match(answer.text, [s.answer]), bool(kept), len(kept) / len(wanted)))
    right = [r for r, k, _ in scored if k]
    wrong = [r for r, k, _ in scored if not k]
    return ReferentRow(
        method,
        keep,
        len(scored),
        statistics.fmean(r for r, _, _ in scored),
        statistics.fmean(float(k) for _, k, _ in scored),
        statistics.fmean(f for _, _, f in scored),
        statistics.fmean(right) if right else None,
        statistics.fmean(wrong) if wrong else None,
    )
