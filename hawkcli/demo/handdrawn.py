"""Six pictures drawn by hand with PIL — not by hawk's generators — and 18 everyday questions about them.

The pictures issue 13 was first tried on: a 500×375 gradient with a green triangle, a 1024×200 banner
with three circles, a 40×40 picture, a grey-scale picture, an RGBA PNG with a transparent background and
a JPEG. Shapes are drawn here, independently of `synth` / `scenes`, so that hawk-demo is asked about
pictures its training never rendered. Used by `benchmarks/user_pictures.py` and the shipped-model tests.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

RGB = {"red": (214, 40, 40), "green": (40, 160, 60), "blue": (40, 80, 220), "yellow": (235, 200, 30),
       "purple": (140, 60, 190), "orange": (245, 140, 30)}  # fmt: skip


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    return [
        (cx + (r if k % 2 == 0 else r * 0.45) * math.sin(k * math.pi / 5),
         cy - (r if k % 2 == 0 else r * 0.45) * math.cos(k * math.pi / 5))
        for k in range(10)
    ]  # fmt: skip


def _draw(d: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], fill) -> None:
    x0, y0, x1, y1 = box
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, min(x1 - x0, y1 - y0) / 2
    if shape == "circle":
        d.ellipse(box, fill=fill)
    elif shape == "square":
        d.rectangle(box, fill=fill)
    elif shape == "triangle":
        d.polygon([(cx, y0), (x1, y1), (x0, y1)], fill=fill)
    elif shape == "diamond":
        d.polygon([(cx, y0), (x1, cy), (cx, y1), (x0, cy)], fill=fill)
    elif shape == "star":
        d.polygon(_star(cx, cy, r), fill=fill)
    else:  # cross
        t = (x1 - x0) / 3
        d.rectangle((x0 + t, y0, x1 - t, y1), fill=fill)
        d.rectangle((x0, y0 + t, x1, y1 - t), fill=fill)


def pictures(folder: Path) -> list[tuple[Path, list[tuple[str, str]]]]:
    """The six pictures as files, each with its questions and answers."""
    out = []
    ramp = np.linspace(0, 1, 500)[None, :, None]
    grad = (np.array([235, 240, 250]) * (1 - ramp) + np.array([200, 215, 235]) * ramp).repeat(375, 0)
    im = Image.fromarray(grad.astype(np.uint8))
    _draw(ImageDraw.Draw(im), "triangle", (190, 110, 330, 250), RGB["green"])
    im.save(folder / "gradient-triangle.png")
    qa = [("What color is the triangle?", "green"), ("what is the colour of the triangle", "green"),
          ("Is there a triangle?", "yes")]  # fmt: skip
    out.append((folder / "gradient-triangle.png", qa))

    im = Image.new("RGB", (1024, 200), (248, 248, 248))
    for x in (150, 480, 810):
        _draw(ImageDraw.Draw(im), "circle", (x, 45, x + 110, 155), RGB["blue"])
    im.save(folder / "banner.png")
    qa = [("what colour is the circle ?", "blue"), ("How many circles are there?", "3"),
          ("Is there a red square?", "no")]  # fmt: skip
    out.append((folder / "banner.png", qa))

    im = Image.new("RGB", (40, 40), (255, 255, 255))
    _draw(ImageDraw.Draw(im), "star", (6, 6, 34, 34), RGB["yellow"])
    im.save(folder / "tiny.png")
    qa = [("What shape is yellow?", "star"), ("what color is the star", "yellow"), ("Are there any stars?", "yes")]
    out.append((folder / "tiny.png", qa))

    im = Image.new("L", (480, 360), 235)
    d = ImageDraw.Draw(im)
    _draw(d, "square", (60, 90, 180, 210), 60)
    _draw(d, "circle", (290, 120, 400, 230), 110)
    im.save(folder / "grey.png")
    qa = [("How many objects are there?", "2"), ("Is there a circle?", "yes"), ("Is there a triangle?", "no")]
    out.append((folder / "grey.png", qa))

    im = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    _draw(d, "diamond", (60, 80, 180, 220), (*RGB["red"], 255))
    _draw(d, "square", (250, 100, 350, 200), (*RGB["purple"], 255))
    im.save(folder / "transparent.png")
    qa = [("What colour is the diamond?", "red"), ("which shape is purple?", "square"),
          ("Is there a purple square?", "yes")]  # fmt: skip
    out.append((folder / "transparent.png", qa))

    rng = np.random.default_rng(0)
    noise = np.clip(rng.normal(228, 12, size=(480, 640, 3)), 0, 255).astype(np.uint8)
    im = Image.fromarray(noise)
    d = ImageDraw.Draw(im)
    _draw(d, "cross", (90, 140, 230, 280), RGB["orange"])
    _draw(d, "circle", (380, 160, 520, 300), RGB["green"])
    im.save(folder / "photo.jpg", quality=85)
    qa = [("What color is the cross?", "orange"), ("What shape is green?", "circle"),
          ("How many crosses are there?", "1")]  # fmt: skip
    out.append((folder / "photo.jpg", qa))
    return out
