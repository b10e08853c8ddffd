"""Known calibration / evaluation datasets, each laid out as the lmms-eval 0.7.3 task it reproduces.

A spec says where the rows live (hub ids tried in order, config, split, revision), which builder of
`hawkcli.data.prompts` makes (prompt, references) from a row, which `hawkcli.data.metrics` scorer scores
an answer and which `hawkcli.data.aggregates` function makes the benchmark's numbers. lmms-eval moved
its datasets from `lmms-lab/` to `lmms-lab-encoder/` (images) and `lmms-eval/` (videos); the schemas are
the same, so both are accepted, the new one first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageJoin:
    """Images kept in another config of the same repository, joined on an id (GQA)."""

    config: str
    split: str
    key: str  # the question rows' column holding the image id
    id_column: str = "id"  # the image rows' column it matches


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    hub_ids: tuple[str, ...] = ()  # tried in order
    config: str | None = None
    split: str = "test"
    prompt: str | None = None  # a builder in hawkcli.data.prompts; None: the question column as written
    metric: str = "exact_match"  # a scorer in hawkcli.data.metrics
    aggregate: str = "exact_match"  # a function in hawkcli.data.aggregates
    task_column: str | None = None  # a row's label (category, question type, clip length) for per-task numbers
    group_column: str | None = None  # rows sampled and scored together (MME: both questions of an image)
    images: ImageJoin | None = None
    max_new_tokens: int | None = None  # the task's generation budget (None: the caller's default)
    until: tuple[str, ...] = ("\n\n",)  # an answer ends before the first of these (lmms-eval's default)
    lmms_task: str = ""  # the lmms-eval task whose files this spec was checked against
    # Video benchmarks: where lmms-eval keeps each row's clip, a path under $HF_HOME with {column}
    # fields (and {folder}, MVBench's folder per subtask); the first suffix that exists wins.
    video_path: str | None = None
    video_suffixes: tuple[str, ...] = ("",)
    revision: str | None = None  # hub branch of the dataset repository
    configs_by_name: bool = False  # `name:X` picks config X (one per subtask) instead of split X


def _lmms(name: str) -> tuple[str, ...]:
    return (f"lmms-lab-encoder/{name}", f"lmms-lab/{name}")


SPECS: dict[str, DatasetSpec] = {
    s.name: s
    for s in [
        DatasetSpec(
            "chartqa",
            _lmms("ChartQA"),
            prompt="chartqa",
            metric="relaxed_accuracy",
            aggregate="chartqa",
            task_column="type",
            max_new_tokens=16,
            lmms_task="chartqa/chartqa.yaml",
        ),
        # textvqa sets no max_new_tokens (the model's own default applies there); 16 fits its short answers.
        DatasetSpec(
            "textvqa",
            _lmms("textvqa"),
            split="validation",
            prompt="textvqa",
            metric="vqa_accuracy",
            aggregate="textvqa",
            until=("ASSISTANT:",),
            lmms_task="textvqa/textvqa_val.yaml",
        ),
        DatasetSpec(
            "docvqa",
            _lmms("DocVQA"),
            config="DocVQA",
            split="validation",
            prompt="docvqa",
            metric="anls",
            aggregate="docvqa",
            max_new_tokens=32,
            lmms_task="docvqa/docvqa_val.yaml",
        ),
        DatasetSpec(
            "gqa",
            _lmms("GQA"),
            config="testdev_balanced_instructions",
            split="testdev",
            prompt="gqa",
            images=ImageJoin("testdev_balanced_images", "testdev", key="imageId"),
            max_new_tokens=16,
            lmms_task="gqa/gqa.yaml",
        ),
        DatasetSpec(
            "pope",
            _lmms("POPE"),
            prompt="pope",
            metric="pope",
            aggregate="pope",
            task_column="category",
            max_new_tokens=128,
            lmms_task="pope/pope.yaml",
        ),
        DatasetSpec(
            "mme",
            _lmms("MME"),
            prompt="mme",
            metric="mme_yes_no",
            aggregate="mme",
            task_column="category",
            group_column="question_id",
            max_new_tokens=16,
            lmms_task="mme/mme.yaml",
        ),
        # lmms-eval's `scienceqa_img` (the IMG config: every row has an image). Its `scienceqa` task reads
        # ScienceQA-FULL, whose text-only rows leave visual-token pruning nothing to prune.
        DatasetSpec(
            "scienceqa",
            _lmms("ScienceQA"),
            config="ScienceQA-IMG",
            prompt="scienceqa",
            metric="scienceqa",
            aggregate="exact_match",
            task_column="subject",
            max_new_tokens=16,
            lmms_task="scienceqa/scienceqa_img.yaml",
        ),
        DatasetSpec(
            "realworldqa",
            _lmms("RealWorldQA"),
            prompt="realworldqa",
            metric="realworldqa",
            max_new_tokens=16,
            lmms_task="realworldqa/realworldqa.yaml",
        ),
        # Generated locally by hawkcli.data.synth; questions already ask for one word.
        DatasetSpec("synth", split="calib"),
        DatasetSpec("synth-full", split="calib"),
        # hawkcli.data.scenes: free pictures of any size (training distribution), the held-out
        # "user-like" set and the cluttered hard set.
        DatasetSpec("synth-scenes", split="test"),
        DatasetSpec("synth-user", split="test"),
        DatasetSpec("synth-hard", split="test"),
        # lmms-eval's `videomme` task: clips extracted to $HF_HOME/videomme/data/<videoID>.mp4 (.MP4, .mkv).
        DatasetSpec(
            "videomme",
            ("lmms-eval/Video-MME", "lmms-lab/Video-MME"),
            prompt="videomme",
            metric="videomme",
            aggregate="videomme",
            task_column="duration",
            max_new_tokens=16,
            lmms_task="videomme/videomme.yaml",
            video_path="videomme/data/{videoID}",
            video_suffixes=(".mp4", ".MP4", ".mkv"),
        ),
        # lmms-eval's `mvbench_<subtask>` tasks (one config per subtask, split train, revision "video"):
        # clips under $HF_HOME/mvbench_video/<the subtask's folder>/<video>. `mvbench:<subtask>` picks one.
        DatasetSpec(
            "mvbench",
            ("OpenGVLab/MVBench",),
            config="action_sequence",
            split="train",
            prompt="mvbench",
            metric="mvbench",
            aggregate="mvbench",
            max_new_tokens=16,
            lmms_task="mvbench/mvbench_<subtask>.yaml",
            video_path="mvbench_video/{folder}/{video}",
            revision="video",
            configs_by_name=True,
        ),
        # Generated clips (hawkcli.data.synth_video): a moving object's colour and direction.
        DatasetSpec("synth-video", split="test"),
    ]
}

COLUMN_CANDIDATES = {
    "image": ("image", "img", "image_path", "images"),
    "question": ("question", "query", "prompt", "text"),
    "answer": ("answer", "answers", "label", "ground_truth", "gt_answer"),
    "id": ("id", "question_id", "qid", "sample_id", "questionId"),
}
