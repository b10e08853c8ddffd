import json
import subprocess
import sys


def test_short_training_run_lowers_the_loss_and_resumes(tmp_path):
    out = tmp_path / "run"
    base = [sys.executable, "-m", "hawkcli.demo.train", "--out", str(out), "--size", "tiny", "--train-pool", "4",
            "--batch-size", "4", "--lr", "3e-3", "--warmup", "5", "--save-every", "10", "--eval-every", "1000",
            "--aux-weight", "0", "--tasks", "colour,shape", "--eval-samples", "8"]  # fmt: skip
    subprocess.run([*base, "--steps", "30"], check=True, capture_output=True)
    log = [json.loads(line) for line in (out / "train.log").read_text().splitlines()]
    first = sum(r["loss"] for r in log[:3]) / 3
    last = sum(r["loss"] for r in log[-3:]) / 3
    assert last < 0.5 * first, (first, last)
    assert (out / "model" / "model.safetensors").exists() and (out / "state.pt").exists()
    assert set(log[-1]["eval"]) == {"colour", "shape", "mean"}  # trained and rated on the chosen mix
    done = subprocess.run([*base, "--steps", "32", "--resume"], check=True, capture_output=True, text=True)
    assert "resumed at step 30" in done.stderr
    assert [json.loads(x)["step"] for x in (out / "train.log").read_text().splitlines()][-2:] == [31, 32]


def test_fine_tuning_on_scenes_extends_the_vocabulary_and_keeps_old_ids(tmp_path):
    """A short scene-mix run, then a fine-tune from its exported model: old words keep their ids, the
    scenes' words are added, and the tokenizer carries the phrasing normaliser."""
    from transformers import AutoTokenizer

    first = tmp_path / "first"
    common = ["--size", "tiny", "--batch-size", "2", "--warmup", "1", "--eval-every", "1000", "--eval-samples", "4",
              "--tasks", "colour,shape,count,exists", "--grid-tasks", "colour,shape", "--scene-share", "0.5",
              "--fillers", "0.5"]  # fmt: skip
    subprocess.run([sys.executable, "-m", "hawkcli.demo.train", "--out", str(first), "--steps", "2", *common], check=True, capture_output=True)  # fmt: skip
    second = tmp_path / "second"
    done = subprocess.run(
        [sys.executable, "-m", "hawkcli.demo.train", "--out", str(second), "--steps", "2", *common,
         "--init-from", str(first / "model"), "--init-probe", str(first / "state.pt")],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    log = [json.loads(line) for line in (second / "train.log").read_text().splitlines()]
    assert {"eval", "eval_scenes_test", "eval_scenes_user"} <= set(log[-1]), done.stderr
    old = AutoTokenizer.from_pretrained(first / "model")
    new = AutoTokenizer.from_pretrained(second / "init")
    assert all(new.convert_tokens_to_ids(w) == i for w, i in old.get_vocab().items())
    assert {"grey", "kind", "12"} <= set(new.get_vocab()) - set(old.get_vocab())
    assert new("What color are the Circles?")["input_ids"] == new("what colour are the circle ?")["input_ids"]
