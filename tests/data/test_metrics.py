"""Each scorer on hand-made cases, the expected values worked out from lmms-eval 0.7.3's own code.

tests/data/test_metrics_lmms.py runs the same cases through lmms-eval itself where it is installed.
"""

import pytest

from hawkcli.data import aggregates
from hawkcli.data.metrics import (
    anls,
    choice_letter,
    exact_match,
    mme_yes_no,
    mvbench,
    pope,
    realworldqa,
    relaxed_accuracy,
    scienceqa,
    videomme,
    vqa_accuracy,
    vqa_normalize,
)


def test_relaxed_accuracy_is_chartqas_relaxed_correctness():
    assert relaxed_accuracy("104", ["100"]) == 1.0
    assert relaxed_accuracy("105", ["100"]) == 1.0  # exactly 5 %
    assert relaxed_accuracy("105.1", ["100"]) == 0.0
    assert relaxed_accuracy("12%", ["12"]) == 0.0  # "12%" is 0.12
    assert relaxed_accuracy("12%", ["0.12"]) == 1.0
    assert relaxed_accuracy("Yes", ["yes"]) == 1.0
    assert relaxed_accuracy("0", ["0"]) == 1.0 and relaxed_accuracy("0.0", ["0"]) == 0.0  # zero target: as text
    assert relaxed_accuracy("1,000", ["1000"]) == 0.0  # no comma handling


def test_vqa_normaliser_is_the_evalai_processor():
    assert vqa_normalize("Two dogs.") == "2 dogs"
    assert vqa_normalize("the Cat") == "cat"
    assert vqa_normalize("dont") == "don't"
    assert vqa_normalize("1,000") == "1000"
    assert vqa_normalize("yes!") == "yes"
    assert vqa_normalize("mans") == "mans" and vqa_normalize("man's") == "man 's"


def test_vqa_accuracy_official_subsets():
    # 3 of 10 annotators agree: each 9-subset holds 2 or 3 matches → (7*1 + 3*(2/3)) / 10
    answers = ["red"] * 3 + ["blue"] * 7
    assert vqa_accuracy("red", answers) == pytest.approx((7 * 1 + 3 * (2 / 3)) / 10)
    assert vqa_accuracy("Blue.", answers) == 1.0
    assert vqa_accuracy("green", answers) == 0.0
    # One match: 9 subsets hold it (1/3 each), the subset without it 0 → 0.3
    assert vqa_accuracy("green", ["green"] + ["blue"] * 9) == pytest.approx(0.3)


def test_anls_divides_by_raw_lengths():
    assert anls("hello", ["  hello  "]) == 1.0
    assert anls("hellx", ["hello"]) == pytest.approx(0.8)
    assert anls("abcdef", ["abcdefgh"]) == pytest.approx(1 - 2 / 8)
    assert anls("abc", ["abcdefgh"]) == 0.0  # 1 - 5/8 is below τ = 0.5
    assert anls("abcde", ["vwxyz"]) == 0.0  # below τ = 0.5
    # "a  b" normalises to "a b" (distance 1 to "ab") but the denominator is its raw length 4
    assert anls("ab", ["a  b"]) == pytest.approx(0.75)
    assert anls("HELLO", ["nope", "hello"]) == 1.0


def test_exact_match_ignores_case_and_punctuation_only():
    assert exact_match("Red.", ["red"]) == 1.0
    assert exact_match("re-d", ["red"]) == 1.0
    assert exact_match("red  car", ["red car"]) == 0.0  # whitespace is not collapsed
    assert exact_match("reddish", ["red"]) == 0.0


def test_pope_wants_an_exact_yes_or_no():
    assert pope("yes", ["yes"]) == 1.0 and pope("No", ["no"]) == 1.0
    assert pope("Yes.", ["yes"]) == 0.0 and pope("yes, there is", ["yes"]) == 0.0


