"""Training examples with their objects located in visual tokens: what the auxiliary losses supervise.

Both generators (`synth`'s grid pictures and `scenes`' free ones) become a `Labelled`: picture, question,
answer, objects with pixel boxes, and which objects the question is about. `object_tokens` places each
object in the grid of merged visual tokens the processor made of that picture (any size or aspect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hawkcli.data import scenes, synth


@dataclass
class Labelled:
    image: Any
    question: str
    answer: str
    task: str
    size: tuple[int, int]
    objects: list[tuple[str, str, tuple[int, int, int, int]]] = field(default_factory=list)  # shape, colour, box
    referents: list[int] = field(default_factory=list)

    def object_tokens(self, grid: tuple[int, int]) -> list[list[int]]:
        """Each object's merged visual tokens, for the (rows, cols) token grid the processor made."""
        return [scenes.object_tokens(box, self.size, *grid) for _, _, box in self.objects]


def from_synth(s: synth.SynthSample) -> Labelled:
    targets = {id(o) for o in synth.targets(s)}
    objects = [(o.shape, o.colour, o.box) for o in s.objects]
    referents = [i for i, o in enumerate(s.objects) if id(o) in targets]
    size = (synth.IMAGE_SIZE, synth.IMAGE_SIZE)
    return Labelled(s.image, s.question, s.answer, s.task, size, objects, referents)


def from_scene(s: scenes.Scene) -> Labelled:
    objects = [(o.shape, o.colour, o.box) for o in s.objects]
    return Labelled(s.image, s.question, s.answer, s.task, s.size, objects, list(s.referents))
