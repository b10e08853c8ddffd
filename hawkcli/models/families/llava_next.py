"""LLaVA-NeXT (`llava_next`, LLaVA-1.6): CLIP-336 "anyres" tiles + image newlines + a Llama/Mistral decoder.

Token layout per image (transformers 5.24, `modeling_llava_next.py::pack_image_features`, also used
by LLaVA-OneVision): first the base grid — the whole image resized to one tile (aspect not kept),
G x G tokens, G = tile / patch — then the high-resolution grid: the image is resized keeping its
aspect ratio into the best `image_grid_pinpoints` canvas and padded centred, the canvas tiles are
stitched into one patch grid, the padded rows (or columns) are cut off ("unpad"), and every row is
followed by one `image_newline` token. Newline tokens carry the `<image>` id, so they are counted,
scored and prunable like the others; their box is the last pixel column of their row (they have no
pixels of their own). The processor expands `<image>` to exactly this count.

Saliency for VisPruner / ID-Selection is not read on this family: CLS attention per tile would have
to be unpadded and re-ordered like the features (refused in one line).
Query: the template (`[INST] <image>\\n{q} [/INST]`) has no end-of-turn token, so the query is the
text after the image to the end of the prompt.
"""

from __future__ import annotations

import math
from typing import Any

from hawkcli.core.geometry import Box
from hawkcli.models.base import VLMAdapter
from hawkcli.models.processing import VLInputs
from hawkcli.models.registry import register


def best_resolution(height: int, width: int, pinpoints: list) -> tuple[int, int]:
    """The pinpoint canvas `(h, w)` that keeps the most of the image's resolution, then wastes the least
    (the rule of transformers' `select_best_resolution`)."""
    best, best_kept, best_waste = (0, 0), -1, math.inf
    for h, w in pinpoints:
        scale = min(w / width, h / height)
        kept = min(int(width * scale) * int(height * scale), width * height)
        waste = w * h - kept
        if kept > best_kept or (kept == best_kept and waste < best_waste):
            best, best_kept, best_waste = (h, w), kept, waste
    return best


def anyres_boxes(width: int, height: int, tile: int, patch: int, pinpoints: list, max_tiles: int | None) -> list[Box]:
    """Every token box of one image in prompt order: base grid, then the unpadded grid with a newline per row.

    `max_tiles` (OneVision's `anyres_max_N`): when the unpadded grid holds more than about N tiles of
    tokens it is resized (bilinearly, in feature space) to fit; each output cell then covers the
    matching fraction of the kept region.
    """
    side = tile // patch
    cell = patch / tile  # one patch as a fraction of a tile
    boxes = [
        (
            round(c * cell * width),
            round(r * cell * height),
            round((c + 1) * cell * width),
            round((r + 1) * cell * height),
        )
        for r in range(side)
        for c in range(side)
    ]
    canvas_h, canvas_w = best_resolution(height, width, pinpoints)
    if canvas_w / width < canvas_h / height:
        new_w, new_h = canvas_w, min(math.ceil(height * canvas_w / width), canvas_h)
    else:
        new_h, new_w = canvas_h, min(math.ceil(width * canvas_h / height), canvas_w)
    pad_y, pad_x = (canvas_h - new_h) // 2, (canvas_w - new_w) // 2
    grid_h, grid_w = side * (canvas_h // tile), side * (canvas_w // tile)
    r0, r1, c0, c1 = 0, grid_h, 0, grid_w
    if width / height > grid_w / grid_h:
        cut = (grid_h - int(round(height * (grid_w / width), 7))) // 2
        r0, r1 = cut, grid_h - cut
    else:
        cut = (grid_w - int(round(width * (grid_h / height), 7))) // 2
        c0, c1 = cut, grid_w - cut
    rows, cols = r1 - r0, c1 - c0
    if max_tiles is not None:
        ratio = math.sqrt(rows * cols / (max_tiles * side * side))
        if ratio > 1.1:
            rows, cols = int(rows // ratio), int(cols // ratio)

    # Grid cell (r, c) -> canvas pixels: a tile holds `side` cells of `patch` px, then the next tile starts.
    def to_canvas(u: float) -> float:
        t = int(u // side)
        return t * tile + (u - t * side) * patch

    sx, sy = width / new_w, height / new_h
    span_h, span_w = (r1 - r0) / rows, (c1 - c0) / cols
    for r in range(rows):
        y0 = max(0, round((to_canvas(r0 + r * span_h) - pad_y) * sy))
        y1 = min(height, round((to_canvas(r0 + (r + 1) * span_h - 1e-9) - pad_y) * sy))
        y1 = max(y1, y0 + 1)
        for c in range(cols):
            x0 = max(0, round((to_canvas(c0 + c * span_w) - pad_x) * sx))
            x1 = min(width, round((to_canvas(c0 + (c + 1) * span_w - 1e-9) - pad_x) * sx))
            boxes.append((min(x0, width - 1), min(y0, height - 1), max(x1, min(x0, width - 1) + 1), min(y1, height)))
        boxes.append((width - 1, min(y0, height - 1), width, min(max(y1, y0 + 1), height)))  # the row's newline
    return boxes


class LlavaNextInputs(VLInputs):
    multi_image = False  # consecutive images merge into one run of <image> tokens (not split yet)
    image_token = "<image>"

    def max_tiles(self) -> int | None:
        return None

    def image_boxes(self, width: int, height: int) -> list[Box]:
        v = self.config.vision_config
        return anyres_boxes(
            width, height, v.image_size, v.patch_size, self.config.image_grid_pinpoints, self.max_tiles()
        )

    def expand(self, texts: list[str], vision: Any) -> list[str]:
        sizes = iter(vision["image_sizes"].tolist())  # (height, width) of each image, in order
        out = []
        for text in texts:
            parts = text.split(self.image_token)
            expanded = parts[0]
            for part in parts[1:]:
                height, width = next(sizes)
                expanded += self.image_token * len(self.image_boxes(width, height)) + part
            out.append(expanded)
        return out


@register
class LlavaNextAdapter(VLMAdapter):
    model_types = ("llava_next",)
    family = "LLaVA-NeXT"
    inputs_class = LlavaNextInputs
    aliases = {"llava-next-7b": "llava-hf/llava-v1.6-mistral-7b-hf"}

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id,)

    def vision_shape(self) -> Any:
        d_v, d_t = self.config.vision_config.hidden_size, self.text_config().hidden_size
        return self.tower_shape(projector=(d_v, d_t, d_t))  # every anyres tile through the tower + projector
