"""`hawk profile` and `hawk inspect` end to end on tiny checkpoints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from hawkcli import profiles, profiling
from hawkcli.cli.app import main

BASE = ["--calib", "synth", "-n", "6", "-b", "10"]


def profile(capsys, model, out, *extra):
    code = main(["profile", str(model), *BASE, "-o", str(out), *extra])
    _, err = capsys.readouterr()
    return code, err


def tensors(path):
    return load_file(str(path))


def test_profile_writes_provenance_and_is_deterministic(capsys, tiny_qwen25, tmp_path):
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    assert profile(capsys, tiny_qwen25, a)[0] == 0
    assert profile(capsys, tiny_qwen25, b)[0] == 0
    ta, tb = tensors(a), tensors(b)
    assert torch.equal(ta["importance"], tb["importance"])
    assert ta["importance"].shape == (1, 4) and ta["deltas"].shape == (1, 1, 4)
    assert ta["importance"].sum().item() == pytest.approx(1.0)
    p = profiles.load(str(a))
    meta = p.metadata
    assert meta["hawk.source"] == "profiled" and meta["hawk.scope"] == "layer0" and meta["hawk.metric"] == "loglik"
    assert meta["hawk.calib.datasets"] == "synth" and meta["hawk.calib.samples"] == "6"
    assert meta["hawk.model_id"] == str(tiny_qwen25.resolve()) and meta["hawk.num_heads"] == "4"
    for key in ("hawk.created", "hawk.torch_version", "hawk.transformers_version", "hawk.dtype", "hawk.tool_version"):
        assert meta[key]
    assert not list(tmp_path.glob("*.partial*")), "partial files are removed once the profile is written"


def test_profile_feeds_hawk_run(capsys, tiny_qwen25, tmp_path, image_dir):
    out = tmp_path / "p.safetensors"
    assert profile(capsys, tiny_qwen25, out)[0] == 0
    code = main(["run", "--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "what ?",
                 "--profile", str(out), "--max-new-tokens", "2", "-f", "jsonl"])  # fmt: skip
    rec = json.loads(capsys.readouterr().out)
    assert code == 0 and rec["method"] == "hawk" and rec["profile"] == "p"


ESTIMATORS = [[], ["--estimator", "attribution", "--scope", "layers"]]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=["exact", "attribution"])
def test_interrupted_profile_resumes_to_the_same_tensor(capsys, monkeypatch, tiny_qwen25, tmp_path, estimator):
    full, resumed = tmp_path / "full.safetensors", tmp_path / "resumed.safetensors"
    assert profile(capsys, tiny_qwen25, full, *estimator)[0] == 0

    real_save, calls = profiling.save_partial, []

    def save_then_interrupt(*args, **kwargs):
        real_save(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(profiling, "save_partial", save_then_interrupt)
    code, err = profile(capsys, tiny_qwen25, resumed, *estimator)
    assert code == 130 and "--resume" in err
    partial = profiling.partial_path(resumed)
    assert partial.exists() and not resumed.exists()
    saved = json.loads(partial.read_text())["results"]["synth"]
    assert 0 < len(saved) < 6
    monkeypatch.setattr(profiling, "save_partial", real_save)

    code, err = profile(capsys, tiny_qwen25, resumed, *estimator)
    assert code == 2 and "--resume" in err  # refuses to silently start over
    assert profile(capsys, tiny_qwen25, resumed, "--resume", *estimator)[0] == 0
    assert torch.equal(tensors(full)["importance"], tensors(resumed)["importance"])


def test_resume_refuses_a_different_run(capsys, tiny_qwen25, tmp_path):
    out = tmp_path / "x.safetensors"
    partial = profiling.partial_path(out)
    partial.write_text(json.dumps({"fingerprint": {"model": "other"}, "results": {}}))
    code, err = profile(capsys, tiny_qwen25, out, "--resume")
    assert code == 2 and "different profile run" in err


def test_zeroed_head_gets_zero_importance(capsys, tiny_qwen25, tmp_path):
    from transformers import AutoModelForImageTextToText

    folder = tmp_path / "model"
    shutil.copytree(tiny_qwen25, folder)
    model = AutoModelForImageTextToText.from_pretrained(folder)
    attn = model.model.language_model.layers[0].self_attn
    with torch.no_grad():
        attn.o_proj.weight[:, 2 * attn.head_dim : 3 * attn.head_dim] = 0
    model.save_pretrained(folder)
    out = tmp_path / "z.safetensors"
    assert profile(capsys, folder, out)[0] == 0
    imp = tensors(out)["importance"][0]
    assert imp[2].item() == 0.0
    assert imp.sum().item() == pytest.approx(1.0)


def test_scopes_and_metrics(capsys, tiny_qwen2, tmp_path):
    out = tmp_path / "s.safetensors"
    assert (
        profile(capsys, tiny_qwen2, out, "--scope", "all-layers", "--metric", "accuracy", "--max-new-tokens", "2")[0]
        == 0
    )
    p = profiles.load(str(out))
    assert p.metadata["hawk.layers"] == "all" and p.metadata["hawk.metric"] == "accuracy"
    assert len(p.head_weights(0)) == 4
    code, err = profile(capsys, tiny_qwen2, out, "--scope", "layer:1")
    assert code == 2 and "--force" in err and err.count("\n") == 1
    assert profile(capsys, tiny_qwen2, out, "--scope", "layer:1", "--force")[0] == 0
    assert profiles.load(str(out)).layers == [1]


def test_two_datasets_and_local_folder(capsys, tiny_qwen25, tmp_path):
    assert main(["data", "export", "synth", "--split", "test", "-n", "4", "-o", str(tmp_path / "local")]) == 0
    out = tmp_path / "two.safetensors"
    code = main(["profile", str(tiny_qwen25), "--calib", "synth", "--calib", str(tmp_path / "local"), "-n", "4",
                 "-o", str(out)])  # fmt: skip
    assert code == 0
    t = tensors(out)
    assert t["deltas"].shape == (2, 1, 4)
    assert profiles.load(str(out)).metadata["hawk.calib.samples"] == "4,4"


@pytest.mark.parametrize(
    ("calib", "message"),
    [
        ("nosuchset", "unknown dataset"),
        ("synth:validation", "no split"),
        ("BADCOLS", "no question column"),
        ("chartqa", "cannot load dataset"),
    ],
)
def test_bad_calibration_data(capsys, tiny_qwen25, tmp_path, calib, message):
    if calib == "BADCOLS":
        bad = tmp_path / "bad.jsonl"
        bad.write_text(json.dumps({"image": "x.png", "answer": "a"}) + "\n")
        calib = str(bad)
    code = main(["profile", str(tiny_qwen25), "--calib", calib, "-o", str(tmp_path / "o.safetensors"), "--offline"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_bad_profile_options(capsys, tiny_qwen25, tmp_path):
    for extra, message in [(["--scope", "layer:9"], "has layers"), (["--metric", "f1"], "unknown --metric"), ([], "")]:
        args = ["profile", str(tiny_qwen25), "-o", str(tmp_path / "o.safetensors"), *extra]
        if extra:
            args += ["--calib", "synth"]
        code = main(args)
        err = capsys.readouterr().err
        assert code == 2 and (message or "--calib") in err


def test_inspect_shipped_profile(capsys):
    assert main(["inspect", "qwen2.5-vl-7b", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["shape"] == [1, 28] and payload["top_heads"][0][0] == 1
    assert payload["metadata"]["hawk.model_id"] == "Qwen/Qwen2.5-VL-7B-Instruct"
    assert main(["inspect", "qwen2.5-vl-7b"]) == 0
    assert "Qwen/Qwen2.5-VL-7B-Instruct" in capsys.readouterr().out


def test_inspect_reads_only_the_header_for_the_summary(tmp_path):
    path = profiles.save(tmp_path / "h.safetensors", torch.rand(1, 4), {"hawk.model_id": "m"})
    header = profiles.read_header(path)
    assert header["__metadata__"]["hawk.model_id"] == "m" and header["importance"]["shape"] == [1, 4]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=["exact", "attribution"])
def test_torchrun_two_processes_equal_one(tiny_qwen25, tmp_path, estimator):
    single, multi = tmp_path / "single.safetensors", tmp_path / "multi.safetensors"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = ["profile", str(tiny_qwen25), *BASE, *estimator]
    subprocess.run([sys.executable, "-m", "hawkcli.cli.app", *args, "-o", str(single)], check=True, env=env,
                   capture_output=True)  # fmt: skip
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "hawkcli.cli.app", *args, "-o", str(multi)]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert torch.equal(tensors(single)["importance"], tensors(multi)["importance"])
    assert profiles.load(str(multi)).metadata["hawk.world_size"] == "2"


def test_plot_without_matplotlib_is_a_clean_error(capsys, monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    code = main(["inspect", "qwen2.5-vl-7b", "--plot", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 2 and "hawk-vlm[plot]" in err


def test_methods_lists_every_method_with_options(capsys):
    assert main(["methods", "--format", "json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["fastv"]["options"] == {"layer": 2} and rows["hawk"]["needs_profile"]
    assert rows["vispruner"]["options"]["important_ratio"] == 0.5 and rows["idsel"]["options"]["gamma"] == 20.0


def test_default_output_is_the_current_folder_and_never_overwritten(capsys, monkeypatch, tiny_qwen25, tmp_path):
    shipped = {p: p.read_bytes() for p in profiles.shipped_profiles().values()}
    monkeypatch.chdir(tmp_path)
    assert main(["profile", str(tiny_qwen25), "--calib", "synth", "-n", "2"]) == 0
    out = tmp_path / f"{tiny_qwen25.name}.safetensors"
    assert out.is_file() and sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    assert "wrote" in capsys.readouterr().err
    before = out.read_bytes()
    assert main(["profile", str(tiny_qwen25), "--calib", "synth", "-n", "3"]) == 2
    err = capsys.readouterr().err
    assert "exists; pass --force" in err and err.count("\n") == 1 and out.read_bytes() == before
    assert {p: p.read_bytes() for p in profiles.shipped_profiles().values()} == shipped


def test_a_shipped_profile_is_named_as_such(capsys, tiny_qwen25):
    target = profiles.shipped_profiles()["hawk-demo"]
    assert main(["profile", str(tiny_qwen25), "--calib", "synth", "-n", "2", "-o", str(target)]) == 2
    assert "is a profile shipped with hawk; pass --force" in capsys.readouterr().err


def test_output_in_a_folder_that_does_not_exist_yet(capsys, monkeypatch, tiny_qwen25, tmp_path):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "new" / "deeper" / "p.safetensors"
    assert main(["profile", str(tiny_qwen25), "--calib", "synth", "-n", "2", "-o", str(out)]) == 0
    assert out.is_file() and sorted(p.name for p in out.parent.iterdir()) == ["p.safetensors"]


def test_attribution_writes_the_full_map_and_run_uses_layer_0(capsys, tiny_qwen25, tmp_path, image_dir):
    out = tmp_path / "map.safetensors"
    code, err = profile(capsys, tiny_qwen25, out, "--estimator", "attribution", "--scope", "layers")
    assert code == 0, err
    p = profiles.load(str(out))
    assert p.metadata["hawk.layers"] == "0,1" and p.metadata["hawk.estimator"] == "attribution:1"
    assert len(p.importance) == 2 and len(p.importance[0]) == 4 and p.head_weights(0) == p.importance[0]
    assert main(["run", "--model", str(tiny_qwen25), "--image", str(image_dir / "img0.png"), "-q", "what ?",
                 "--profile", str(out), "--max-new-tokens", "1", "-f", "json"]) == 0  # fmt: skip
    assert (
        "--scope layers with exact ablation runs 8 decoder passes"
        in profile(capsys, tiny_qwen25, tmp_path / "e.safetensors", "--scope", "layers")[1]
    )
    code, err = profile(capsys, tiny_qwen25, tmp_path / "x.safetensors", "--estimator", "attribution",
                        "--metric", "accuracy")  # fmt: skip
    assert code == 2 and "needs --metric loglik" in err
