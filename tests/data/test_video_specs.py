"""Video benchmarks in lmms-eval's layout (Video-MME, MVBench) and the local video form, read offline."""

from __future__ import annotations

import json

import datasets
import pytest

from hawkcli.cli.app import main
from hawkcli.data.loaders import _examples, load
from hawkcli.data.specs import SPECS
from hawkcli.errors import InputError
from tests.conftest import moving_frames, write_clip

VIDEOMME_ROW = {
    "video_id": "001", "duration": "short", "domain": "Knowledge", "sub_category": "Humanity & History",
    "url": "https://www.youtube.com/watch?v=fFjv93ACGo8", "videoID": "fFjv93ACGo8", "question_id": "001-1",
    "task_type": "Counting Problem", "question": "How many red discs are there?",
    "options": ["A. One.", "B. Two.", "C. Three.", "D. Four."], "answer": "A",
}  # fmt: skip


def test_videomme_prompt_and_clip_path_follow_lmms_eval(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    (tmp_path / "videomme" / "data").mkdir(parents=True)
    write_clip(tmp_path / "videomme" / "data" / "fFjv93ACGo8.MP4", moving_frames(2))  # the .MP4 fallback
    ds = datasets.Dataset.from_list([VIDEOMME_ROW])
    (ex,) = _examples(ds, SPECS["videomme"], 0, 0, None, "videomme")
    assert ex.question == (
        "Select the best answer to the following multiple-choice question based on the video and the subtitles. "
        "Respond with only the letter (A, B, C, or D) of the correct option.\n"
        "How many red discs are there?\nA. One.\nB. Two.\nC. Three.\nD. Four.\n\n"
        "Answer with the option's letter from the given choices directly."
    )
    assert ex.answers == ["A"] and ex.id == "001-1" and ex.videos == [str(tmp_path / "videomme/data/fFjv93ACGo8.MP4")]
    (tmp_path / "videomme/data/fFjv93ACGo8.MP4").unlink()
    with pytest.raises(InputError, match="not found"):
        _examples(ds, SPECS["videomme"], 0, 0, None, "videomme")


def test_mvbench_prompt_letter_and_subtask_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    folder = tmp_path / "mvbench_video" / "clevrer" / "video_validation"
    folder.mkdir(parents=True)
    write_clip(folder / "video_10009.mp4", moving_frames(2))
    row = {"video": "video_10009.mp4", "question": "Which way does the disc move?",
           "candidates": ["up", "left to right", "down"], "answer": "left to right"}  # fmt: skip
    import dataclasses

    spec = dataclasses.replace(SPECS["mvbench"], config="moving_direction")
    (ex,) = _examples(datasets.Dataset.from_list([row]), spec, 0, 0, None, "mvbench:moving_direction")
    assert ex.question == (
        "Question:Which way does the disc move?\nOption:\n(A) up\n(B) left to right\n(C) down\nOnly give the best option.\n"
    )
    assert ex.answers == ["B"] and ex.videos == [str(folder / "video_10009.mp4")]


def test_local_video_folder_runs_through_compare(capsys, tiny_qwen25, tmp_path):
    write_clip(tmp_path / "a.mp4", moving_frames(4))
    frames = tmp_path / "b"
    frames.mkdir()
    for i, frame in enumerate(moving_frames(2)):
        frame.save(frames / f"{i}.png")
    rows = [{"id": "a", "video": "a.mp4", "question": "what moves ?", "answer": "red"},
            {"id": "b", "video": "b", "question": "which way ?", "answer": "right"}]  # fmt: skip
    (tmp_path / "data.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ds = load(str(tmp_path), samples=0)
    assert [e.id for e in ds.examples] == ["a", "b"] and ds.examples[0].image is None
    code = main(["compare", "--model", str(tiny_qwen25), "--data", str(tmp_path), "--methods", "none,evs",
                 "--keep", "0.5", "--max-new-tokens", "1", "-f", "json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = {r["method"]: r for r in json.loads(out)["rows"]}
    assert rows["evs"]["samples"] == 2 and rows["evs"]["kept_tokens"] < rows["none"]["kept_tokens"]
