"""`hawk run` with videos and several images, as a user would call it."""

from __future__ import annotations

import json
import sys

from PIL import Image

from tests.cli.test_run import records, run
from tests.conftest import moving_frames, write_clip


def clip_and_frames(tmp_path, n=4):
    frames = moving_frames(n)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, frame in enumerate(frames):
        frame.save(folder / f"{i:03d}.png")
    return write_clip(tmp_path / "clip.mp4", frames, fps=2), folder


def test_a_clip_and_its_frames_give_the_same_answer_and_counts(capsys, tiny_qwen25, tmp_path):
    clip, folder = clip_and_frames(tmp_path)
    common = ["--model", str(tiny_qwen25), "-q", "what moves ?", "--method", "uniform", "--max-new-tokens", "3",
              "-f", "json"]  # fmt: skip
    code, out, err = run(capsys, "--video", str(clip), *common, "--overlay", str(tmp_path / "sheet.png"))
    assert code == 0, err
    from_clip = json.loads(out)
    code, out, err = run(capsys, "--video", str(folder), "--fps", "2", *common)
    assert code == 0, err
    from_frames = json.loads(out)
    for key in ("answer", "visual_tokens", "kept_visual_indices", "segments"):
        assert from_clip[key] == from_frames[key], key
    assert [s["step"] for s in from_clip["segments"]] == [0, 1]
    assert sum(s["kept_visual_tokens"] for s in from_clip["segments"]) == from_clip["kept_visual_tokens"]
    sheet = Image.open(from_clip["overlay"])
    assert sheet.width > moving_frames(1)[0].width  # four frames in a 2 x 2 contact sheet


def test_several_images_and_jsonl_items(capsys, tiny_qwen25, image_dir, tmp_path):
    clip, _ = clip_and_frames(tmp_path)
    a, b = str(image_dir / "img0.png"), str(image_dir / "img1.png")
    code, out, err = run(capsys, "--model", str(tiny_qwen25), "--image", a, "--image", b, "-q", "what differs ?",
                         "--method", "random", "--max-new-tokens", "2", "-f", "json", "--overlay",
                         str(tmp_path / "two.png"))  # fmt: skip
    assert code == 0, err
    rec = json.loads(out)
    assert [s["kind"] for s in rec["segments"]] == ["image", "image"]
    assert rec["overlay"] == [str(tmp_path / "two-1.png"), str(tmp_path / "two-2.png")]
    lines = [{"id": "pair", "images": ["img0.png", "img1.png"], "question": "what ?"},
             {"id": "clip", "video": str(clip), "question": "what moves ?"},
             {"id": "both", "image": "img2.png", "videos": [str(clip)], "question": "what ?"},
             {"id": "bad", "images": "img0.png", "question": "what ?"}]  # fmt: skip
    (image_dir / "q.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    code, out, err = run(capsys, "--model", str(tiny_qwen25), "--input", str(image_dir / "q.jsonl"),
                         "--method", "uniform", "--max-new-tokens", "2", "-f", "jsonl", "--batch-size", "2")  # fmt: skip
    assert code == 1 and "1 of 4 items failed" in err
    got = {r["id"]: r for r in records(out)}
    assert [s["kind"] for s in got["both"]["segments"]] == ["image", "video", "video"]
    assert "list of paths" in got["bad"]["error"]


def test_bad_videos_are_one_line_and_exit_2(capsys, tiny_qwen25, tmp_path, monkeypatch):
    (tmp_path / "junk.mp4").write_bytes(b"\x00\x01garbage" * 50)
    (tmp_path / "empty").mkdir()
    model = ["--model", str(tiny_qwen25), "-q", "what ?", "--method", "uniform"]
    for args, message in [(["--video", str(tmp_path / "junk.mp4")], "not a readable video"),
                          (["--video", str(tmp_path / "empty")], "no frames"),
                          (["--video", str(tmp_path / "none.mp4")], "no such file"),
                          (["--video", str(tmp_path / "empty"), "--fps", "1", "--frames", "2"], "not both")]:  # fmt: skip
        code, out, err = run(capsys, *args, *model)
        assert code == 2 and message in err and err.count("\n") == 1, (args, err, out)
    clip, _ = clip_and_frames(tmp_path)
    monkeypatch.setitem(sys.modules, "av", None)
    code, out, err = run(capsys, "--video", str(clip), *model, "-f", "json")
    assert code == 2 and "hawk[video]" in err and err.count("\n") == 1


def test_video_methods_refuse_images_in_one_line(capsys, tiny_qwen25, image_dir):
    code, _, err = run(capsys, "--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "what ?",
                       "--method", "evs")  # fmt: skip
    assert code == 2 and "no video" in err and err.count("\n") == 1
