"""hawk's scorers and aggregates give what lmms-eval 0.7.3's own code gives, case by case.

lmms-eval is installed (without its dependencies) by scripts/setup.sh; elsewhere these tests skip and
tests/data/test_metrics.py still checks the same rules against hand-computed values.
"""

from __future__ import annotations

import pytest

pytest.importorskip("lmms_eval")

from lmms_eval.api.metrics import anls as lmms_anls  # noqa: E402
from lmms_eval.api.metrics import exact_match_hf_evaluate  # noqa: E402
from lmms_eval.tasks._task_utils.mcq_extract import extract_mcq_answer  # noqa: E402
from lmms_eval.tasks.chartqa import utils as chartqa  # noqa: E402
from lmms_eval.tasks.mme import utils as mme  # noqa: E402
from lmms_eval.tasks.mvbench import utils as mvbench  # noqa: E402
from lmms_eval.tasks.pope import utils as pope  # noqa: E402
from lmms_eval.tasks.realworldqa import utils as realworldqa  # noqa: E402
from lmms_eval.tasks.scienceqa import utils as scienceqa  # noqa: E402
from lmms_eval.tasks.textvqa import utils as textvqa  # noqa: E402

from hawkcli.data import aggregates, metrics, prompts  # noqa: E402

PREDICTIONS = [
    "", "yes", "Yes.", "no", "No, it is not", "y", "n", "nope", "I think yes", "2", "two", "2.", "45%", "0.45",
    "1,000", "1000", "104", "105", "105.1", "0", "0.0", "Red", "red.", "the red one", "re-d", "A", "B", "b",
    "B. osprey", "(B)", "The answer is C.", "C", "D) none", "a dog", "(A) up", "E. left", "itc limited",
    "ITC  Limited", "itc", "don't know", "dont know", "man's hat", "Two dogs!", "3:30", "left to right",
    "Answer: B", "I choose D", "Option B is correct", "B, C",
]  # fmt: skip
TARGETS = ["yes", "no", "2", "45%", "0.45", "1000", "100", "0", "red", "Red", "A", "B", "C", "D", "itc limited"]


@pytest.mark.parametrize("target", TARGETS)
def test_open_answer_scorers(target):
    for pred in PREDICTIONS:
        assert metrics.relaxed_accuracy(pred, [target]) == float(chartqa.relaxed_correctness(pred, target)), pred
        assert metrics.anls(pred, [target]) == lmms_anls([target], [pred])["anls"], pred
        expected = exact_match_hf_evaluate([pred], [target], ignore_case=True, ignore_punctuation=True)
        assert metrics.exact_match(pred, [target]) == expected["exact_match"], pred
        assert (
            metrics.realworldqa(pred, [target])
            == realworldqa.realworldqa_process_results({"answer": target}, [pred])["exact_match"]
        ), pred


def test_textvqa_accuracy():
    answer_sets = [["red"] * 3 + ["blue"] * 7, ["2"] * 5 + ["two"] * 5, ["itc limited", "ITC Limited"] + ["itc"] * 8]
    for answers in answer_sets:
        for pred in PREDICTIONS:
            doc = {"answers": list(answers), "question_id": 1}
            expected = textvqa.textvqa_process_results(doc, [pred])["exact_match"]
            assert metrics.vqa_accuracy(pred, answers) == pytest.approx(expected), (pred, answers)


def test_yes_no_and_letter_scorers():
    for pred in PREDICTIONS:
        for gt in ("yes", "no"):
            doc = {"answer": gt, "question_id": "q"}
            assert metrics.pope(pred, [gt]) == pope.pope_process_results(doc, [pred])["pope_accuracy"]["score"]
            mme_doc = {"answer": gt.capitalize(), "category": "color", "question_id": "q"}
            expected = mme.mme_process_results(mme_doc, [pred])["mme_perception_score"]["score"]
            assert metrics.mme_yes_no(pred, [gt.capitalize()]) == expected, pred
        for index, letter in enumerate("ABCD"):
            doc = {"choices": ["w", "x", "y", "z"], "answer": index}
            assert metrics.scienceqa(pred, [letter]) == scienceqa.sqa_process_results(doc, [pred])["exact_match"]
            assert metrics.videomme(pred, [letter]) == float(extract_mcq_answer(pred, ["A", "B", "C", "D"]) == letter)
            assert metrics.choice_letter(pred, "ABCD") == extract_mcq_answer(pred, ["A", "B", "C", "D"]), pred
            assert metrics.mvbench(pred, [letter]) == mvbench.mcq_acc(letter, pred), pred


