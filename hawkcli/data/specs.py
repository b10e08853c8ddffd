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
    # Video benchmarks: where lmms-eval keeps each row's clip, a path under $HF_HOME with {column}
    # fields (and {folder}, MVBench's folder per subtask); the first suffix that exists wins.
    video_path: str | None = None
    video_suffixes: tuple[str, ...] = ("",)
    prompt: str | None = None  # a builder in hawkcli.data.prompts for multiple-choice layouts
    revision: str | None = None  # hub branch of the dataset repository
    configs_by_name: bool = False  # `name:X` picks config X (one per subtask) instead of split X


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
        # lmms-eval's `videomme` task: clips extracted to $HF_HOME/videomme/data/<videoID>.mp4 (.MP4, .mkv).
        DatasetSpec(
            "videomme",
            ("lmms-eval/Video-MME", "lmms-lab/Video-MME"),
            split="test",
            prompt_suffix="",
            metric="option_letter",
            video_path="videomme/data/{videoID}",
            video_suffixes=(".mp4", ".MP4", ".mkv"),
            prompt="videomme",
        ),
        # lmms-eval's `mvbench_<subtask>` tasks (one config per subtask, split train, revision "video"):
        # clips under $HF_HOME/mvbench_video/<the subtask's folder>/<video>. `mvbench:<subtask>` picks one.
        DatasetSpec(
            "mvbench",
            ("OpenGVLab/MVBench",),
            config="action_sequence",
            split="train",
            prompt_suffix="",
            metric="option_letter",
            video_path="mvbench_video/{folder}/{video}",
            prompt="mvbench",
            revision="video",
            configs_by_name=True,
        ),
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
