"""Multiple-choice prompts exactly as lmms-eval 0.7.3 writes them (default model prompts), with the answer
turned into the option letter its scorer compares against.

- videomme (`tasks/videomme/utils.py::videomme_doc_to_text`): the option instruction, the question,
  the options (already "A. …"), then the default post prompt, which starts with a newline (so a blank
  line precedes it). The answer column is already a letter.
- mvbench (`tasks/mvbench/utils.py`): "Question:" (no space) + question + "\\nOption:\\n" + "(A) cand\\n"
  per candidate + "Only give the best option.\\n"; the answer column holds the correct candidate's text,
  scored as the letter of the first candidate equal to it.
"""

from __future__ import annotations

import string
from typing import Any

VIDEOMME_INSTRUCTION = (
    "Select the best answer to the following multiple-choice question based on the video and the subtitles. "
    "Respond with only the letter (A, B, C, or D) of the correct option."
)
VIDEOMME_POST = "\nAnswer with the option's letter from the given choices directly."
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
    return f"{VIDEOMME_INSTRUCTION}\n{question}\n{VIDEOMME_POST}", [str(row["answer"])]


def mvbench(row: dict[str, Any]) -> tuple[str, list[str]]:
    letters = string.ascii_uppercase
    options = "".join(f"({letter}) {cand}\n" for letter, cand in zip(letters, row["candidates"], strict=False))
    answer = next(letters[i] for i, cand in enumerate(row["candidates"]) if cand == row["answer"])
    return "Question:" + row["question"] + "\nOption:\n" + options + MVBENCH_POST, [answer]


BUILDERS = {"videomme": videomme, "mvbench": mvbench}