def test_prompts_match_doc_to_text():
    kwargs = {"pre_prompt": "", "post_prompt": "\nAnswer the question using a single word or phrase."}
    pope_doc = {"question": " Is there a dog? ", "answer": "no"}
    assert prompts.pope(pope_doc)[0] == pope.pope_doc_to_text(pope_doc, kwargs)
    mme_doc = {"question": "Is this red? Please answer yes or no.", "answer": "No"}
    assert prompts.mme(mme_doc)[0] == mme.mme_doc_to_text(mme_doc, kwargs)
    text_doc = {"question": "what is the BRAND?", "answers": ["x"] * 10}
    assert prompts.textvqa(text_doc)[0] == textvqa.textvqa_doc_to_text(text_doc, {**kwargs, "ocr": False})
    chart_doc = {"question": "How many?", "answer": "2"}
    chart_kwargs = {"pre_prompt": "", "post_prompt": "\nAnswer the question with a single word."}
    assert prompts.chartqa(chart_doc)[0] == chartqa.chartqa_doc_to_text(chart_doc, chart_kwargs)
    sqa_kwargs = {"format": "default", "pre_prompt": "", "post_prompt": prompts.LETTER}
    for hint in ("", "A hint."):
        doc = {"hint": hint, "question": "Which?", "choices": ["a", "b", "c"], "answer": 2}
        assert prompts.scienceqa(doc) == (
            scienceqa.sqa_doc_to_text(doc, sqa_kwargs),
            [scienceqa.sqa_doc_to_target(doc)],
        )
    rwq_doc = {
        "question": " Which way?\nA. Left\nB. Right\nPlease answer directly with only the letter. ",
        "answer": "A",
    }
    assert prompts.realworldqa(rwq_doc)[0] == realworldqa.realworldqa_doc_to_text(
        rwq_doc, {"pre_prompt": "", "post_prompt": ""}
    )
    mv_doc = {"question": "Which?", "candidates": ["up", "down"], "answer": "down"}
    assert prompts.mvbench(mv_doc)[0] == mvbench.mvbench_doc_to_text(mv_doc, {"post_prompt": prompts.MVBENCH_POST})


def test_aggregates_match():
    answers = ["yes", "no", "yes", "maybe", "no", "yes"]
    truths = ["yes", "yes", "no", "yes", "no", "no"]
    theirs = [pope.pope_process_results({"answer": g, "question_id": i}, [a])["pope_f1_score"]
              for i, (a, g) in enumerate(zip(answers, truths, strict=True))]  # fmt: skip
    ours = aggregates.pope(
        [{"answer": a, "references": [g], "score": float(a == g)} for a, g in zip(answers, truths, strict=True)]
    )
    assert ours["pope_accuracy"] == pope.pope_aggregate_accuracy(theirs)
    assert ours["pope_precision"] == pope.pope_aggregate_precision(theirs)
    assert ours["pope_recall"] == pope.pope_aggregate_recall(theirs)
    assert ours["pope_f1_score"] == pope.pope_aggregate_f1_score(theirs)
    assert ours["pope_yes_ratio"] == pope.pope_aggregate_yes_ratio(theirs)
    rows = [("color", "i1", 1.0), ("color", "i1", 1.0), ("color", "i2", 0.0), ("color", "i2", 1.0),
            ("OCR", "i3", 0.0), ("OCR", "i3", 0.0)]  # fmt: skip
    expected = mme.mme_aggregate_results([{"question_id": g, "category": t, "score": s} for t, g, s in rows])
    assert aggregates.mme([{"task": t, "group": g, "score": s} for t, g, s in rows]) == {
        "mme_perception_score": expected
    }
    records = [{"answer": a, "score": s} for a, s in (("A", 1), ("", 0), ("B", 0), ("C", 1))]
    theirs = [{"pred_answer": r["answer"], "score": r["score"]} for r in records]
    assert aggregates.mvbench(records)["mvbench_accuracy"] == mvbench.mvbench_aggregate_results(theirs)
