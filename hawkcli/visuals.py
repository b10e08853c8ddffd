"""What one prompt shows the model: its images and its videos, in prompt order (images first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Visuals:
    images: list[Any] = field(default_factory=list)  # PIL RGB images
    videos: list[Any] = field(default_factory=list)  # `hawkcli.video.Video`s

    @property
    def count(self) -> int:
        return len(self.images) + len(self.videos)

    def sizes(self) -> list[tuple[int, int]]:
        """(width, height) of every image, then of every video's frames."""
        return [im.size for im in self.images] + [v.size for v in self.videos]


def as_visuals(value: Any) -> Visuals:
    """A `Visuals`, or one PIL image as a one-image `Visuals` (what single-image callers pass)."""
    return value if isinstance(value, Visuals) else Visuals([value])
