"""`hawk compare` end to end on a tiny model and a tiny local dataset."""

from __future__ import annotations

import json

import pytest

from hawkcli.cli.app import main
from hawkcli.evaluate import summarize


@pytest.fixture(scope="module")
def local_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    assert main(["data", "export", "synth", "--split", "test", "-n", "3", "-o", str(folder)]) == 0
    return folder


def compare(capsys, model, data, *extra):
    code = main(["compare", "--model", str(model), "--data", str(data), "-n", "3", "--max-new-tokens", "2",
                 "--fastv-layer", "1", *extra])  # fmt: skip
    out, err = capsys.readouterr()
    return code, out, err


def test_json_table_has_every_method_and_keep(capsys, tiny_qwen25, local_data, tmp_path):
    methods = "none,uniform,fastv,vispruner,idsel,divprune,random"
    code, out, err = compare(capsys, tiny_qwen25, local_data, "--methods", methods, "--keep", "1.0,0.25",
                             "--format", "json", "-o", str(tmp_path / "r.jsonl"))  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)["rows"]
    got = {(r["method"], r["keep"]) for r in rows}
    expected = {("none", 1.0)} | {(m, k) for m in methods.split(",")[1:] for k in (1.0, 0.25)}
    assert got == expected
    by = {(r["method"], r["keep"]): r for r in rows}
    n_visual = by[("none", 1.0)]["visual_tokens"]
    for m in methods.split(",")[1:]:
        assert by[(m, 0.25)]["kept_tokens"] == by[("uniform", 0.25)]["kept_tokens"]  # same k for everyone
        assert by[(m, 1.0)]["kept_tokens"] == n_visual
    assert by[("uniform", 0.25)]["prefill_tflops"] < by[("none", 1.0)]["prefill_tflops"]
    # fastv keeps everything in layer 0, so it saves less than input pruning at the same keep
    assert (
        by[("uniform", 0.25)]["prefill_tflops"]
        < by[("fastv", 0.25)]["prefill_tflops"]
        < by[("none", 1.0)]["prefill_tflops"]
    )
    assert by[("uniform", 0.25)]["kv_cache_mb"] < by[("none", 1.0)]["kv_cache_mb"]
    for r in rows:
        assert r["samples"] == 3 and r["prefill_ms"] > 0 and r["total_ms"] >= r["prefill_ms"]
    # keep = 1.0 reproduces the unpruned answers for every method
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    base = {r["sample_id"]: r["answer"] for r in lines if r["method"] == "none"}
    for r in lines:
        if r["keep"] == 1.0:
            assert r["answer"] == base[r["sample_id"]]


def test_resume_and_adding_a_method_only_computes_it(capsys, monkeypatch, tiny_qwen25, local_data, tmp_path):
    from hawkcli import evaluate

    cache = tmp_path / "r.jsonl"
    assert (
        compare(capsys, tiny_qwen25, local_data, "--methods", "none,random", "--keep", "0.5", "-o", str(cache))[0] == 0
    )
    first = cache.read_text().splitlines()
    assert len(first) == 6
    calls = []
    real = evaluate.Evaluator.run_one
    monkeypatch.setattr(
        evaluate.Evaluator, "run_one", lambda self, arm, ex: calls.append(arm.method) or real(self, arm, ex)
    )
    code, out, _ = compare(capsys, tiny_qwen25, local_data, "--methods", "none,random,divprune", "--keep", "0.5",
                           "-o", str(cache), "--format", "csv")  # fmt: skip
    assert code == 0
    assert calls == ["divprune"] * 3
    assert cache.read_text().splitlines()[:6] == first
    header, *rows = out.strip().splitlines()
    assert header.startswith("method,keep,samples") and len(rows) == 3


def test_interrupted_cache_line_is_recomputed(tmp_path):
    from hawkcli.evaluate import ResultCache

    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"key": "a", "x": 1}) + "\n" + '{"key": "b", "x"')
    cache = ResultCache(path)
    assert cache.get("a") == {"key": "a", "x": 1} and cache.get("b") is None


def test_summary_medians_and_relative_accuracy():
    recs = []
    for method, scores in (("none", [1, 1, 0, 1]), ("random", [1, 0, 0, 1])):
        for i, s in enumerate(scores):
            recs.append({"method": method, "keep": 1.0 if method == "none" else 0.2, "score": s,
                         "kept_visual_tokens": 10, "visual_tokens": 50, "prefill_flops": 1e12,
                         "fastv_flops": 5e11, "prefill_ms": [1, 2, 3, 100][i], "total_ms": 5,
                         "selection_ms": 0.1, "kv_cache_bytes": 2**20, "memory_bytes": 0,
                         "memory_kind": "rss_delta"})  # fmt: skip
    rows = {r["method"]: r for r in summarize(recs)}
    assert rows["random"]["relative_to_none"] == pytest.approx(100 * 0.5 / 0.75)
    assert rows["none"]["prefill_ms"] == 2.5  # median, robust to the one slow sample


