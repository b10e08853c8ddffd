"""`synth-video`: deterministic clips whose answers are the mover's colour and direction; compare runs on it."""

from __future__ import annotations

import json

import numpy as np

from hawkcli.cli.app import main
from hawkcli.data import synth, synth_video
from hawkcli.data.loaders import load


def test_samples_are_pure_functions_and_answers_match_the_clip():
    for i in range(6):
        a, b = synth_video.sample("test", i), synth_video.sample("test", i)
        assert a.id == b.id and a.question == b.question and a.answer == b.answer
        assert all(
            np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a.video.frames, b.video.frames, strict=True)
        )
        assert len(a.video.frames) == synth_video.FRAMES and a.video.size == (synth.IMAGE_SIZE, synth.IMAGE_SIZE)
        first, last = (np.asarray(f, dtype=int) for f in (a.video.frames[0], a.video.frames[-1]))
        moved = np.abs(first - last).sum(-1) > 60  # where the mover was at the start or is at the end
        xs = np.nonzero(moved.any(0))[0]
        assert xs.min() < 40 and xs.max() > synth.IMAGE_SIZE - 40  # it crosses the whole picture
        assert a.answer in (("left", "right") if a.task == "direction" else tuple(synth.COLOURS))
    assert load("synth-video", samples=3).examples[0].videos[0].timestamps[1] == 1 / synth_video.FPS
    assert {synth_video.sample("test", i).task for i in range(2)} == set(synth_video.TASKS)


def test_compare_runs_on_video_and_counts_its_tokens(capsys, tiny_qwen25):
    code = main(["compare", "--model", str(tiny_qwen25), "--data", "synth-video", "-n", "2", "--methods",
                 "none,uniform,evs,vidcom2", "--keep", "0.25", "--max-new-tokens", "2", "-f", "json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = {(r["method"], r["keep"]): r for r in json.loads(out)["rows"]}
    full = rows[("none", 1.0)]
    for method in ("uniform", "evs", "vidcom2"):
        r = rows[(method, 0.25)]
        assert r["kept_tokens"] == -(-full["visual_tokens"] // 4)
        assert r["prefill_tflops"] < full["prefill_tflops"] and r["kv_cache_mb"] < full["kv_cache_mb"]


def test_video_methods_are_left_out_or_refused_on_image_data(capsys, tiny_qwen25):
    code = main(["compare", "--model", str(tiny_qwen25), "--data", "synth", "-n", "1", "--methods", "uniform,evs",
                 "--keep", "0.5", "--max-new-tokens", "1"])  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 2 and "evs compare video frames" in err
