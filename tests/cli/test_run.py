"""`hawk run` end to end on tiny checkpoint folders, as a user would call it."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from hawkcli.cli.app import main

FIELDS = {
    "id", "answer", "model", "method", "keep", "profile", "visual_tokens", "kept_visual_tokens",
    "kept_visual_indices", "prompt_tokens", "generated_tokens", "prefill_ms", "total_ms",
}  # fmt: skip


def run(capsys, *args):
    code = main(["run", *args])
    out, err = capsys.readouterr()
    return code, out, err


def records(out):
    return [json.loads(line) for line in out.splitlines()]


def test_single_image_json(capsys, tiny_qwen25, image_dir):
    code, out, err = run(
        capsys, "--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "--question", "what ?",
        "--method", "uniform", "--keep", "0.25", "--max-new-tokens", "4", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    rec = json.loads(out)
    assert set(rec) >= FIELDS
    assert rec["method"] == "uniform" and rec["keep"] == 0.25
    assert rec["kept_visual_tokens"] == len(rec["kept_visual_indices"]) == -(-rec["visual_tokens"] // 4)
    assert 1 <= rec["generated_tokens"] <= 4


def test_text_output_is_just_the_answer(capsys, tiny_qwen25, image_dir):
    args = ["--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "what ?"]
    code, out, _ = run(capsys, *args, "--method", "uniform", "--max-new-tokens", "3", "-f", "text")
    code2, out2, _ = run(capsys, *args, "--method", "uniform", "--max-new-tokens", "3", "-f", "jsonl")
    assert code == code2 == 0
    assert out.strip() == records(out2)[0]["answer"]


def test_folder_with_a_corrupt_image(capsys, tiny_qwen25, image_dir):
    (image_dir / "broken.png").write_bytes(b"not a png")
    code, out, _ = run(
        capsys, "--model", str(tiny_qwen25), "--images", str(image_dir), "-q", "what ?", "--method", "uniform",
        "--max-new-tokens", "2", "--batch-size", "2", "-f", "jsonl",
    )  # fmt: skip
    recs = records(out)
    assert code == 1
    assert [r["id"] for r in recs] == ["broken.png", "img0.png", "img1.png", "img2.png"]
    assert "not an image" in recs[0]["error"]
    assert all("answer" in r for r in recs[1:])


def test_jsonl_input_from_stdin_keeps_order_and_reports_bad_lines(capsys, monkeypatch, tiny_qwen25, image_dir):
    lines = [
        {"id": "a", "image": str(image_dir / "img1.png"), "question": "what ?"},
        "{not json",
        {"id": "c", "image": "missing.png", "question": "what ?"},
        {"id": "d", "image": "img2.png", "question": "which shape is red ?"},  # relative to the cwd for stdin
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    monkeypatch.chdir(image_dir)
    code, out, _ = run(capsys, "--model", str(tiny_qwen25), "--input", "-", "--method", "random",
                       "--max-new-tokens", "2", "-b", "3", "-f", "jsonl")  # fmt: skip
    recs = records(out)
    assert code == 1
    assert [r["id"] for r in recs] == ["a", "line-2", "c", "d"]
    assert "answer" in recs[0] and "answer" in recs[3]
    assert "invalid JSON" in recs[1]["error"] and "no such file" in recs[2]["error"]


def test_image_from_stdin(capsys, monkeypatch, tiny_qwen25, image_dir):
    data = (image_dir / "img0.png").read_bytes()

    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr(sys, "stdin", Stdin())
    code, out, err = run(capsys, "--model", str(tiny_qwen25), "--image", "-", "-q", "what ?",
                         "--method", "none", "--max-new-tokens", "2", "-f", "jsonl")  # fmt: skip
    assert code == 0, err
    rec = records(out)[0]
    assert rec["id"] == "stdin" and rec["keep"] == 1.0 and rec["kept_visual_tokens"] == rec["visual_tokens"]


def test_prune_is_the_complement_of_keep(capsys, tiny_qwen25, image_dir):
    code, out, _ = run(capsys, "--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "what ?",
                       "--method", "uniform", "--prune", "0.75", "--max-new-tokens", "1", "-f", "jsonl")  # fmt: skip
    assert code == 0 and records(out)[0]["keep"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--image", "MISSING.png", "-q", "what ?"], "no such file"),
        (["--image", "IMG", "-q", "   "], "must not be empty"),
        (["--image", "IMG", "-q", "what ?", "--keep", "0"], "--keep must be in (0, 1]"),
        (["--image", "IMG", "-q", "what ?", "--keep", "1.5"], "--keep must be in (0, 1]"),
        (["--image", "IMG", "-q", "what ?", "--model", "no-org/no-model", "--offline"], "cannot load model"),
        (["--image", "IMG", "-q", "what ?", "--device", "cuda"], "CUDA"),
        (["--image", "IMG", "-q", "what ?", "--method", "hawk"], "no shipped head-importance profile"),
        (["--image", "IMG", "-q", "what ?", "--profile", "qwen2.5-vl-7b"], "28 heads"),
        (["--image", "IMG", "-q", "what ?", "--method", "magic"], "unknown method"),
        (["--images", "IMGDIR", "--image", "IMG", "-q", "what ?"], "or --images, or --input"),
        (["--input", "nope.jsonl"], "no such file"),
        (["--image", "IMG", "-q", "x", "--format", "xml"], "unknown format"),
        (["--image", "IMG", "-q", "x", "--nonsense"], "No such option"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, tiny_qwen25, image_dir, extra, message):
    import torch

    if "cuda" in extra and torch.cuda.is_available():
        pytest.skip("CUDA present")
    subst = {"IMG": str(image_dir / "img0.png"), "IMGDIR": str(image_dir)}
    args = [subst.get(a, a) for a in extra]
    if "--model" not in args:
        args = ["--model", str(tiny_qwen25), *args]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and err.startswith("hawk: error:")
    assert "Traceback" not in err and out == ""


def test_not_an_image_single_is_exit_1_with_record(capsys, tiny_qwen25, tmp_path):
    bad = tmp_path / "fake.png"
    bad.write_text("hello")
    code, out, _ = run(capsys, "--model", str(tiny_qwen25), "--image", str(bad), "-q", "what ?",
                       "--method", "uniform", "-f", "jsonl")  # fmt: skip
    assert code == 1 and "not an image" in records(out)[0]["error"]


def test_debug_shows_the_traceback(tiny_qwen25, image_dir):
    cmd = [sys.executable, "-m", "hawkcli.cli.app", "run", "--model", str(tiny_qwen25), "--image",
           str(image_dir / "img0.png"), "-q", "x", "--keep", "2"]  # fmt: skip
    plain = subprocess.run(cmd, capture_output=True, text=True)
    debug = subprocess.run(cmd, capture_output=True, text=True, env={**__import__("os").environ, "HAWK_DEBUG": "1"})
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["run", "--help"]])
def test_help_and_version_do_not_import_torch(args):
    code = (
        "import sys\nfrom hawkcli.cli.app import main\n"
        f"rc = main({args!r})\n"
        "assert rc == 0, rc\n"
        "heavy = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "hawk" in done.stdout


def test_overlay_dims_exactly_the_pruned_fraction(capsys, tiny_qwen25, tmp_path):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    pixels = rng.integers(120, 250, (112, 112, 3), dtype=np.uint8)  # 112 px = 4×4 tokens of 28 px
    Image.fromarray(pixels).save(tmp_path / "in.png")
    code, out, err = run(capsys, "--model", str(tiny_qwen25), "--image", str(tmp_path / "in.png"), "-q", "what ?",
                         "--method", "uniform", "--keep", "0.25", "--overlay", str(tmp_path / "kept.png"),
                         "--max-new-tokens", "1", "-f", "jsonl")  # fmt: skip
    assert code == 0, err
    rec = records(out)[0]
    shot = np.asarray(Image.open(tmp_path / "kept.png").convert("RGB")).astype(int)
    assert shot.shape == pixels.shape
    dimmed = (np.abs(shot - (pixels.astype(int) * 0.25).astype(int)) <= 1).all(-1)
    pruned = 1 - rec["kept_visual_tokens"] / rec["visual_tokens"]
    assert dimmed.mean() == pytest.approx(pruned, abs=1e-9)


def test_overlay_for_a_folder_writes_one_png_per_image(capsys, tiny_qwen25, image_dir, tmp_path):
    code, out, _ = run(capsys, "--model", str(tiny_qwen25), "--images", str(image_dir), "-q", "what ?",
                       "--method", "random", "--overlay", str(tmp_path / "shots"), "--max-new-tokens", "1",
                       "-f", "jsonl")  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == ["img0.png", "img1.png", "img2.png"]


def test_hawk_model_environment_variable_sets_the_default(capsys, monkeypatch, tiny_qwen25, image_dir):
    monkeypatch.setenv("HAWK_MODEL", str(tiny_qwen25))
    code, out, err = run(capsys, "--image", str(image_dir / "img0.png"), "-q", "what ?", "--method", "uniform",
                         "--max-new-tokens", "1", "-f", "jsonl")  # fmt: skip
    assert code == 0, err
    assert records(out)[0]["model"] == str(tiny_qwen25)


def test_a_folder_given_as_image_suggests_images(capsys, tiny_qwen25, image_dir):
    code, _, err = run(capsys, "--model", str(tiny_qwen25), "--image", str(image_dir), "-q", "what ?")
    assert code == 2 and f"is a folder; use --images {image_dir}" in err and err.count("\n") == 1


def test_failed_items_are_counted_on_stderr(capsys, tiny_qwen25, image_dir):
    (image_dir / "broken.png").write_bytes(b"not a png")
    code, out, err = run(capsys, "--model", str(tiny_qwen25), "--images", str(image_dir), "-q", "what ?",
                         "--method", "uniform", "--max-new-tokens", "1", "-f", "jsonl")  # fmt: skip
    assert code == 1 and len(records(out)) == 4
    assert "hawk: 1 of 4 items failed" in err


def test_an_internal_error_has_its_own_exit_code(capsys, tiny_qwen25, image_dir, failing_method):
    _, seen = failing_method
    seen.extend([1, 1])  # the next selection raises
    code, _, err = run(capsys, "--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "x",
                       "--method", "flaky-test")  # fmt: skip
    assert code == 3 and err.startswith("hawk: error: internal error: Boom: kaput") and err.count("\n") == 1


def test_json_is_one_document_and_jsonl_a_record_per_line(capsys, tiny_qwen25, image_dir):
    args = ["--model", str(tiny_qwen25), "--images", str(image_dir), "-q", "x", "--method", "uniform",
            "--max-new-tokens", "1"]  # fmt: skip
    code, out, _ = run(capsys, *args, "-f", "json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == ["img0.png", "img1.png", "img2.png"]
    code, out, _ = run(capsys, *args, "-f", "jsonl")
    assert (
        code == 0
        and len(out.splitlines()) == 3
        and all(json.loads(line)["answer"] is not None for line in out.splitlines())
    )


def test_method_option_sets_a_typed_option(capsys, tiny_qwen25, image_dir):
    args = ["--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "x", "--max-new-tokens", "1",
            "-f", "json", "--keep", "0.5"]  # fmt: skip
    code, out, err = run(capsys, *args, "--method", "fastv", "--method-option", "layer=1")
    assert code == 0, err
    assert json.loads(out)["kept_visual_tokens"] < json.loads(out)["visual_tokens"]
    for extra, message in ((["--method", "fastv", "-O", "layer=x"], "expected int"),
                           (["--method", "fastv", "-O", "layer=0"], "layer must be"),
                           (["--method", "random", "--normalization", "l2"], "has an option 'normalization'"),
                           (["--method", "random", "-O", "fastv.layer=1"], "not among")):  # fmt: skip
        code, _, err = run(capsys, *args, *extra)
        assert code == 2 and message in err and err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("values", "message"),
    [([float("nan")] * 4, "NaN"), ([1.0, -0.5, 0.2, 0.1], "negative"), ([0.0] * 4, "all zeros")],
)
def test_unusable_profiles_are_refused(capsys, tiny_qwen25, image_dir, tmp_path, values, message):
    from hawkcli import profiles

    path = profiles.save(tmp_path / "bad.safetensors", [values], {"hawk.model_id": str(tiny_qwen25)})
    code, _, err = run(capsys, "--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "x",
                       "--profile", str(path))  # fmt: skip
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_run_says_which_profile_it_uses(capsys, tiny_qwen25, image_dir, tmp_path):
    from hawkcli import profiles

    path = profiles.save(tmp_path / "mine.safetensors", [[0.4, 0.3, 0.2, 0.1]], {"hawk.model_id": str(tiny_qwen25)})
    code, _, err = run(capsys, "--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "x",
                       "--profile", str(path), "--max-new-tokens", "1")  # fmt: skip
    assert code == 0 and f"hawk: profile {path} (--profile)" in err
