"""Benchmark-level numbers from per-sample records, named and scaled as lmms-eval 0.7.3 reports them.

A record is what `hawk compare` stores per sample: `score` (the per-sample metric), `answer` (the
stripped prediction), `references`, `task` (the row's category / type label) and `group` (rows scored
together: MME's two questions about one image).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable


def _mean(records: list[dict]) -> float:
    return statistics.fmean(r["score"] for r in records) if records else 0.0


def chartqa(records: list[dict]) -> dict[str, float]:
    """`relaxed_overall`, and the mean over the human-written and the augmented questions apart."""
    out = {"relaxed_overall": _mean(records)}
    human = [r for r in records if r.get("task") == "human_test"]
    augmented = [r for r in records if r.get("task") != "human_test"]
    if human:
        out["relaxed_human_split"] = _mean(human)
    if augmented:
        out["relaxed_augmented_split"] = _mean(augmented)
    return out


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def pope(records: list[dict]) -> dict[str, float]:
    """Accuracy and, with "yes" as the positive class, precision, recall and F1 over exact yes / no answers.

    Only an exact "no" counts as a false negative (anything else is neither), as lmms-eval counts; its
    yes ratio is the share of "yes" among the *references*."""
    pairs = [(r["answer"].lower().strip(), r["references"][0].lower().strip()) for r in records]
    tp = sum(p == "yes" and g == "yes" for p, g in pairs)
    fp = sum(p == "yes" and g == "no" for p, g in pairs)
    fn = sum(p == "no" and g == "yes" for p, g in pairs)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    yes = sum(g == "yes" for _, g in pairs)
    return {
        "pope_accuracy": _mean(records),
        "pope_precision": precision,
        "pope_recall": recall,
        "pope_f1_score": f1,
        "pope_yes_ratio": _ratio(yes, yes + sum(g == "no" for _, g in pairs)),
    }


MME_PERCEPTION = (
    "existence",
    "count",
    "position",
    "color",
    "posters",
    "celebrity",
    "scene",
    "landmark",
    "artwork",
    "OCR",
)
MME_COGNITION = ("commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning")


def _mme_total(records: list[dict]) -> float:
    """Σ over categories of the mean over images of acc + acc+ (in %): an image's acc is its share of
    right answers, acc+ is 100 when both its questions are right."""
    by_category: dict[str, dict[str, list[float]]] = {}
    for r in records:
        by_category.setdefault(r.get("task", ""), {}).setdefault(r.get("group", ""), []).append(r["score"])
    total = 0.0
    for images in by_category.values():
        per_image = [100.0 * sum(s) / len(s) + 100.0 * (sum(s) == len(s)) for s in images.values()]
        total += statistics.fmean(per_image)
    return total


def mme(records: list[dict]) -> dict[str, float]:
    """Perception (10 categories, at most 2000) and cognition (4, at most 800) scores of the categories present."""
    out = {}
    perception = [r for r in records if r.get("task") in MME_PERCEPTION]
    cognition = [r for r in records if r.get("task") not in MME_PERCEPTION]
    if perception:
        out["mme_perception_score"] = _mme_total(perception)
    if cognition:
        out["mme_cognition_score"] = _mme_total(cognition)
    return out


def percent(name: str) -> Callable[[list[dict]], dict[str, float]]:
    """100 × the mean score (Video-MME's overall number)."""
    return lambda records: {name: 100.0 * _mean(records)}


def mvbench(records: list[dict]) -> dict[str, float]:
    """100 × right / answered: an empty answer leaves the denominator."""
    answered = [r for r in records if r["answer"] != ""]
    return {"mvbench_accuracy": 100.0 * sum(r["score"] for r in answered) / len(answered) if answered else 0.0}


def mean(name: str) -> Callable[[list[dict]], dict[str, float]]:
    return lambda records: {name: _mean(records)}


AGGREGATES: dict[str, Callable[[list[dict]], dict[str, float]]] = {
    "chartqa": chartqa,
    "textvqa": mean("exact_match"),
    "docvqa": mean("anls"),
    "exact_match": mean("exact_match"),
    "pope": pope,
    "mme": mme,
    "videomme": percent("videomme_perception_score"),
    "mvbench": mvbench,
}


def aggregate(name: str, records: list[dict]) -> dict[str, float]:
    return AGGREGATES[name](records)
