"""Tiny seeded Qwen2.5-VL / Qwen2-VL checkpoint folders that load exactly like downloaded ones."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

WORDS = "what colour is the circle square red blue green ? which shape describe how many".split()  # noqa: SIM905


def _build(tmp_path_factory, model_type: str):
    from hawkcli.demo.checkpoint import CheckpointSpec, build_checkpoint

    folder = tmp_path_factory.mktemp(model_type)
    return build_checkpoint(folder, CheckpointSpec(model_type=model_type, words=WORDS, seed=1))


@pytest.fixture(scope="session")
def tiny_qwen25(tmp_path_factory):
    return _build(tmp_path_factory, "qwen2_5_vl")


@pytest.fixture(scope="session")
def tiny_qwen2(tmp_path_factory):
    return _build(tmp_path_factory, "qwen2_vl")


@pytest.fixture(scope="session", params=["qwen2_5_vl", "qwen2_vl"])
def tiny_model_dir(request, tiny_qwen25, tiny_qwen2):
    return tiny_qwen25 if request.param == "qwen2_5_vl" else tiny_qwen2


def make_image(seed: int, size: tuple[int, int] = (100, 80)):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype="uint8"))


@pytest.fixture
def image_dir(tmp_path):
    for i, size in enumerate([(100, 80), (60, 60), (90, 120)]):
        make_image(i, size).save(tmp_path / f"img{i}.png")
    return tmp_path
