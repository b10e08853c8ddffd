"""`synth` scenes beyond the grid: pictures and questions closer to what a person brings to hawk-demo.

Objects of any size from one 28-px cell (of a 336-px frame) up to a third of the picture, placed
anywhere (not on the cell grid), 1–12 of them, on white, light, gradient, noisy or textured
backgrounds, in pictures of many sizes and aspect ratios (the processor resizes them), some grey-scale.
Questions come from several templates per task.

Two distributions share the generator: `train` draws sizes, aspect ratios, backgrounds and templates
from the training sets; `user` (the held-out "user-like" set, never trained on) draws them from
disjoint held-out sets — other templates, extreme aspect ratios (banners, tiny pictures), other
backgrounds. `hard` is clutter: many small objects, distractors sharing the referent's colour or
shape, textured backgrounds; its questions are answerable but 15 diverse tokens no longer cover them.
Sample `i` of a split is a pure function of (split, seed, i), like `synth`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from hawkcli.data import synth

COLOURS: dict[str, tuple[int, int, int]] = {**synth.COLOURS, "grey": (140, 140, 140)}
SHAPES = synth.SHAPES
TASKS = ("colour", "shape", "count", "exists")
NUMBERS = tuple(str(i) for i in range(13))
FRAME = 336  # the pixel budget hawk-demo's processor resizes every picture to (336² pixels)

# Plural forms, as a person writes them; the tokenizer maps each back to the shape word.
PLURALS = {"circle": "circles", "square": "squares", "triangle": "triangles", "star": "stars",
           "diamond": "diamonds", "cross": "crosses"}  # fmt: skip

TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "train": {
        "colour": (
            "what colour is the {shape} ?", "what is the colour of the {shape} ?", "which colour is the {shape} ?",
            "what colour does the {shape} have ?", "tell me the colour of the {shape} .", "the {shape} is what colour ?",
        ),
        "shape": (
            "what shape is the {colour} object ?", "which shape is {colour} ?", "what is the {colour} shape ?",
            "what kind of shape is {colour} ?", "what is the shape of the {colour} object ?",
        ),
        "count": (
            "how many {shape}s are there ?", "how many {colour} objects are there ?", "how many objects are there ?",
            "count the {shape}s .", "how many {colour} {shape}s are in the image ?",
        ),
        "exists": (
            "is there a {colour} {shape} ?", "are there any {colour} {shape}s ?",
            "does the image contain a {colour} {shape} ?", "is there a {shape} ?", "can you see a {colour} {shape} ?",
        ),
    },
    "user": {
        "colour": ("can you tell me the colour of the {shape} ?", "colour of the {shape} ?", "What color is the {shape}?"),
        "shape": ("name the shape that is {colour} .", "which object is {colour} ?", "What shape is {colour}?"),
        "count": ("what is the number of {shape}s ?", "How many {shape}s can you see?", "count all objects ."),
        "exists": ("do you see any {colour} {shape}s ?", "Is there a {colour} {shape} in the picture?", "any {shape}s ?"),
    },
}  # fmt: skip

# (width / height) and long side in pixels for train and hard; the user set's pictures are sizes no
# training picture has: banners, tall strips, tiny and very large pictures.
ASPECTS = {"train": (1.0, 4 / 3, 3 / 4, 3 / 2, 2 / 3, 16 / 9, 9 / 16), "hard": (1.0, 4 / 3)}
LONG_SIDE = {"train": (224, 720), "hard": (336, 640)}
USER_SIZES = ((1024, 200), (200, 720), (40, 40), (64, 48), (1100, 460), (960, 400), (1600, 1200))
BACKGROUNDS = {
    "train": ("white", "light", "gradient", "noise", "stripes", "grid-grey"),
    "user": ("split", "dots", "white"),
    "hard": ("stripes", "noise", "dots"),
}
SPLIT_SEEDS = {"train": 11_000, "test": 13_000, "user": 17_000, "hard": 19_000}
# Dataset names → {split as the user names it: the generator's split}. `synth-scenes` is the training
# distribution; `synth-user` and `synth-hard` only have a test split (they are never trained on).
DATASETS = {
    "synth-scenes": {"train": "train", "test": "test"},
    "synth-user": {"test": "user"},
    "synth-hard": {"test": "hard"},
}


@dataclass
class SceneObject:
    shape: str
    colour: str
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) in the picture's pixels


@dataclass
class Scene:
    """One picture and its question; `objects` say where everything is (for referent-kept measurements)."""

    id: str
    question: str
    answer: str
    task: str
    size: tuple[int, int]  # (width, height)
    background: str
    grey: bool
    objects: list[SceneObject] = field(default_factory=list)
    referents: list[int] = field(default_factory=list)  # indices into objects the question is about
    seed: int = 0

    @property
    def image(self) -> Image.Image:
        return render(self)


def _background(kind: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    light = rng.integers(200, 256, size=3)
    if kind == "white":
        return np.full((h, w, 3), 250, dtype=np.float32)
    if kind == "light":
        return np.broadcast_to(light, (h, w, 3)).astype(np.float32)
    if kind == "gradient":
        other = rng.integers(170, 256, size=3)
        t = np.linspace(0, 1, w if rng.random() < 0.5 else h)
        ramp = light[None] * (1 - t[:, None]) + other[None] * t[:, None]
        return (np.broadcast_to(ramp[None], (h, w, 3)) if len(t) == w else np.broadcast_to(ramp[:, None], (h, w, 3))).astype(np.float32)  # fmt: skip
    if kind == "noise":
        return np.clip(rng.normal(215, 18, size=(h, w, 1)), 0, 255).repeat(3, 2).astype(np.float32)
    if kind == "stripes":
        period = int(rng.integers(6, 24))
        rows = (np.arange(h)[:, None] + np.arange(w)[None] * int(rng.integers(0, 2))) // period % 2
        return (np.where(rows[..., None] == 0, light, light - 35)).astype(np.float32)
    if kind == "grid-grey":
        return np.full((h, w, 3), 128, dtype=np.float32) + rng.integers(-8, 9, size=(h, w, 1))
    if kind == "split":
        out = np.broadcast_to(light, (h, w, 3)).astype(np.float32).copy()
        out[:, w // 2 :] = rng.integers(190, 240, size=3)
        return out
    if kind == "dots":
        out = np.broadcast_to(light, (h, w, 3)).astype(np.float32).copy()
        step = int(rng.integers(10, 22))
        out[::step, ::step] -= 60
        return np.clip(out, 0, 255)
    raise ValueError(kind)


def render(scene: Scene) -> Image.Image:
    rng = np.random.default_rng(scene.seed)
    pixels = np.clip(_background(scene.background, scene.size, rng), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(image)
    for obj in scene.objects:
        x0, y0, x1, y1 = obj.box
        shape = synth.SynthObject(obj.shape, obj.colour, (0, 0), min(x1 - x0, y1 - y0), (x0, y0))
        synth._draw_shape(draw, shape, COLOURS[obj.colour])
    return image.convert("L").convert("RGB") if scene.grey else image


def _size(rng: np.random.Generator, split: str) -> tuple[int, int]:
    if split == "user":
        return USER_SIZES[int(rng.integers(len(USER_SIZES)))]
    aspect = float(rng.choice(ASPECTS[split]))
    low, high = LONG_SIDE[split]
    long_side = int(rng.integers(low, high + 1))
    if aspect >= 1:
        return long_side, max(8, round(long_side / aspect))
    return max(8, round(long_side * aspect)), long_side


def _place(rng: np.random.Generator, size: tuple[int, int], n: int, small: bool) -> list[tuple[int, int, int, int]]:
    """Up to `n` non-overlapping square boxes, sides 1/12 to 1/3 of the picture's shorter side."""
    w, h = size
    short = min(w, h)
    lo, hi = (short / 14, short / 8) if small else (short / 12, short / 3)
    lo = max(lo, 8.0)  # fewer pixels than that is no shape a person would ask about
    hi = max(hi, lo + 1)
    boxes: list[tuple[int, int, int, int]] = []
    for _ in range(n * 30):
        if len(boxes) == n:
            break
        s = max(4, int(rng.uniform(lo, hi)))
        x, y = int(rng.integers(0, max(1, w - s))), int(rng.integers(0, max(1, h - s)))
        box = (x, y, x + s, y + s)
        if all(box[2] + 2 <= b[0] or b[2] + 2 <= box[0] or box[3] + 2 <= b[1] or b[3] + 2 <= box[1] for b in boxes):
            boxes.append(box)
    return boxes


