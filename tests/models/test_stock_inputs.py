"""hawk's own input path builds exactly what the family's stock processor builds, where the stock one loads.

Without torchvision the stock Qwen2/2.5/3-VL, LLaVA-OneVision, InternVL and SmolVLM processors do not
load (their video processors need it; SmolVLM's also needs num2words): those comparisons run in
`scripts/check-stock.sh`'s venv, which
has PyPI's torch + torchvision, and are skipped here.
"""

from __future__ import annotations

import pytest
import torch

from hawkcli.models.registry import adapter_class
from tests.conftest import make_image

FAMILIES = ["gemma3", "idefics3", "internvl", "llava", "llava_next", "llava_onevision", "qwen2_5_vl", "qwen2_vl",
            "qwen3_vl", "smolvlm"]  # fmt: skip


@pytest.mark.parametrize("model_type", FAMILIES)
def test_own_inputs_equal_the_stock_processor(family_checkpoints, model_type):
    import json

    folder = family_checkpoints(model_type)
    inputs_class = adapter_class(json.loads((folder / "config.json").read_text())["model_type"]).inputs_class
    proc = inputs_class.from_pretrained(str(folder))
    if proc.stock is None:
        pytest.skip(
            f"the stock {model_type} processor does not load here (it needs torchvision; SmolVLM also num2words)"
        )
    images = [make_image(0, (100, 80)), make_image(1, (60, 60))]
    questions = ["what colour is the circle ?", "which shape is red ?"]
    stock = proc(images, questions)
    own = proc._build([proc.prompt(q) for q in questions], images)
    assert sorted(own) == sorted(stock)
    for key in stock:
        assert torch.equal(torch.as_tensor(stock[key]), torch.as_tensor(own[key])), key


@pytest.mark.parametrize("model_type", ["qwen2_vl", "qwen2_5_vl"])
def test_own_video_inputs_equal_the_stock_processor(family_checkpoints, model_type):
    from hawkcli.video import Video
    from hawkcli.visuals import Visuals
    from tests.conftest import moving_frames

    proc = adapter_class(model_type).inputs_class.from_pretrained(str(family_checkpoints(model_type)))
    if proc.stock is None:
        pytest.skip(f"the stock {model_type} processor does not load here (its video processor needs torchvision)")
    frames = moving_frames(5, (112, 84))  # odd: the last frame is repeated; upscaled by the pixel bounds
    video = Video(frames, 4.0, 10, [0, 2, 4, 6, 8], "clip")
    rows = [Visuals([make_image(0, (100, 80))], [video]), Visuals([], [video])]
    questions = ["what moves ?", "which way ?"]
    stock = proc(rows, questions)
    own = proc._build([proc.prompt(q, v) for q, v in zip(questions, rows, strict=True)], rows)
    assert sorted(own) == sorted(stock)
    for key in stock:
        assert torch.equal(torch.as_tensor(stock[key]), torch.as_tensor(own[key])), key