def test_tuning_on_the_test_split_warns(capsys, tiny_qwen25, local_data, tmp_path):
    prof = tmp_path / "p.safetensors"
    assert main(["profile", str(tiny_qwen25), "--calib", "synth:test", "-n", "3", "-o", str(prof)]) == 0
    capsys.readouterr()
    code = main(["compare", "--model", str(tiny_qwen25), "--data", "synth:test", "-n", "2", "--methods", "hawk",
                 "--keep", "0.5", "--profile", str(prof), "--max-new-tokens", "1", "-f", "json"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0 and "calibrated on synth:test" in err
    code = main(["compare", "--model", str(tiny_qwen25), "--data", "synth:test", "-n", "2", "--methods", "hawk",
                 "--keep", "0.5", "--profile", str(prof), "--profile-calib", "synth:calib", "--max-new-tokens", "1",
                 "-f", "json"])  # fmt: skip
    assert code == 0 and "calibrated on" not in capsys.readouterr().err


def test_overlays_and_bad_options(capsys, tiny_qwen25, local_data, tmp_path):
    code, _, _ = compare(capsys, tiny_qwen25, local_data, "--methods", "uniform,random", "--keep", "0.5",
                         "--overlays", str(tmp_path / "ov"), "-f", "json")  # fmt: skip
    assert code == 0 and len(list((tmp_path / "ov").glob("*.png"))) == 3
    for extra, message in ((["--keep", "0"], "(0, 1]"), (["--methods", "magic"], "unknown method"),
                           (["--format", "xml"], "unknown format"), (["--vispruner-r", "2"], "important_ratio")):  # fmt: skip
        code, _, err = compare(capsys, tiny_qwen25, local_data, *extra)
        assert code == 2 and message in err


def test_retrained_weights_do_not_reuse_cached_results(tiny_qwen25, tmp_path):
    import shutil

    from transformers import AutoModelForImageTextToText

    from hawkcli.models.loading import fingerprint

    copy = tmp_path / "m"
    shutil.copytree(tiny_qwen25, copy)
    before = fingerprint(str(copy), None)
    assert before == fingerprint(str(tiny_qwen25), None)
    model = AutoModelForImageTextToText.from_pretrained(copy)
    for p in model.parameters():
        p.data.add_(0.01)
    model.save_pretrained(copy)
    assert fingerprint(str(copy), None) != before


def test_default_cache_resumes_without_recomputing(capsys, monkeypatch, tiny_qwen25, local_data, tmp_path):
    from hawkcli import evaluate

    monkeypatch.setenv("HAWK_CACHE_DIR", str(tmp_path / "cache"))
    args = ("--methods", "none,random", "--keep", "0.5", "-f", "json")
    assert compare(capsys, tiny_qwen25, local_data, *args)[0] == 0
    files = list((tmp_path / "cache" / "compare").glob("*.jsonl"))
    assert len(files) == 1 and len(files[0].read_text().splitlines()) == 6
    calls = []
    monkeypatch.setattr(evaluate.Evaluator, "run_one", lambda self, arm, ex: calls.append(arm) or {})
    code, out, _ = compare(capsys, tiny_qwen25, local_data, *args)
    assert code == 0 and calls == [] and len(json.loads(out)["rows"]) == 2


def test_a_failing_arm_is_reported_and_the_others_finish(capsys, tiny_qwen25, local_data, tmp_path, failing_method):
    code, out, err = compare(capsys, tiny_qwen25, local_data, "--methods", "none,flaky-test,random", "--keep", "0.5",
                             "-f", "json", "-o", str(tmp_path / "r.jsonl"))  # fmt: skip
    assert code == 1
    assert "arm flaky-test keep 0.5 failed after 1 of 3 samples: internal error: Boom: kaput" in err
    assert "1 of 3 arms failed: flaky-test keep 0.5" in err
    assert {r["method"] for r in json.loads(out)["rows"]} == {"none", "random"}


def test_ctrl_c_says_what_is_saved_and_how_to_resume(capsys, tiny_qwen25, local_data, tmp_path, failing_method):
    cls, seen = failing_method
    cls.error = KeyboardInterrupt
    cache = tmp_path / "r.jsonl"
    code, _, err = compare(capsys, tiny_qwen25, local_data, "--methods", "none,flaky-test", "--keep", "0.5",
                           "-o", str(cache))  # fmt: skip
    assert code == 130
    assert f"4 finished sample results (of 6 asked for) are saved in {cache}" in err
    assert "resume with: hawk compare --model" in err and "--methods none,flaky-test" in err
    seen.clear()
    seen.extend([1] * 10)  # no more failures: the resumed run computes only the two missing samples
    code, out, _ = compare(capsys, tiny_qwen25, local_data, "--methods", "none,flaky-test", "--keep", "0.5",
                           "-o", str(cache), "-f", "json")  # fmt: skip
    assert code == 0 and len(cache.read_text().splitlines()) == 6
    assert len(seen) == 10 + 1 + 2  # warm-up + the two samples that were missing


def test_memory_is_not_a_zero_on_cpu(capsys, tiny_qwen25, local_data, tmp_path):
    code, out, _ = compare(capsys, tiny_qwen25, local_data, "--methods", "none", "-o", str(tmp_path / "r.jsonl"))
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("│ none "))
    assert row.rstrip().rstrip("│").rstrip().endswith("—")
    assert "mem MB — : not measured" in out
    code, out, _ = compare(capsys, tiny_qwen25, local_data, "--methods", "none", "-o", str(tmp_path / "r.jsonl"),
                           "-f", "json")  # fmt: skip
    assert json.loads(out)["rows"][0]["memory_mb"] is None


def test_method_options_reach_the_arm_and_are_validated(capsys, tiny_qwen25, local_data, tmp_path):
    code, out, _ = compare(capsys, tiny_qwen25, local_data, "--methods", "idsel", "--keep", "0.5",
                           "-O", "idsel.gamma=5", "-f", "json", "-o", str(tmp_path / "r.jsonl"))  # fmt: skip
    assert code == 0
    assert {json.loads(x)["options"]["gamma"] for x in (tmp_path / "r.jsonl").read_text().splitlines()} == {5.0}
    for option, message in (("gamma=abc", "expected float"), ("nope=1", "has an option 'nope'"),
                            ("random.gamma=1", "not among"), ("gamma", "expected key=value")):  # fmt: skip
        code, _, err = compare(capsys, tiny_qwen25, local_data, "--methods", "idsel", "-O", option)
        assert code == 2 and message in err and err.count("\n") == 1, err


def test_a_changed_method_does_not_reuse_cached_results(monkeypatch):
    from hawkcli.evaluate import Arm
    from hawkcli.methods.registry import method_class

    before = Arm("random", 0.5).key("m#1", "s1")
    monkeypatch.setattr(method_class("random"), "revision", method_class("random").revision + 1)
    assert Arm("random", 0.5).key("m#1", "s1") != before


def test_compare_on_a_non_qwen_family(capsys, family_checkpoints, local_data, tmp_path):
    llava = family_checkpoints("llava")
    code, out, err = compare(capsys, llava, local_data, "--methods", "none,dart,cdpruner,vispruner,idsel", "--keep",
                             "0.5", "-O", "dart.layer=2", "-f", "json", "-o", str(tmp_path / "r.jsonl"))  # fmt: skip
    assert code == 0, err
    rows = {(r["method"], r["keep"]): r for r in json.loads(out)["rows"]}
    assert set(rows) == {("none", 1.0), ("dart", 0.5), ("cdpruner", 0.5), ("vispruner", 0.5), ("idsel", 0.5)}
    assert rows[("dart", 0.5)]["kept_tokens"] == rows[("cdpruner", 0.5)]["kept_tokens"] == 8  # of 16
    records = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert all(r["vision_flops"] > 0 for r in records)  # CLIP tower + projector modelled


def test_another_profile_is_another_arm():
    from hawkcli.evaluate import Arm
    from hawkcli.profiles import Profile

    one, two = Profile([[0.5, 0.5]]), Profile([[0.9, 0.1]])
    assert Arm("hawk", 0.5, profile=one).key("m", "s") != Arm("hawk", 0.5, profile=two).key("m", "s")
    assert Arm("hawk", 0.5, profile=one).key("m", "s") == Arm("hawk", 0.5, profile=Profile([[0.5, 0.5]])).key("m", "s")


def test_default_methods_skip_what_the_family_cannot_run(capsys, family_checkpoints, local_data, tmp_path):
    gemma = family_checkpoints("gemma3")
    code = main(["compare", "--model", str(gemma), "--data", str(local_data), "-n", "1", "--keep", "0.5",
                 "--max-new-tokens", "1", "-f", "json", "-o", str(tmp_path / "r.jsonl")])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "skipping fastv, dart, vispruner, idsel: not supported on Gemma 3" in err
    assert "skipping hawk: no shipped head-importance profile" in err
    assert "skipping evs, vidcom2: they compare video frames" in err
    assert {r["method"] for r in json.loads(out)["rows"]} == {"none", "uniform", "divprune", "cdpruner", "random"}
