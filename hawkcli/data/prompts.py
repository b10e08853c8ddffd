"""Prompts and targets exactly as lmms-eval 0.7.3 builds them (its default model prompts): `doc_to_text`
and `doc_to_target` of each task, one builder per benchmark, `(row) -> (prompt, references)`.

- chartqa: question + "\\nAnswer the question with a single word."
- textvqa: `question.capitalize()` (the rest lower-cased, as str.capitalize does) + the short-answer
  post prompt; the ten `answers`.
- docvqa, gqa: question + short-answer post prompt; docvqa's `answers` list, gqa's `answer`.
- pope: `question.strip()` + short-answer post prompt.
- mme: `question.strip()` without " Please answer yes or no." + short-answer post prompt.
- scienceqa: "Context: {hint}\\n" (only with a hint) + question + "\\nA. …\\nB. …" + the letter
  instruction; the integer answer becomes its letter.
- realworldqa: the question as stored (it carries its options and instruction), stripped.
- videomme: the option instruction, the question, the options (already "A. …"), then the default post
  prompt, which starts with a newline (so a blank line precedes it). The answer column is already a letter.
- mvbench: "Question:" (no space) + question + "\\nOption:\\n" + "(A) cand\\n" per candidate + "Only give
  the best option.\\n"; the answer column holds the correct candidate's text, scored as its letter.
"""

from __future__ import annotations

import string
from typing import Any

SHORT_ANSWER = "\nAnswer the question using a single word or phrase."
SINGLE_WORD = "\nAnswer the question with a single word."
LETTER = "\nAnswer with the option's letter from the given choices directly."
MME_SUFFIX = " Please answer yes or no."

VIDEOMME_INSTRUCTION = (
    "Select the best answer to the following multiple-choice question based on the video and the subtitles. "
    "Respond with only the letter (A, B, C, or D) of the correct option."
)
MVBENCH_POST = "Only give the best option.\n"

# lmms-eval's mvbench DATA_LIST: the folder under $HF_HOME/mvbench_video holding each subtask's clips.
MVBENCH_FOLDERS = {
    **dict.fromkeys(("object_interaction", "action_sequence", "action_prediction"), "star/Charades_segment"),
    "action_localization": "sta/sta_video_segment",
    **dict.fromkeys(
        ("moving_count", "moving_direction", "moving_attribute", "counterfactual_inference", "object_existence"),
        "clevrer/video_validation",
    ),
    "fine_grained_pose": "nturgbd_convert",
    **dict.fromkeys(("character_order", "object_shuffle", "state_change", "action_count"), "perception/videos"),
    "egocentric_navigation": "vlnqa",
    "episodic_reasoning": "tvqa/video_fps3_hq_segment",
    "fine_grained_action": "Moments_in_Time_Raw/videos",
    "scene_transition": "scene_qa/video",
    "action_antonym": "ssv2_video_mp4",
    "unexpected_action": "FunQA_test/test",
}


def videomme(row: dict[str, Any]) -> tuple[str, list[str]]:
    question = row["question"] + "\n" + "\n".join(row["options"])
    return f"{VIDEOMME_INSTRUCTION}\n{question}\n{LETTER}", [str(row["answer"])]


def mvbench(row: dict[str, Any]) -> tuple[str, list[str]]:
    letters = string.ascii_uppercase
    options = "".join(f"({letter}) {cand}\n" for letter, cand in zip(letters, row["candidates"], strict=False))
    answer = next(letters[i] for i, cand in enumerate(row["candidates"]) if cand == row["answer"])
    return "Question:" + row["question"] + "\nOption:\n" + options + MVBENCH_POST, [answer]


def chartqa(row: dict[str, Any]) -> tuple[str, list[str]]:
    return row["question"] + SINGLE_WORD, [str(row["answer"])]


def textvqa(row: dict[str, Any]) -> tuple[str, list[str]]:
    return row["question"].capitalize() + SHORT_ANSWER, [str(a) for a in row["answers"]]


def docvqa(row: dict[str, Any]) -> tuple[str, list[str]]:
    return row["question"] + SHORT_ANSWER, [str(a) for a in row["answers"]]


def gqa(row: dict[str, Any]) -> tuple[str, list[str]]:
    return row["question"] + SHORT_ANSWER, [str(row["answer"])]


def pope(row: dict[str, Any]) -> tuple[str, list[str]]:
    return row["question"].strip() + SHORT_ANSWER, [str(row["answer"])]


def mme(row: dict[str, Any]) -> tuple[str, list[str]]:
    return row["question"].strip().replace(MME_SUFFIX, "") + SHORT_ANSWER, [str(row["answer"])]


def scienceqa(row: dict[str, Any]) -> tuple[str, list[str]]:
    letters = [chr(ord("A") + i) for i in range(len(row["choices"]))]
    options = "\n".join(f"{letter}. {choice}" for letter, choice in zip(letters, row["choices"], strict=True))
    context = f"Context: {row['hint']}\n" if row["hint"] else ""
    return f"{context}{row['question']}\n{options}{LETTER}", [letters[int(row["answer"])]]


def realworldqa(row: dict[str, Any]) -> tuple[str, list[str]]:
    return row["question"].strip(), [str(row["answer"])]


BUILDERS = {
    "chartqa": chartqa,
    "textvqa": textvqa,
    "docvqa": docvqa,
    "gqa": gqa,
    "pope": pope,
    "mme": mme,
    "scienceqa": scienceqa,
    "realworldqa": realworldqa,
    "videomme": videomme,
    "mvbench": mvbench,
}
