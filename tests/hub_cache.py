"""Benchmark datasets as a cluster's local Hugging Face caches hold them, with their real ids and schemas.

Two layouts, both under one HF_HOME:
- `prepared`: what `datasets.load_dataset` leaves under $HF_HOME/datasets after a first, online load
  (Arrow files + dataset_info.json per config). datasets 5.x reads only this with HF_HUB_OFFLINE=1.
- `downloaded`: what `hf download --repo-type dataset` / `snapshot_download` leaves under $HF_HOME/hub
  (refs/<revision>, snapshots/<commit>/ with parquet files and a README whose `configs:` names them).

Repository ids, config and split names, column names and feature types are those of the repositories
lmms-eval 0.7.3's task files read (and their dataset cards); the rows are made up, with tiny images.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import datasets
from datasets import Features, Image, List, Value
from datasets.arrow_writer import ArrowWriter
from datasets.naming import camelcase_to_snakecase
from PIL import Image as PILImage

S = Value("string")


def picture(colour: tuple[int, int, int], size: tuple[int, int] = (56, 42)) -> Any:
    return PILImage.new("RGB", size, colour)


RED, BLUE = (220, 30, 30), (30, 30, 220)

# dataset name → (repo id, {config: {split: (features, rows)}})
BENCHMARKS: dict[str, tuple[str, dict[str, dict[str, tuple[Features, list[dict]]]]]] = {
    "chartqa": (
        "lmms-lab-encoder/ChartQA",
        {"default": {"test": (
            Features({"type": S, "question": S, "answer": S, "image": Image()}),
            [
                {"type": "human_test", "question": "How many bars are red?", "answer": "2", "image": picture(RED)},
                {"type": "augmented_test", "question": "What is the value of 2019?", "answer": "45%", "image": picture(BLUE)},
                {"type": "augmented_test", "question": "Which colour is the largest?", "answer": "Red", "image": picture(RED)},
            ],
        )}},
    ),
    "textvqa": (
        "lmms-lab-encoder/textvqa",
        {"default": {"validation": (
            Features({
                "image_id": S, "question_id": Value("int32"), "question": S, "question_tokens": List(S),
                "image": Image(), "image_width": Value("int32"), "image_height": Value("int32"),
                "flickr_original_url": S, "flickr_300k_url": S, "answers": List(S), "image_classes": List(S),
                "set_name": S, "ocr_tokens": List(S),
            }),
            [
                {"image_id": "003a8ae2ef43b901", "question_id": 34602, "question": "what is the brand of this CAMERA?",
                 "question_tokens": ["what", "is", "the", "brand"], "image": picture(RED), "image_width": 56,
                 "image_height": 42, "flickr_original_url": "", "flickr_300k_url": "",
                 "answers": ["nous les gosses"] * 3 + ["dakota"] * 7, "image_classes": ["Camera"],
                 "set_name": "val", "ocr_tokens": ["DAKOTA"]},
                {"image_id": "0054c91397f2fe05", "question_id": 34603, "question": "what colour is it?",
                 "question_tokens": ["what", "colour"], "image": picture(BLUE), "image_width": 56, "image_height": 42,
                 "flickr_original_url": "", "flickr_300k_url": "", "answers": ["blue"] * 10, "image_classes": [],
                 "set_name": "val", "ocr_tokens": []},
            ],
        )}},
    ),
    "docvqa": (
        "lmms-lab-encoder/DocVQA",
        {"DocVQA": {"validation": (
            Features({
                "questionId": S, "question": S, "question_types": List(S), "image": Image(), "docId": Value("int64"),
                "ucsf_document_id": S, "ucsf_document_page_no": S, "answers": List(S), "data_split": S,
            }),
            [
                {"questionId": "49153", "question": "What is the ‘actual’ value per 1000, during the year 1975?",
                 "question_types": ["figure/diagram"], "image": picture(RED), "docId": 14465, "ucsf_document_id": "pybv0228",
                 "ucsf_document_page_no": "81", "answers": ["0.28"], "data_split": "val"},
                {"questionId": "24580", "question": "What is the name of the company?", "question_types": ["layout"],
                 "image": picture(BLUE), "docId": 4, "ucsf_document_id": "ffbf0023", "ucsf_document_page_no": "4",
                 "answers": ["itc limited", "ITC Limited"], "data_split": "val"},
            ],
        )}},
    ),
    "gqa": (
        "lmms-lab-encoder/GQA",
        {
            "testdev_balanced_instructions": {"testdev": (
                Features({"id": S, "imageId": S, "question": S, "answer": S, "fullAnswer": S, "isBalanced": Value("bool")}),
                [
                    {"id": "20968379", "imageId": "n288870", "question": "Is the sky red?", "answer": "yes",
                     "fullAnswer": "Yes, the sky is red.", "isBalanced": True},
                    {"id": "20968380", "imageId": "n161313", "question": "What colour is the sky?", "answer": "blue",
                     "fullAnswer": "The sky is blue.", "isBalanced": True},
                ],
            )},
            "testdev_balanced_images": {"testdev": (
                Features({"id": S, "image": Image()}),
                [{"id": "n161313", "image": picture(BLUE)}, {"id": "n288870", "image": picture(RED)}],
            )},
        },
    ),
    "pope": (
        "lmms-lab-encoder/POPE",
        {"default": {"test": (
            Features({"id": S, "question_id": S, "question": S, "answer": S, "image_source": S, "image": Image(), "category": S}),
            [
                {"id": "0", "question_id": "1", "question": " Is there a snowboard in the image? ", "answer": "yes",
                 "image_source": "COCO_val2014_000000310196", "image": picture(RED), "category": "adversarial"},
                {"id": "1", "question_id": "2", "question": "Is there a dog in the image?", "answer": "no",
                 "image_source": "COCO_val2014_000000310196", "image": picture(RED), "category": "adversarial"},
                {"id": "2", "question_id": "3", "question": "Is there a car in the image?", "answer": "yes",
                 "image_source": "COCO_val2014_000000210789", "image": picture(BLUE), "category": "random"},
            ],
        )}},
    ),
    "mme": (
        "lmms-lab-encoder/MME",
        {"default": {"test": (
            Features({"question_id": S, "image": Image(), "question": S, "answer": S, "category": S}),
            [
                {"question_id": "code_reasoning/0020.png", "image": picture(RED),
                 "question": "Is a c++ code shown in the picture? Please answer yes or no.", "answer": "Yes",
                 "category": "code_reasoning"},
                {"question_id": "code_reasoning/0020.png", "image": picture(RED),
                 "question": "Is a python code shown in the picture? Please answer yes or no.", "answer": "No",
                 "category": "code_reasoning"},
                {"question_id": "color/000000028993.jpg", "image": picture(BLUE),
                 "question": "Is there a blue wall in the image? Please answer yes or no.", "answer": "Yes",
                 "category": "color"},
                {"question_id": "color/000000028993.jpg", "image": picture(BLUE),
                 "question": "Is there a red wall in the image? Please answer yes or no.", "answer": "No",
                 "category": "color"},
            ],
        )}},
    ),
    "scienceqa": (
        "lmms-lab-encoder/ScienceQA",
        {
            name: {"test": (
                Features({
                    "image": Image(), "question": S, "choices": List(S), "answer": Value("int8"), "hint": S, "task": S,
                    "grade": S, "subject": S, "topic": S, "category": S, "skill": S, "lecture": S, "solution": S,
                }),
                rows,
            )}
            for name, rows in {
                "ScienceQA-IMG": [
                    {"image": picture(BLUE), "question": "Which of these states is farthest north?",
                     "choices": ["West Virginia", "Louisiana", "Arizona", "Oklahoma"], "answer": 0, "hint": "",
                     "task": "closed choice", "grade": "grade2", "subject": "social science", "topic": "geography",
                     "category": "Geography", "skill": "Read a map: cardinal directions", "lecture": "", "solution": ""},
                    {"image": picture(RED), "question": "Which animal's feet are also adapted for grabbing prey?",
                     "choices": ["osprey", "Eurasian lynx"], "answer": 1,
                     "hint": "Bald eagles eat fish, mammals, and other birds.", "task": "closed choice",
                     "grade": "grade4", "subject": "natural science", "topic": "biology", "category": "Adaptations",
                     "skill": "Animal adaptations", "lecture": "", "solution": ""},
                ],
                "ScienceQA-FULL": [
                    {"image": None, "question": "Which word would you find on a dictionary page?",
                     "choices": ["leg", "rug"], "answer": 0, "hint": "", "task": "closed choice", "grade": "grade3",
                     "subject": "language science", "topic": "reference-skills", "category": "Reference skills",
                     "skill": "Use guide words", "lecture": "", "solution": ""},
                    {"image": picture(BLUE), "question": "Which of these states is farthest north?",
                     "choices": ["West Virginia", "Louisiana"], "answer": 0, "hint": "", "task": "closed choice",
                     "grade": "grade2", "subject": "social science", "topic": "geography", "category": "Geography",
                     "skill": "Read a map", "lecture": "", "solution": ""},
                ],
            }.items()
        },
    ),
    "realworldqa": (
        "lmms-lab-encoder/RealWorldQA",
        {"default": {"test": (
            Features({"image": Image(), "question": S, "answer": S}),
            [
                {"image": picture(RED), "answer": "C", "question": "In which direction is the front wheel of the car "
                 "on the right side facing?\nA. Left\nB. Straight\nC. Right\nPlease answer directly with only the "
                 "letter of the correct option and nothing else."},
                {"image": picture(BLUE), "answer": "2", "question": "How many pedestrians are there?\nPlease answer "
                 "directly with a single word or number."},
            ],
        )}},
    ),
}  # fmt: skip


def _commit(repo_id: str, revision: str) -> str:
    return hashlib.sha1(f"{repo_id}@{revision}".encode()).hexdigest()


def tables(name: str) -> tuple[str, dict[str, dict[str, datasets.Dataset]]]:
    repo_id, configs = BENCHMARKS[name]
    built = {
        config: {
            split: datasets.Dataset.from_list(rows, features=features) for split, (features, rows) in splits.items()
        }
        for config, splits in configs.items()
    }
    return repo_id, built


def write_prepared(hf_home: Path, name: str, revision: str = "main") -> str:
    """The dataset as an earlier `load_dataset` prepared it under $HF_HOME/datasets; returns the repo id."""
    repo_id, configs = tables(name)
    org, repo = repo_id.split("/")
    snake = camelcase_to_snakecase(repo)
    version_dir = _commit(repo_id, revision)[:16]
    for config, splits in configs.items():
        folder = hf_home / "datasets" / f"{org}___{snake}" / config / "0.0.0" / version_dir
        folder.mkdir(parents=True, exist_ok=True)
        infos = datasets.SplitDict(dataset_name=snake)
        for split, table in splits.items():
            with ArrowWriter(features=table.features, path=str(folder / f"{snake}-{split}.arrow")) as writer:
                writer.write_table(table.data.table)
                count, size = writer.finalize()
            infos.add(datasets.SplitInfo(name=split, num_examples=count, num_bytes=size, dataset_name=snake))
        first = next(iter(splits.values()))
        datasets.DatasetInfo(
            features=first.features,
            builder_name="parquet",
            dataset_name=snake,
            config_name=config,
            version="0.0.0",
            splits=infos,
        ).write_to_directory(str(folder))
    return repo_id


def write_downloaded(hf_home: Path, name: str, revision: str = "main") -> str:
    """The repository as `snapshot_download` leaves it under $HF_HOME/hub; returns the repo id."""
    repo_id, configs = tables(name)
    org, repo = repo_id.split("/")
    root = hf_home / "hub" / f"datasets--{org}--{repo}"
    commit = _commit(repo_id, revision)
    snapshot = root / "snapshots" / commit
    card = ["---", "configs:"]
    for config, splits in configs.items():
        card += [f"- config_name: {config}", "  data_files:"]
        folder = "data" if config == "default" else config
        for split, table in splits.items():
            (snapshot / folder).mkdir(parents=True, exist_ok=True)
            table.to_parquet(str(snapshot / folder / f"{split}-00000-of-00001.parquet"))
            card += [f"  - split: {split}", f"    path: {folder}/{split}-*"]
    (snapshot / "README.md").write_text("\n".join([*card, "---", ""]))
    (root / "refs").mkdir(parents=True, exist_ok=True)
    (root / "refs" / revision).write_text(commit)
    return repo_id
