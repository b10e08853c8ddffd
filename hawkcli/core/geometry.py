"""Where visual tokens lie in the picture: family-neutral, pure geometry (no torch, no transformers).

A family describes each image of a prompt as a `VisualSpan`: which of the row's visual tokens belong
to it (in token order) and the pixel box of the ORIGINAL image each one covers. Overlays and any
position-aware method read only this.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]  # (x0, y0, x1, y1), pixels of the original image, x1/y1 exclusive


@dataclass(frozen=True)
class VisualSpan:
    image: int  # which image of the row (0-based, prompt order)
    first: int  # index of its first token among the row's visual tokens
    boxes: tuple[Box, ...]  # one per token, in token order

    @property
    def count(self) -> int:
        return len(self.boxes)


def grid_boxes(rows: int, cols: int, region: tuple[float, float, float, float]) -> list[Box]:
    """Boxes of a `rows x cols` raster grid (row-major) laid over `region` = (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = region
    sx, sy = (x1 - x0) / cols, (y1 - y0) / rows
    return [
        (round(x0 + c * sx), round(y0 + r * sy), round(x0 + (c + 1) * sx), round(y0 + (r + 1) * sy))
        for r in range(rows)
        for c in range(cols)
    ]


def spans(per_image: list[list[Box]]) -> list[VisualSpan]:
    """Consecutive spans from each image's boxes (images in prompt order)."""
    out, first = [], 0
    for i, boxes in enumerate(per_image):
        out.append(VisualSpan(i, first, tuple(boxes)))
        first += len(boxes)
    return out


def token_boxes(layout: list[VisualSpan]) -> list[Box]:
    """The box of every visual token of a row, in token order (all images)."""
    return [box for span in layout for box in span.boxes]
