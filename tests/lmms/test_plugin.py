"""hawk as an lmms-eval 0.7.3 model: found through the entry point, answering through the library, and
evaluating a local task offline in one process and in two."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("lmms_eval", reason="lmms-eval is installed by scripts/setup.sh (pip install --no-deps)")

from lmms_eval.api.instance import Instance  # noqa: E402

import hawkcli  # noqa: E402
from hawkcli.data import synth  # noqa: E402
from hawkcli.data.metrics import exact_match  # noqa: E402
from hawkcli.methods.registry import method_class, method_names  # noqa: E402
from tests.conftest import moving_frames, write_clip  # noqa: E402

TASKS = Path(__file__).parent / "tasks"
META = {"task": "t", "doc_id": 0, "repeats": 1}
GEN = {"max_new_tokens": 8, "temperature": 0.0, "do_sample": False, "until": ["\n\n"]}


def _docs(n: int) -> list[dict]:
    out = []
    for i in range(n):
        s = synth.sample("test", i, seed=0, tasks=synth.DATASETS["synth"])
        out.append({"id": s.id, "image": s.image, "question": s.question, "answer": s.answer})
    return out


def _image_visual(doc):
    return [doc["image"]]


def _requests(docs: list[dict], kind: str = "generate_until", second=None) -> list[Instance]:
    made = []
    for i, doc in enumerate(docs):
        arg = GEN if kind == "generate_until" else (second or doc["answer"])
        made.append(Instance(kind, (doc["question"], arg, _image_visual, i, "t", "test"), i, META | {"doc_id": i}))
    return made


def _model(method: str, **args):
    from hawkcli.lmms.model import Hawk

    profile = {"profile": "hawk-demo"} if method_class(method).needs_profile else {}
    return Hawk(pretrained="hawk-demo", method=method, batch_size=2, **profile, **args)


def test_the_entry_point_resolves_to_the_hawk_model():
    from importlib.metadata import entry_points

    from lmms_eval.api.model import lmms
    from lmms_eval.models import get_model

    (point,) = [e for e in entry_points(group="lmms_eval.models") if e.name == "hawk"]
    manifest = point.load()
    assert manifest.model_id == "hawk" and manifest.simple_class_path == "hawkcli.lmms.model.Hawk"
    cls = get_model("hawk")
    assert issubclass(cls, lmms) and cls.is_simple


IMAGE_METHODS = [m for m in method_names() if not method_class(m).needs_video]
VIDEO_METHODS = [m for m in method_names() if method_class(m).needs_video]


@pytest.mark.parametrize("method", IMAGE_METHODS)
def test_generate_until_answers_a_batch_as_the_library_does(method):
    docs = _docs(3)
    model = _model(method, keep=0.5)
    model.task_dict = {"t": {"test": docs}}
    got = model.generate_until(_requests(docs))
    session = model.session
    expected = [
        session.generate([hawkcli.Prompt(d["question"], images=[d["image"]])], max_new_tokens=8, until=("\n\n",))[0]
        for d in docs
    ]
    assert [g.text for g in got] == [e.text for e in expected]
    assert [g.token_counts.input_tokens for g in got] == [e.stats.kept_prompt_tokens for e in expected]


@pytest.mark.parametrize("method", VIDEO_METHODS)
def test_video_methods_read_the_clip_a_task_names(method, tmp_path):
    write_clip(tmp_path / "clip.mp4", moving_frames(4))
    model = _model(method, keep=0.5)
    model.task_dict = {"t": {"test": [{"question": "which way does the object move ?"}]}}
    request = Instance("generate_until", ("which way does the object move ?", GEN, lambda d: [str(tmp_path / "clip.mp4")], 0, "t", "test"), 0, META)  # fmt: skip
    (answer,) = model.generate_until([request])
    assert answer.text and answer.token_counts.input_tokens > 0


def test_loglikelihood_is_the_mean_token_loss_lmms_eval_ranks_by(tmp_path):
    docs = _docs(2)
    model = _model("hawk", keep=0.2, stats_file=str(tmp_path / "s.jsonl"))
    model.task_dict = {"t": {"test": docs}}
    right = model.loglikelihood(_requests(docs, "loglikelihood"))
    wrong = model.loglikelihood(_requests(docs, "loglikelihood", second="purple"))
    assert all(r[0] < w[0] for r, w in zip(right, wrong, strict=True))  # lmms-eval takes the argmin
    scored = model.session.loglikelihood(
        [hawkcli.Prompt(d["question"], images=[d["image"]]) for d in docs], ["purple"] * 2
    )
    assert [w[0] for w in wrong] == pytest.approx([-s.logprob / s.tokens for s in scored])


def test_multi_round_and_unknown_arguments_are_refused():
    from hawkcli.errors import HawkError

    with pytest.raises(NotImplementedError, match="single-turn"):
        _model("none").generate_until_multi_round([])
    with pytest.raises(HawkError, match="unknown model_args kep"):
        _model("uniform", kep=0.2)


def _task_folder(tmp_path: Path, docs: list[dict]) -> Path:
    import datasets

    features = datasets.Features(
        {"id": datasets.Value("string"), "image": datasets.Image(), "question": datasets.Value("string"),
         "answer": datasets.Value("string")}
    )  # fmt: skip
    (tmp_path / "data").mkdir()
    datasets.Dataset.from_list(docs, features=features).to_parquet(str(tmp_path / "data" / "test.parquet"))
    shutil.copytree(TASKS, tmp_path / "tasks")
    return tmp_path


def _evaluate(cwd: Path, launcher: list[str], out: str) -> dict:
    env = {**os.environ, "HF_HOME": str(cwd / "hf"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "ACCELERATE_USE_CPU": "true"}  # fmt: skip
    args = ["--model", "hawk", "--model_args", "pretrained=hawk-demo,method=hawk,keep=0.2,profile=hawk-demo",
            "--tasks", "hawk_synth", "--include_path", "tasks", "--limit", "4", "--batch_size", "2",
            "--output_path", out, "--log_samples"]  # fmt: skip
    done = subprocess.run([*launcher, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    # lmms-eval logs a failed evaluation and still exits 0: the results file is the proof it ran.
    found = sorted((cwd / out).glob("*/*_results.json"))
    assert done.returncode == 0 and found, done.stderr[-3000:]
    logged = done.stdout + done.stderr  # lmms-eval sends its log (and hawk's line in it) to stdout
    assert "kept 116 of 576 visual tokens" in logged or "kept 58 of 288 visual tokens" in logged
    return json.loads(found[-1].read_text())


def test_lmms_eval_scores_a_local_task_the_same_on_one_and_two_processes(tmp_path):
    docs = _docs(6)
    cwd = _task_folder(tmp_path, docs)
    one = _evaluate(cwd, [sys.executable, "-m", "lmms_eval"], "one")
    launch = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "-m",
        "lmms_eval",
    ]
    two = _evaluate(cwd, launch, "two")
    score = one["results"]["hawk_synth"]["exact_match,none"]
    assert two["results"]["hawk_synth"]["exact_match,none"] == score
    assert one["n-samples"]["hawk_synth"]["effective"] == two["n-samples"]["hawk_synth"]["effective"] == 4
    session = hawkcli.load("hawk-demo", method="hawk", keep=0.2)
    answers = [
        session.generate([hawkcli.Prompt(d["question"], images=[d["image"]])], max_new_tokens=8)[0] for d in docs[:4]
    ]
    assert score == pytest.approx(
        sum(exact_match(a.text, [d["answer"]]) for a, d in zip(answers, docs, strict=False)) / 4
    )
