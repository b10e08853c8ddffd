"""Where visual tokens lie in the picture: family-neutral, pure geometry (no torch, no transformers).

A family describes each image of a prompt (and each temporal step of each video) as a `VisualSpan`:
which of the row's visual tokens belong to it (in token order) and the pixel box of the ORIGINAL
picture each one covers. Overlays read only this. Inside the model, where pixel sizes are unknown,
the pruning engine sees the same structure as `Segment`s: runs of tokens with their grid.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]  # (x0, y0, x1, y1), pixels of the original image, x1/y1 exclusive


@dataclass(frozen=True)
class VisualSpan:
    image: int  # which image or video of the row (0-based, prompt order: images, then videos)
    first: int  # index of its first token among the row's visual tokens
    boxes: tuple[Box, ...]  # one per token, in token order
    kind: str = "image"  # "image" or "video"
    frames: tuple[int, ...] = ()  # video: which sampled frames this temporal step covers

    @property
    def count(self) -> int:
        return len(self.boxes)


@dataclass(frozen=True)
class Segment:
    """A run of one row's visual tokens that shows one picture: an image, or one temporal step of a video."""

    kind: str  # "image" or "video"
    index: int  # which image / which video of the row, each kind counted on its own
    step: int  # temporal step within the video (0 for an image)
    start: int  # index of its first token among the row's visual tokens
    count: int
    grid: tuple[int, int] | None = None  # (rows, cols) of its tokens in raster order, where the family knows it

    @property
    def stop(self) -> int:
        return self.start + self.count


def video_steps(segments: list[Segment]) -> dict[int, list[Segment]]:
    """The temporal steps of every video of a row, by video index, in time order."""
    out: dict[int, list[Segment]] = {}
    for seg in segments:
        if seg.kind == "video":
            out.setdefault(seg.index, []).append(seg)
    return out


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
    return chain([VisualSpan(i, 0, tuple(boxes)) for i, boxes in enumerate(per_image)])


def chain(parts: list[VisualSpan]) -> list[VisualSpan]:
    """`parts` (each with `first` = 0) laid end to end in token order."""
    out, first = [], 0
    for part in parts:
        out.append(VisualSpan(part.image, first, part.boxes, part.kind, part.frames))
        first += part.count
    return out
