"""Tiny seeded checkpoint folders of every family (tests/families.py) that load like downloaded ones."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# hawk's resumable caches (compare results) go to a throw-away folder, never the user's ~/.cache/hawk.
os.environ["HAWK_CACHE_DIR"] = __import__("tempfile").mkdtemp(prefix="hawk-test-cache-")

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


@pytest.fixture(scope="session")
def family_checkpoints(tmp_path_factory, tiny_qwen25, tiny_qwen2):
    """model_type -> tiny checkpoint folder, built on first use (tests/families.py)."""
    from tests.families import BUILDERS

    built = {"qwen2_5_vl": tiny_qwen25, "qwen2_vl": tiny_qwen2}

    def get(model_type: str):
        if model_type not in built:
            built[model_type] = BUILDERS[model_type](tmp_path_factory.mktemp(model_type))
        return built[model_type]

    return get


def _family_params():
    from tests.families import BUILDERS

    return sorted(BUILDERS)


@pytest.fixture(scope="session", params=_family_params())
def family_dir(request, family_checkpoints):
    """Every family's tiny checkpoint, one at a time."""
    return family_checkpoints(request.param)


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


class Boom(Exception):
    """What a bug inside a pruning method raises in the failure tests."""


@pytest.fixture
def failing_method():
    """A registered method (`flaky-test`) that fails on its third selection, the way a bug in a method would.

    Yields (class, calls): set `class.error` to change what it raises; `calls` counts selections.
    """
    from hawkcli.methods import registry
    from hawkcli.methods.random import RandomKeep

    seen: list[int] = []

    @registry.register
    class Flaky(RandomKeep):
        name = "flaky-test"
        error: type[BaseException] = Boom

        def select(self, ctx, k):
            seen.append(1)
            if len(seen) == 3:
                raise self.error("kaput")
            return super().select(ctx, k)

    yield Flaky, seen
    registry._METHODS.pop("flaky-test")


def moving_frames(n: int = 4, size: tuple[int, int] = (112, 84)):
    """`n` frames of a red disc crossing a noisy background, seeded (distinct content per frame)."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(7)
    base = rng.integers(150, 256, (size[1], size[0], 3), dtype=np.uint8)
    frames = []
    for i in range(n):
        frame = Image.fromarray(base.copy())
        x = 4 + i * (size[0] - 30) // max(1, n - 1)
        ImageDraw.Draw(frame).ellipse((x, size[1] // 3, x + 24, size[1] // 3 + 24), fill=(220, 20, 20))
        frames.append(frame)
    return frames


def write_clip(path, frames, fps: int = 2):
    """A lossless (RGB, qp 0) H.264 mp4 of `frames`, so decoding gives the frames back exactly."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264rgb", rate=fps)
        stream.width, stream.height = frames[0].size
        stream.pix_fmt, stream.options = "rgb24", {"qp": "0", "preset": "ultrafast"}
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_image(frame)))
        container.mux(stream.encode())
    return path
