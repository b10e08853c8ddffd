"""`synth`: deterministic synthetic visual QA whose answers live in small, movable image regions.

Images are a 12×12 grid of 28-px cells (336 px → 144 visual tokens after Qwen's 2×2 merge); each
object sits inside one cell, so the answer to "what colour is the triangle?" lives in one or two
visual tokens whose place changes from image to image. Pruning the wrong tokens loses the answer.
Splits come from disjoint seed streams; sample `i` of a split is a pure function of (split, seed, i).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

IMAGE_SIZE = 336
CELL = 28
GRID = IMAGE_SIZE // CELL
BACKGROUND = (128, 128, 128)

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 170, 50),
    "blue": (30, 70, 230),
    "yellow": (240, 210, 20),
    "purple": (150, 50, 200),
    "orange": (250, 130, 20),
    "white": (250, 250, 250),
    "black": (15, 15, 15),
}
SHAPES = ("circle", "square", "triangle", "star", "diamond", "cross")
TASKS = ("colour", "shape", "count", "exists", "side")
# The mix the dataset name `synth` serves and hawk-demo is rated on; `synth-full` serves every task.
# count and side stay out of it because hawk-demo never got past their answer prior (see its card).
DEFAULT_TASKS = ("colour", "shape", "exists")
DATASETS = {"synth": DEFAULT_TASKS, "synth-full": TASKS}
SPLIT_SEEDS = {"train": 1_000, "calib": 2_000, "test": 3_000}
NUMBERS = tuple(str(i) for i in range(11))

TEMPLATES: dict[str, tuple[str, ...]] = {
    "colour": ("what colour is the {shape} ?", "what is the colour of the {shape} ?", "which colour is the {shape} ?"),
    "shape": ("what shape is the {colour} object ?", "which shape is {colour} ?", "what is the {colour} shape ?"),
    "count": (
        "how many {colour} objects are there ?",
        "how many {colour} shapes are in the image ?",
        "count the {colour} objects .",
    ),
    "exists": (
        "is there a {colour} {shape} ?",
        "does the image contain a {colour} {shape} ?",
        "can you see a {colour} {shape} ?",
    ),
    "side": (
        "which side is the {shape} on ?",
        "is the {shape} on the left or the right ?",
        "on which side is the {shape} ?",
    ),
}


@dataclass
class SynthObject:
    shape: str
    colour: str
    cell: tuple[int, int]  # (row, col) in the 12×12 grid
    size: int
    offset: tuple[int, int]  # top-left pixel of the shape's bounding box

    @property
    def box(self) -> tuple[int, int, int, int]:
        x, y = self.offset
        return (x, y, x + self.size, y + self.size)


@dataclass
class SynthSample:
    id: str
    question: str
    answer: str
    task: str
    objects: list[SynthObject] = field(default_factory=list)
    texture_seed: int = 0

    @property
    def image(self) -> Image.Image:
        return render(self.objects, self.texture_seed)


def vocabulary() -> list[str]:
    """Every word a synth question or answer can contain (the demo tokenizer's vocabulary)."""
    words: list[str] = []
    for templates in TEMPLATES.values():
        for t in templates:
            words += t.replace("{shape}", "").replace("{colour}", "").split()
    words += list(COLOURS) + list(SHAPES) + list(NUMBERS) + ["yes", "no", "left", "right"]
    return list(dict.fromkeys(words))


def _draw_shape(draw: ImageDraw.ImageDraw, obj: SynthObject, fill: tuple[int, int, int] | None = None) -> None:
    x0, y0, x1, y1 = obj.box
    s = obj.size
    cx, cy = x0 + s / 2, y0 + s / 2
    fill = fill or COLOURS[obj.colour]
    if obj.shape == "circle":
        draw.ellipse(obj.box, fill=fill)
    elif obj.shape == "square":
        draw.rectangle((x0 + 2, y0 + 2, x1 - 2, y1 - 2), fill=fill)
    elif obj.shape == "triangle":
        draw.polygon([(cx, y0), (x1, y1), (x0, y1)], fill=fill)
    elif obj.shape == "diamond":
        draw.polygon([(cx, y0), (x1, cy), (cx, y1), (x0, cy)], fill=fill)
    elif obj.shape == "cross":
        w = s / 6
        draw.rectangle((cx - w, y0, cx + w, y1), fill=fill)
        draw.rectangle((x0, cy - w, x1, cy + w), fill=fill)
    elif obj.shape == "star":
        pts = []
        for i in range(10):
            r = s / 2 if i % 2 == 0 else s / 4.5
            a = -np.pi / 2 + i * np.pi / 5
            pts.append((cx + r * np.cos(a), cy + r * np.sin(a)))
        draw.polygon(pts, fill=fill)
    else:
        raise ValueError(obj.shape)


def render(objects: list[SynthObject], texture_seed: int = 0) -> Image.Image:
    """Draw the objects on a lightly textured grey background."""
    rng = np.random.default_rng(texture_seed)
    noise = rng.integers(-8, 9, size=(IMAGE_SIZE, IMAGE_SIZE, 1))
    base = np.clip(np.array(BACKGROUND)[None, None] + noise, 0, 255).astype(np.uint8)
    image = Image.fromarray(base, "RGB")
    draw = ImageDraw.Draw(image)
    for obj in objects:
        _draw_shape(draw, obj)
    return image


def _objects(rng: np.random.Generator, n: int) -> list[SynthObject]:
    cells = rng.choice(GRID * GRID, size=n, replace=False)
    objs = []
    for c in cells:
        row, col = divmod(int(c), GRID)
        size = int(rng.integers(18, 27))
        slack = CELL - size
        dx, dy = (int(v) for v in rng.integers(0, slack + 1, size=2))
        objs.append(
            SynthObject(
                shape=str(rng.choice(SHAPES)),
                colour=str(rng.choice(list(COLOURS))),
                cell=(row, col),
                size=size,
                offset=(col * CELL + dx, row * CELL + dy),
            )
        )
    return objs


def _question(rng: np.random.Generator, task: str, objs: list[SynthObject]) -> tuple[str, str] | None:
    template = str(rng.choice(TEMPLATES[task]))
    shapes = [o.shape for o in objs]
    colours = [o.colour for o in objs]
    if task == "colour":
        unique = [o for o in objs if shapes.count(o.shape) == 1]
        if not unique:
            return None
        o = unique[int(rng.integers(len(unique)))]
        return template.format(shape=o.shape), o.colour
    if task == "shape":
        unique = [o for o in objs if colours.count(o.colour) == 1]
        if not unique:
            return None
        o = unique[int(rng.integers(len(unique)))]
        return template.format(colour=o.colour), o.shape
    if task == "count":
        colour = str(rng.choice(colours if rng.random() < 0.8 else list(COLOURS)))
        return template.format(colour=colour), NUMBERS[colours.count(colour)]
    if task == "exists":
        if rng.random() < 0.5:
            o = objs[int(rng.integers(len(objs)))]
            return template.format(colour=o.colour, shape=o.shape), "yes"
        present = {(o.colour, o.shape) for o in objs}
        absent = [(c, s) for c in COLOURS for s in SHAPES if (c, s) not in present]
        c, s = absent[int(rng.integers(len(absent)))]
        return template.format(colour=c, shape=s), "no"
    if task == "side":
        unique = [o for o in objs if shapes.count(o.shape) == 1]
        if not unique:
            return None
        o = unique[int(rng.integers(len(unique)))]
        return template.format(shape=o.shape), "left" if o.cell[1] < GRID // 2 else "right"
    raise ValueError(f"unknown synth task {task!r}; tasks: {', '.join(TASKS)}")


def targets(s: SynthSample) -> list[SynthObject]:
    """The objects a question is about (what a grounded answer must look at); empty when none is."""
    words = set(s.question.split())
    colours = words & set(COLOURS)
    shapes = words & set(SHAPES)
    return [
        o
        for o in s.objects
        if (not colours or o.colour in colours) and (not shapes or o.shape in shapes) and (colours or shapes)
    ]


def sample(
    split: str,
    index: int,
    seed: int = 0,
    tasks: tuple[str, ...] = TASKS,
    min_objects: int = 4,
    max_objects: int = 10,
) -> SynthSample:
    """Sample `index` of `split`: a pure function of its arguments."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f"unknown synth split {split!r}; splits: {', '.join(SPLIT_SEEDS)}")
    rng = np.random.default_rng([SPLIT_SEEDS[split], seed, index])
    task = tasks[index % len(tasks)]
    while True:
        objs = _objects(rng, int(rng.integers(min_objects, max_objects + 1)))
        qa = _question(rng, task, objs)
        if qa is not None:
            break
    question, answer = qa
    texture = int(rng.integers(2**31))
    # The task mix changes which sample index i is, so it is part of the id (caches key on ids).
    digest = hashlib.sha1(f"{split}/{seed}/{index}/{','.join(tasks)}".encode()).hexdigest()[:8]
    return SynthSample(f"synth-{split}-{index}-{digest}", question, answer, task, objs, texture)
