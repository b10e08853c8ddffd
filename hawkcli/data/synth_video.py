"""`synth-video`: generated clips so video QA runs end to end offline.

Each clip shows synth's objects standing still on one textured background and one more object that
crosses the picture, left to right or right to left, at a random height. Questions: "what colour is
the object that moves ?" (its colour) and "which way does the <shape> move ?" (left / right). The
moving object is drawn last, over any static one it passes. Sample `i` of a split is a pure function
of (split, seed, i), from a seed stream of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from hawkcli.data import synth

NAME = "synth-video"
FRAMES = 8
FPS = 2.0
TASKS = ("moving-colour", "direction")
SPLIT_SEEDS = {"calib": 12_000, "test": 13_000}
QUESTIONS = {
    "moving-colour": "what colour is the object that moves ?",
    "direction": "which way does the {shape} move ?",
}


@dataclass
class VideoSample:
    id: str
    question: str
    answer: str
    task: str
    video: object  # hawkcli.video.Video


def sample(split: str, index: int, seed: int = 0) -> VideoSample:
    from hawkcli.video import Video

    if split not in SPLIT_SEEDS:
        raise ValueError(f"unknown {NAME} split {split!r}; splits: {', '.join(SPLIT_SEEDS)}")
    rng = np.random.default_rng([SPLIT_SEEDS[split], seed, index])
    task = TASKS[index % len(TASKS)]
    statics = synth._objects(rng, int(rng.integers(3, 7)))
    mover = synth._objects(rng, 1)[0]
    rightwards = bool(rng.integers(2))
    y = int(rng.integers(0, synth.IMAGE_SIZE - mover.size))
    span = synth.IMAGE_SIZE - mover.size
    xs = np.linspace(0, span, FRAMES).round().astype(int)
    texture = int(rng.integers(2**31))
    frames = []
    for x in xs if rightwards else xs[::-1]:
        moved = synth.SynthObject(mover.shape, mover.colour, mover.cell, mover.size, (int(x), y))
        frames.append(synth.render([*statics, moved], texture))
    if task == "moving-colour":
        question, answer = QUESTIONS[task], mover.colour
    else:
        question, answer = QUESTIONS[task].format(shape=mover.shape), "right" if rightwards else "left"
    digest = hashlib.sha1(f"{NAME}/{split}/{seed}/{index}".encode()).hexdigest()[:8]
    video = Video(frames, FPS, FRAMES, list(range(FRAMES)), f"{NAME}-{index}")
    return VideoSample(f"{NAME}-{split}-{index}-{digest}", question, answer, task, video)
