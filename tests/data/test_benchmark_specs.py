"""The image benchmarks read offline from a local hub cache with their real ids, configs, splits and columns
(tests/hub_cache.py), and turned into the prompts and references lmms-eval 0.7.3 builds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import datasets
import huggingface_hub
import pytest

from hawkcli.cli.app import main
from hawkcli.data import aggregates
from hawkcli.data.loaders import load
from hawkcli.data.metrics import METRICS
from hawkcli.data.specs import SPECS
from tests import hub_cache
from tests.hub_cache import BLUE, RED

SHORT = "\nAnswer the question using a single word or phrase."
LETTER = "\nAnswer with the option's letter from the given choices directly."

# name → [(prompt, references, task label)] in row order, written out by hand from lmms-eval's doc_to_text
EXPECTED = {
    "chartqa": [
        ("How many bars are red?\nAnswer the question with a single word.", ["2"], "human_test"),
        ("What is the value of 2019?\nAnswer the question with a single word.", ["45%"], "augmented_test"),
        ("Which colour is the largest?\nAnswer the question with a single word.", ["Red"], "augmented_test"),
    ],
    "textvqa": [
        ("What is the brand of this camera?" + SHORT, ["nous les gosses"] * 3 + ["dakota"] * 7, ""),
        ("What colour is it?" + SHORT, ["blue"] * 10, ""),
    ],
    "docvqa": [
        ("What is the ‘actual’ value per 1000, during the year 1975?" + SHORT, ["0.28"], ""),
        ("What is the name of the company?" + SHORT, ["itc limited", "ITC Limited"], ""),
    ],
    "gqa": [("Is the sky red?" + SHORT, ["yes"], ""), ("What colour is the sky?" + SHORT, ["blue"], "")],
    "pope": [
        ("Is there a snowboard in the image?" + SHORT, ["yes"], "adversarial"),
        ("Is there a dog in the image?" + SHORT, ["no"], "adversarial"),
        ("Is there a car in the image?" + SHORT, ["yes"], "random"),
    ],
    "mme": [
        ("Is a c++ code shown in the picture?" + SHORT, ["Yes"], "code_reasoning"),
        ("Is a python code shown in the picture?" + SHORT, ["No"], "code_reasoning"),
        ("Is there a blue wall in the image?" + SHORT, ["Yes"], "color"),
        ("Is there a red wall in the image?" + SHORT, ["No"], "color"),
    ],
    "scienceqa": [
        (
            "Which of these states is farthest north?\nA. West Virginia\nB. Louisiana\nC. Arizona\nD. Oklahoma"
            + LETTER,
            ["A"],
            "social science",
        ),
        (
            "Context: Bald eagles eat fish, mammals, and other birds.\nWhich animal's feet are also adapted for "
            "grabbing prey?\nA. osprey\nB. Eurasian lynx" + LETTER,
            ["B"],
            "natural science",
        ),
    ],
    "realworldqa": [
        (
            "In which direction is the front wheel of the car on the right side facing?\nA. Left\nB. Straight\n"
            "C. Right\nPlease answer directly with only the letter of the correct option and nothing else.",
            ["C"],
            "",
        ),
        ("How many pedestrians are there?\nPlease answer directly with a single word or number.", ["2"], ""),
    ],
}


@pytest.fixture
def hub_home(tmp_path, monkeypatch):
    """An HF_HOME with nothing in it yet, read offline: datasets and huggingface_hub were imported before
    this test set HF_HOME, so their cache paths are pointed at it as a fresh process would set them."""
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "datasets")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    return tmp_path


WRITERS = {"prepared": hub_cache.write_prepared, "downloaded": hub_cache.write_downloaded}


@pytest.mark.parametrize("layout", sorted(WRITERS))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_benchmark_rows_become_lmms_eval_prompts(hub_home, name, layout):
    WRITERS[layout](hub_home, name)
    loaded = load(name, samples=0)
    got = [(e.question, e.answers, e.task) for e in loaded.examples]
    assert got == EXPECTED[name]
    assert loaded.split == SPECS[name].split
    assert all(e.image.mode == "RGB" and e.image.size == (56, 42) for e in loaded.examples)


def test_gqa_joins_its_images_config_by_image_id(hub_home):
    hub_cache.write_downloaded(hub_home, "gqa")
    first, second = load("gqa", samples=0).examples
    assert (first.id, first.image.getpixel((0, 0))) == ("20968379", RED)  # imageId n288870
    assert (second.id, second.image.getpixel((0, 0))) == ("20968380", BLUE)


def test_mme_samples_whole_image_pairs(hub_home):
    hub_cache.write_prepared(hub_home, "mme")
    for seed in range(4):
        examples = load("mme", samples=2, seed=seed).examples
        assert len(examples) == 2 and examples[0].group == examples[1].group != ""


def test_rows_without_an_image_are_left_out_and_named(hub_home, capsys):
    import dataclasses

    from hawkcli.data.loaders import _hub

    hub_cache.write_prepared(hub_home, "scienceqa")
    full = dataclasses.replace(SPECS["scienceqa"], config="ScienceQA-FULL")
    (only,) = _hub("scienceqa", full, None, 0, 0).examples
    assert only.answers == ["A"] and only.question.startswith("Which of these states")
    assert "left out 1 chosen rows without an image" in capsys.readouterr().err


def test_the_older_lmms_lab_ids_are_accepted(hub_home, monkeypatch):
    repo_id, _ = hub_cache.BENCHMARKS["pope"]
    monkeypatch.setitem(hub_cache.BENCHMARKS, "pope", ("lmms-lab/POPE", hub_cache.BENCHMARKS["pope"][1]))
    hub_cache.write_prepared(hub_home, "pope")
    assert [e.answers for e in load("pope", samples=0).examples] == [["yes"], ["no"], ["yes"]]


def test_a_dataset_in_neither_cache_is_one_line(hub_home, capsys):
    assert main(["compare", "--data", "chartqa", "--samples", "2", "--methods", "none", "--keep", "1.0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("hawk: error: cannot load dataset 'chartqa' (lmms-lab-encoder/ChartQA: offline")


def _compare(capsys, tmp_path, name: str) -> tuple[list[dict], dict]:
    out = tmp_path / f"{name}.jsonl"
    args = ["compare", "--data", name, "--samples", "10", "--methods", "none", "--keep", "1.0", "--format", "json"]
    assert main([*args, "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    return records, row


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_compare_reports_the_benchmarks_numbers(hub_home, tmp_path, capsys, name):
    hub_cache.write_prepared(hub_home, name)
    records, row = _compare(capsys, tmp_path, name)
    assert [r["question"] for r in records] == [q for q, _, _ in EXPECTED[name]]
    for r in records:
        assert r["score"] == METRICS[SPECS[name].metric](r["answer"], r["references"])
    scores = [r["score"] for r in records]
    assert row["accuracy"] == pytest.approx(sum(scores) / len(scores))
    answers = [r["answer"].lower() for r in records]
    if name == "pope":  # by hand: yes is the positive class; references yes, no, yes
        tp = sum(a == "yes" for a, g in zip(answers, ["yes", "no", "yes"], strict=True) if g == "yes")
        fp = int(answers[1] == "yes")
        fn = sum(a == "no" for a, g in zip(answers, ["yes", "no", "yes"], strict=True) if g == "yes")
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        assert row["metrics"]["pope_precision"] == pytest.approx(precision)
        assert row["metrics"]["pope_recall"] == pytest.approx(recall)
        assert row["metrics"]["pope_yes_ratio"] == pytest.approx(2 / 3)
    if name == "mme":  # two images, one per category: acc + acc+ each
        for key, pair in (("mme_cognition_score", scores[:2]), ("mme_perception_score", scores[2:])):
            assert row["metrics"][key] == pytest.approx(100 * sum(pair) / 2 + 100 * (sum(pair) == 2))
    if name == "chartqa":
        assert row["metrics"]["relaxed_human_split"] == scores[0]
        assert row["metrics"]["relaxed_augmented_split"] == pytest.approx((scores[1] + scores[2]) / 2)
    if name in ("textvqa", "docvqa", "gqa", "scienceqa", "realworldqa"):  # one number: the mean score
        assert list(row["metrics"].values()) == [pytest.approx(row["accuracy"])]
    assert row["metrics"] == aggregates.aggregate(SPECS[name].aggregate, records)


@pytest.mark.parametrize(("name", "layout"), [("docvqa", "downloaded"), ("gqa", "prepared")])
def test_profile_calibrates_on_a_cached_benchmark(hub_home, tmp_path, name, layout):
    from hawkcli import profiles

    WRITERS[layout](hub_home, name)
    out = tmp_path / f"{name}-profile.safetensors"
    assert main(["profile", "--calib", name, "--samples", "2", "-o", str(out)]) == 0
    meta = profiles.load(str(out)).metadata
    assert meta["hawk.calib.datasets"] == name and meta["hawk.calib.splits"] == SPECS[name].split
    assert meta["hawk.calib.samples"] == "2" and meta["hawk.calib.prompts"] == name


def test_a_cluster_user_reads_the_hub_cache_with_hf_hub_offline(tmp_path):
    """As on a node without a network: HF_HOME and HF_HUB_OFFLINE=1 in the environment, a fresh process."""
    hub_cache.write_downloaded(tmp_path, "gqa")
    env = {**os.environ, "HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "HAWK_CACHE_DIR": str(tmp_path / "hawk")}
    env.pop("HF_DATASETS_OFFLINE", None)
    args = ["compare", "--data", "gqa:testdev", "--samples", "2", "--methods", "none", "--keep", "1.0", "-f", "json"]
    done = subprocess.run(
        [sys.executable, "-m", "hawkcli.cli.app", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["rows"]
    assert row["samples"] == 2 and set(row["metrics"]) == {"exact_match"}
