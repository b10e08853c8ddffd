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
