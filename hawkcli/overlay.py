"""Pictures of what a pruning method kept: pruned token regions dimmed, kept ones outlined."""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageDraw

DIM = 0.25  # brightness left in pruned regions
OUTLINE = (255, 200, 0)


def draw_kept(image: Image.Image, boxes: list[tuple[int, int, int, int]], kept: list[int]) -> Image.Image:
    """The image at its own size with every token box not in `kept` dimmed and kept boxes outlined."""
    base = image.convert("RGB")
    dark = base.point(lambda v: int(v * DIM))
    mask = Image.new("L", base.size, 255)  # 255: show the dimmed copy
    paint = ImageDraw.Draw(mask)
    for i in kept:
        x0, y0, x1, y1 = boxes[i]
        paint.rectangle((x0, y0, x1 - 1, y1 - 1), fill=0)  # PIL boxes include their far edge
    out = Image.composite(dark, base, mask)
    draw = ImageDraw.Draw(out)
    for i in kept:
        x0, y0, x1, y1 = boxes[i]
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=OUTLINE, width=1)
    return out


def save_overlay(image: Image.Image, layout: list[Any], kept: list[int], path: Any) -> None:
    """`layout`: the row's `VisualSpan`s (from the family's inputs); `kept`: indices among its visual tokens."""
    from hawkcli.core.geometry import token_boxes

    draw_kept(image, token_boxes(layout), kept).save(path)