def test_mme_reads_yes_no_from_the_first_four_characters():
    assert mme_yes_no("Yes, it is", ["Yes"]) == 1.0
    assert mme_yes_no("y", ["Yes"]) == 1.0 and mme_yes_no("n", ["No"]) == 1.0
    assert mme_yes_no("Nope", ["No"]) == 1.0
    assert mme_yes_no("I think yes", ["Yes"]) == 0.0  # "other"


def test_scienceqa_takes_the_letter_or_letter_dot():
    assert scienceqa("B", ["B"]) == 1.0 and scienceqa("b", ["B"]) == 1.0
    assert scienceqa("B. a cat", ["B"]) == 1.0
    assert scienceqa("(B)", ["B"]) == 0.0
    assert scienceqa("The answer is B", ["B"]) == 0.0
    assert scienceqa("b. a cat", ["B"]) == 0.0


def test_choice_letter_ranks_forms():
    assert choice_letter("The answer is C.") == "C"
    assert choice_letter("(B)") == "B"
    assert choice_letter("I think it is B or maybe A", "ABCD") == "A"  # ends with a standalone A
    assert choice_letter("") == "" and choice_letter("none of them", "ABCD") == ""


def test_realworldqa_letters_and_open_answers():
    assert realworldqa("The answer is C.", ["C"]) == 1.0
    assert realworldqa("3.", ["3"]) == 1.0
    assert realworldqa("Downhill", ["downhill"]) == 1.0 and realworldqa("uphill", ["Downhill"]) == 0.0


def test_videomme_and_mvbench():
    assert videomme("B.", ["B"]) == 1.0 and videomme("C", ["B"]) == 0.0
    assert mvbench("(B) left to right", ["B"]) == 1.0
    assert mvbench("B. left to right", ["B"]) == 1.0
    assert mvbench("a dog", ["B"]) == 0.0  # a lone "a" reads as option A


def _records(pairs, **extra):
    return [{"answer": a, "references": [g], "score": float(a == g), **extra} for a, g in pairs]


def test_pope_aggregate_counts_only_exact_no_as_negative():
    records = _records([("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "no"), ("maybe", "yes")])
    out = aggregates.pope(records)
    assert out["pope_accuracy"] == pytest.approx(2 / 5)
    assert out["pope_precision"] == pytest.approx(1 / 2)  # TP 1, FP 1
    assert out["pope_recall"] == pytest.approx(1 / 2)  # TP 1, FN 1 ("maybe" is no negative)
    assert out["pope_f1_score"] == pytest.approx(1 / 2)
    assert out["pope_yes_ratio"] == pytest.approx(3 / 5)  # of the references


def test_mme_aggregate_is_acc_plus_acc_plus_per_category():
    rows = [
        ("color", "img1", 1.0), ("color", "img1", 1.0),  # acc 100 + acc+ 100
        ("color", "img2", 1.0), ("color", "img2", 0.0),  # acc 50 + acc+ 0
        ("code_reasoning", "c1", 0.0), ("code_reasoning", "c1", 0.0),
    ]  # fmt: skip
    records = [{"task": t, "group": g, "score": s} for t, g, s in rows]
    assert aggregates.mme(records) == {"mme_perception_score": 125.0, "mme_cognition_score": 0.0}


def test_chartqa_and_mvbench_aggregates():
    records = [
        {"task": "human_test", "score": 1.0, "answer": "1"},
        {"task": "augmented_test", "score": 0.0, "answer": "2"},
        {"task": "augmented_test", "score": 1.0, "answer": "3"},
    ]
    assert aggregates.chartqa(records) == pytest.approx(
        {"relaxed_overall": 2 / 3, "relaxed_human_split": 1.0, "relaxed_augmented_split": 0.5}
    )
    records.append({"score": 0.0, "answer": ""})  # unanswered: not in MVBench's denominator
    assert aggregates.mvbench(records)["mvbench_accuracy"] == pytest.approx(100 * 2 / 3)
