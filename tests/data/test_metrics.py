import pytest

from hawkcli.data.metrics import anls, exact_match, option_letter, relaxed_accuracy, vqa_accuracy, vqa_normalize


def test_relaxed_accuracy_five_percent():
    assert relaxed_accuracy("104", ["100"]) == 1.0
    assert relaxed_accuracy("105", ["100"]) == 1.0
    assert relaxed_accuracy("105.1", ["100"]) == 0.0
    assert relaxed_accuracy("12%", ["12"]) == 1.0
    assert relaxed_accuracy("Yes", ["yes"]) == 1.0
    assert relaxed_accuracy("0", ["0"]) == 1.0 and relaxed_accuracy("0.01", ["0"]) == 0.0


def test_vqa_normaliser():
    assert vqa_normalize("Two dogs.") == "2 dogs"
    assert vqa_normalize("the Cat") == "cat"
    assert vqa_normalize("dont") == "don't"
    assert vqa_normalize("1,000") == "1000"


def test_vqa_accuracy_official_subsets():
    # 3 of 10 annotators agree: each 9-subset holds 2 or 3 matches → (7*1 + 3*(2/3)) / 10
    answers = ["red"] * 3 + ["blue"] * 7
    assert vqa_accuracy("red", answers) == pytest.approx((7 * 1 + 3 * (2 / 3)) / 10)
    assert vqa_accuracy("Blue.", answers) == 1.0
    assert vqa_accuracy("green", answers) == 0.0


def test_anls_threshold():
    assert anls("hello", ["hello"]) == 1.0
    assert anls("hellx", ["hello"]) == pytest.approx(0.8)
    assert anls("abcde", ["vwxyz"]) == 0.0  # distance ≥ τ
    assert anls("HELLO ", ["nope", "hello"]) == 1.0


def test_exact_match_and_option_letter():
    assert exact_match("Red.", ["red"]) == 1.0
    assert exact_match("reddish", ["red"]) == 0.0
    assert option_letter("The answer is (B).", ["B"]) == 1.0
    assert option_letter("C", ["B"]) == 0.0
