"""Reading clips and frame folders (hawkcli.video) and what `hawk run` says when a video is bad."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hawkcli.errors import InputError
from hawkcli.models.families.qwen2_vl import VideoSettings, sample_indices
from hawkcli.video import Sampling, VideoSource, read_video
from tests.conftest import moving_frames, write_clip


class Proc:
    """The part of a family's inputs `read_video` asks: its default rate and its frame sampling."""

    default_fps = 2.0

    def frame_indices(self, total, fps, sampling):
        return sample_indices(total, fps, VideoSettings(), sampling.fps, sampling.frames)


def frame_folder(path, frames):
    path.mkdir()
    for i, frame in enumerate(frames):
        frame.save(path / f"{i:04d}.png")
    return path


def test_a_clip_and_its_frame_folder_read_the_same(tmp_path):
    frames = moving_frames(6)
    clip = read_video(write_clip(tmp_path / "c.mp4", frames, fps=2), Sampling(), Proc())
    folder = read_video(frame_folder(tmp_path / "f", frames), Sampling(), Proc())
    assert clip.indices == folder.indices == list(range(6))
    assert clip.timestamps == folder.timestamps == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    for a, b, original in zip(clip.frames, folder.frames, frames, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(original))
        assert np.array_equal(np.asarray(b), np.asarray(original))


def test_sampling_follows_the_stock_qwen_rule(tmp_path):
    clip = write_clip(tmp_path / "c.mp4", moving_frames(12), fps=4)
    # 12 frames at 4 fps sampled at 2 fps: 6 frames, every other one.
    assert read_video(clip, Sampling(), Proc()).indices == [0, 2, 4, 6, 8, 10]
    assert read_video(clip, Sampling(frames=4), Proc()).indices == [0, 3, 6, 9]
    assert read_video(clip, Sampling(fps=1.0), Proc()).indices == [0, 3, 6, 9]  # 3 s at 1 fps → min_frames 4
    video = read_video(clip, Sampling(frames=4), Proc())
    assert video.sample_fps == pytest.approx(4 / 12 * 4)  # transformers' VideoMetadata.sampled_fps


def test_bad_clips_are_input_errors(tmp_path):
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all" * 100)
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "nothing").mkdir()
    for path, message in [("junk.mp4", "not a readable video"), ("empty.mp4", "not a readable video"),
                          ("nothing", "no frames"), ("missing.mp4", "no such file")]:  # fmt: skip
        with pytest.raises(InputError, match=message):
            VideoSource(tmp_path / path)


def test_frames_of_different_sizes_are_refused(tmp_path):
    frames = moving_frames(2)
    folder = frame_folder(tmp_path / "f", frames)
    frames[0].resize((50, 50)).save(folder / "0000.png")
    with pytest.raises(InputError, match="differ in size"):
        read_video(folder, Sampling(), Proc())


def test_missing_pyav_names_the_extra(tmp_path, monkeypatch):
    clip = write_clip(tmp_path / "c.mp4", moving_frames(2))
    monkeypatch.setitem(sys.modules, "av", None)  # what an environment without PyAV imports
    with pytest.raises(InputError, match=r"hawk\[video\]"):
        VideoSource(clip)