def _palette(background: str) -> list[str]:
    # Grey objects on the grey grid background would be invisible; white ones on white nearly so.
    banned = {"grid-grey": {"grey"}, "white": {"white"}}.get(background, set())
    return [c for c in COLOURS if c not in banned]


def _objects(rng: np.random.Generator, boxes: list, background: str, hard: bool) -> list[SceneObject]:
    colours = _palette(background)
    objs = [SceneObject(str(rng.choice(SHAPES)), str(rng.choice(colours)), b) for b in boxes]
    if hard and len(objs) > 2:
        # Distractors: many objects share a colour or a shape with some other object.
        base = objs[0]
        for o in objs[1 : len(objs) // 2]:
            if rng.random() < 0.5:
                o.colour = base.colour
            else:
                o.shape = base.shape
    return objs


def _ask(rng: np.random.Generator, task: str, objs: list[SceneObject], grey: bool, templates: tuple[str, ...]):
    """(question, answer, referent indices) or None when this scene cannot pose the task."""
    shapes = [o.shape for o in objs]
    colours = [o.colour for o in objs]
    usable = [t for t in templates if not (grey and "{colour}" in t)]
    if task == "colour" and grey:
        return None
    if not usable:
        return None
    template = str(rng.choice(usable))

    def fill(**kw: str) -> str:
        shape = kw.get("shape", "")
        return template.replace("{shape}s", PLURALS.get(shape, shape + "s")).format(**kw)

    if task == "colour":
        unique = [i for i, o in enumerate(objs) if shapes.count(o.shape) == 1]
        if not unique:
            return None
        i = unique[int(rng.integers(len(unique)))]
        return fill(shape=objs[i].shape), objs[i].colour, [i]
    if task == "shape":
        unique = [i for i, o in enumerate(objs) if colours.count(o.colour) == 1]
        if not unique:
            return None
        i = unique[int(rng.integers(len(unique)))]
        return fill(colour=objs[i].colour), objs[i].shape, [i]
    if task == "count":
        shape = str(rng.choice(shapes if rng.random() < 0.85 else list(SHAPES)))
        colour = str(rng.choice(colours))
        match = [
            i for i, o in enumerate(objs)
            if ("{shape}" not in template or o.shape == shape) and ("{colour}" not in template or o.colour == colour)
        ]  # fmt: skip
        if len(match) >= len(NUMBERS):
            return None
        return fill(shape=shape, colour=colour), NUMBERS[len(match)], match
    if task == "exists":
        needs_colour = "{colour}" in template
        if rng.random() < 0.5:
            i = int(rng.integers(len(objs)))
            o = objs[i]
            hits = [j for j, p in enumerate(objs) if p.shape == o.shape and (not needs_colour or p.colour == o.colour)]
            return fill(colour=o.colour, shape=o.shape), "yes", hits
        present = {(o.colour if needs_colour else "", o.shape) for o in objs}
        absent = [(c, s) for c in (COLOURS if needs_colour else [""]) for s in SHAPES if (c, s) not in present]
        if not absent:
            return None
        c, s = absent[int(rng.integers(len(absent)))]
        return fill(colour=c, shape=s), "no", []
    raise ValueError(f"unknown scene task {task!r}; tasks: {', '.join(TASKS)}")


def sample(split: str, index: int, seed: int = 0, tasks: tuple[str, ...] = TASKS) -> Scene:
    """Scene `index` of `split` (train, test — the training distribution —, user, hard)."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f"unknown scene split {split!r}; splits: {', '.join(SPLIT_SEEDS)}")
    rng = np.random.default_rng([SPLIT_SEEDS[split], seed, index])
    dist = "train" if split in ("train", "test") else split
    templates = TEMPLATES["user" if dist == "user" else "train"]
    task = tasks[index % len(tasks)]
    hard = dist == "hard"
    while True:
        size = _size(rng, dist)
        background = str(rng.choice(BACKGROUNDS[dist]))
        grey = dist != "hard" and rng.random() < 0.1
        n = int(rng.integers(14, 25)) if hard else int(rng.integers(1, 13))
        boxes = _place(rng, size, n, small=hard)
        if not boxes:
            continue
        objs = _objects(rng, boxes, background, hard)
        asked = _ask(rng, task, objs, grey, templates[task])
        if asked is not None:
            break
    question, answer, referents = asked
    digest = hashlib.sha1(f"scene/{split}/{seed}/{index}/{','.join(tasks)}".encode()).hexdigest()[:8]
    return Scene(
        f"scene-{split}-{index}-{digest}", question, answer, task, size, background, grey, objs, referents,
        int(rng.integers(2**31)),
    )  # fmt: skip


def token_grid(size: tuple[int, int], frame: int = FRAME, unit: int = 28) -> tuple[int, int]:
    """(rows, cols) of merged visual tokens for a picture of `size` under a fixed pixel budget of
    frame² (hawk-demo's processor: Qwen's smart_resize with min = max = frame²)."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    w, h = size
    rh, rw = smart_resize(h, w, unit, frame * frame, frame * frame)
    return rh // unit, rw // unit


def object_tokens(box: tuple[int, int, int, int], size: tuple[int, int], rows: int, cols: int) -> list[int]:
    """Merged visual tokens (raster order over a rows × cols grid covering the picture) whose centre lies
    inside the box; the token under the box's centre when none does (an object smaller than a token)."""
    fx0, fy0, fx1, fy1 = box[0] / size[0], box[1] / size[1], box[2] / size[0], box[3] / size[1]
    inside = [
        r * cols + c
        for r in range(rows)
        for c in range(cols)
        if fx0 <= (c + 0.5) / cols < fx1 and fy0 <= (r + 0.5) / rows < fy1
    ]
    if inside:
        return inside
    cx, cy = (fx0 + fx1) / 2, (fy0 + fy1) / 2
    return [min(rows - 1, int(cy * rows)) * cols + min(cols - 1, int(cx * cols))]


def vocabulary() -> list[str]:
    """Words of the training templates, plural shape words aside (the tokenizer maps them to the shape)."""
    words: list[str] = []
    for templates in TEMPLATES["train"].values():
        for t in templates:
            words += t.replace("{shape}s", "").replace("{shape}", "").replace("{colour}", "").split()
    words += list(COLOURS) + list(SHAPES) + list(NUMBERS) + ["yes", "no"]
    return list(dict.fromkeys(words))
