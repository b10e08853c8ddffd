"""Known calibration / evaluation datasets: where they live, which columns hold what, how to score them."""

from __future__ import annotations

from dataclasses import dataclass, field

SHORT_ANSWER = "Answer the question using a single word or phrase."


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    hub_ids: tuple[str, ...] = ()  # tried in order (older lmms-lab ids first, then newer mirrors)
    config: str | None = None
    split: str = "test"
    columns: dict[str, str] = field(default_factory=dict)  # our name (image/question/answer) → column
    prompt_suffix: str = SHORT_ANSWER
    metric: str = "exact_match"


SPECS: dict[str, DatasetSpec] = {
    s.name: s
    for s in [
        DatasetSpec(
            "chartqa", ("lmms-lab/ChartQA", "lmms-lab-encoder/ChartQA"), split="test", metric="relaxed_accuracy"
        ),
        DatasetSpec(
            "textvqa",
            ("lmms-lab/textvqa", "lmms-lab-encoder/textvqa"),
            split="validation",
            columns={"answer": "answers"},
            metric="vqa_accuracy",
        ),
        DatasetSpec(
            "docvqa",
            ("lmms-lab/DocVQA", "lmms-lab-encoder/DocVQA"),
            config="DocVQA",
            split="validation",
            columns={"answer": "answers"},
            metric="anls",
        ),
        DatasetSpec("gqa", ("lmms-lab/GQA", "lmms-lab-encoder/GQA"), split="testdev", metric="exact_match"),
        DatasetSpec("pope", ("lmms-lab/POPE", "lmms-lab-encoder/POPE"), split="test", prompt_suffix=""),
        DatasetSpec(
            "mme",
            ("lmms-lab/MME", "lmms-lab-encoder/MME"),
            split="test",
            prompt_suffix="Please answer yes or no.",
        ),
        DatasetSpec(
            "scienceqa",
            ("lmms-lab/ScienceQA", "lmms-lab-encoder/ScienceQA"),
            config="ScienceQA-IMG",
            split="test",
            prompt_suffix="Answer with the option's letter from the given choices directly.",
            metric="option_letter",
        ),
        DatasetSpec("realworldqa", ("lmms-lab/RealWorldQA", "lmms-lab-encoder/RealWorldQA"), split="test"),
        # Generated locally by hawkcli.data.synth; questions already ask for one word.
        DatasetSpec("synth", split="calib", prompt_suffix=""),
        DatasetSpec("synth-full", split="calib", prompt_suffix=""),
        # Generated clips (hawkcli.data.synth_video): a moving object's colour and direction.
        DatasetSpec("synth-video", split="test", prompt_suffix=""),
    ]
}

COLUMN_CANDIDATES = {
    "image": ("image", "img", "image_path", "images"),
    "question": ("question", "query", "prompt", "text"),
    "answer": ("answer", "answers", "label", "ground_truth", "gt_answer"),
    "id": ("id", "question_id", "qid", "sample_id"),
}
