"""Token boxes land on the pixels the vision tower saw: tiled families checked against their own pixel_values."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hawkcli.models.loading import LoadOptions, load

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]


def quadrants(width: int = 100, height: int = 80) -> Image.Image:
    arr = np.zeros((height, width, 3), dtype=np.uint8)
    h, w = height // 2, width // 2
    for i, (y, x) in enumerate([(0, 0), (0, w), (h, 0), (h, w)]):
        arr[y : y + h, x : x + w] = COLOURS[i]
    return Image.fromarray(arr)


@pytest.mark.parametrize("model_type", ["idefics3", "internvl"])
def test_each_tile_shows_the_pixels_its_tokens_claim(family_checkpoints, model_type):
    loaded = load(LoadOptions(model=str(family_checkpoints(model_type)), device="cpu"))
    proc = loaded.processor
    image = quadrants()
    inputs = proc([image], ["what colour is the circle ?"])
    frames = inputs["pixel_values"].reshape(-1, *inputs["pixel_values"].shape[-3:])  # [tiles, 3, S, S]
    mean, std = np.array(proc.image_processor.image_mean), np.array(proc.image_processor.image_std)
    per_tile = proc.config.image_seq_length if model_type == "internvl" else proc.tokens_per_tile()
    boxes = [box for span in proc.layout(inputs, 0, image) for box in span.boxes]
    assert len(boxes) == per_tile * frames.shape[0]
    original = np.asarray(image, dtype=np.float64)
    for t in range(frames.shape[0]):
        tile_boxes = boxes[t * per_tile : (t + 1) * per_tile]
        x0, y0 = min(b[0] for b in tile_boxes), min(b[1] for b in tile_boxes)
        x1, y1 = max(b[2] for b in tile_boxes), max(b[3] for b in tile_boxes)
        claimed = original[y0:y1, x0:x1].reshape(-1, 3).mean(0)
        seen = (frames[t].numpy().transpose(1, 2, 0) * std + mean).reshape(-1, 3).mean(0) * 255
        assert np.abs(claimed - seen).max() < 12, (t, claimed, seen)
    assert frames.shape[0] == 5  # 2 x 2 tiles of a 100 x 80 picture, then the whole picture


@pytest.fixture(scope="module")
def demo():
    return load(LoadOptions(model="hawk-demo", offline=True, device="cpu"))


@pytest.mark.parametrize("size", [(1024, 200), (40, 40), (200, 720), (500, 375)])
def test_qwen_token_boxes_partition_pictures_of_any_size(demo, size):
    """The processor resizes a picture to a multiple of 28 px; the boxes map every token back onto it."""
    image = Image.new("RGB", size, (250, 250, 250))
    inputs = demo.processor([image], ["what colour is the circle ?"])
    (span,) = demo.processor.layout(inputs, 0, image)
    t, h, w = inputs["image_grid_thw"][0].tolist()
    assert span.count == len(span.boxes) == t * h * w // 4
    cover = np.zeros(size[::-1], dtype=int)
    for x0, y0, x1, y1 in span.boxes:
        assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]
        cover[y0:y1, x0:x1] += 1
    assert (cover == 1).all()  # every pixel in exactly one token's box
    rows = sorted({b[1] for b in span.boxes})
    assert [b[1] for b in span.boxes] == sorted(b[1] for b in span.boxes) and len(rows) == h // 2  # row-major
