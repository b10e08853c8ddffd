"""Pictures of what a pruning method kept: pruned token regions dimmed, kept ones outlined.

One picture per image of a prompt; a video becomes a contact sheet, its sampled frames in a grid,
each frame drawn with the tokens kept of the temporal step it belongs to.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

DIM = 0.25  # brightness left in pruned regions
OUTLINE = (255, 200, 0)
SHEET_GAP = 4


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


def _local(span: Any, kept: set[int]) -> list[int]:
    """Indices of `kept` (among the row's visual tokens) that fall in `span`, relative to it."""
    return [i - span.first for i in range(span.first, span.first + span.count) if i in kept]


def contact_sheet(frames: list[Image.Image], labels: list[str]) -> Image.Image:
    cols = math.ceil(math.sqrt(len(frames)))
    rows = math.ceil(len(frames) / cols)
    w, h = frames[0].size
    sheet = Image.new("RGB", (cols * w + (cols - 1) * SHEET_GAP, rows * h + (rows - 1) * SHEET_GAP), (40, 40, 40))
    draw = ImageDraw.Draw(sheet)
    for n, (frame, label) in enumerate(zip(frames, labels, strict=True)):
        x, y = (n % cols) * (w + SHEET_GAP), (n // cols) * (h + SHEET_GAP)
        sheet.paste(frame, (x, y))
        draw.text((x + 3, y + 2), label, fill=(255, 255, 255))
    return sheet


def pictures(visuals: Any, layout: list[Any], kept: list[int]) -> list[Image.Image]:
    """One overlay per image and one contact sheet per video of a prompt, in prompt order.

    `layout`: the row's `VisualSpan`s (from the family's inputs); `kept`: indices among its visual tokens."""
    kept_set = set(kept)
    out: list[Image.Image] = []
    for i, image in enumerate(visuals.images):
        span = next(s for s in layout if s.image == i)
        out.append(draw_kept(image, list(span.boxes), _local(span, kept_set)))
    for j, video in enumerate(visuals.videos):
        frames, labels = [], []
        for span in (s for s in layout if s.image == len(visuals.images) + j):
            for f in span.frames:
                frames.append(draw_kept(video.frames[f], list(span.boxes), _local(span, kept_set)))
                labels.append(f"{video.timestamps[f]:.1f}s")
        out.append(contact_sheet(frames, labels))
    return out


def save_overlays(visuals: Any, layout: list[Any], kept: list[int], target: Path) -> list[Path]:
    """Write the prompt's overlays: `target` for one picture, `<stem>-<n>.png` (n from 1) for several."""
    made = pictures(visuals, layout, kept)
    paths = (
        [target] if len(made) == 1 else [target.with_name(f"{target.stem}-{n}.png") for n in range(1, len(made) + 1)]
    )
    for picture, path in zip(made, paths, strict=True):
        picture.save(path)
    return paths
