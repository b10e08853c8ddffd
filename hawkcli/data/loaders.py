"""Load calibration / evaluation examples from a named spec, the synthetic generator or a local path.

Local forms: a `save_to_disk` folder, a parquet / JSONL / JSON file with image, question and answer
columns (image as a path, bytes, `{"bytes", "path"}` or PIL), or a folder with `data.jsonl` beside
its images (what `hawk data export` writes). Everything tabular goes through 🤗 datasets.
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hawkcli.data.specs import COLUMN_CANDIDATES, SPECS, DatasetSpec
from hawkcli.errors import HawkError, InputError, first_line


@dataclass
class Example:
    id: str
    image: Any  # PIL image (None for a video-only example)
    question: str
    answers: list[str]
    task: str = ""  # the row's label (category, question type): per-task accuracy and benchmark numbers
    videos: list[Any] = field(default_factory=list)  # `hawkcli.video.Video`s or clip paths, shown after the image
    group: str = ""  # rows scored together (MME: the two questions about one image)

    def read_videos(self, processor: Any) -> Any:
        """The example's image and videos, every clip path read as the model's family samples it."""
        from hawkcli.video import Sampling, read_video
        from hawkcli.visuals import Visuals

        videos = [read_video(v, Sampling(), processor) if isinstance(v, (str, Path)) else v for v in self.videos]
        return Visuals([self.image] if self.image is not None else [], videos)


@dataclass
class LoadedDataset:
    name: str  # how the user named it, e.g. "chartqa:test" or a path
    spec: DatasetSpec
    split: str
    examples: list[Example] = field(default_factory=list)


def parse_source(source: str) -> tuple[str, str | None]:
    """`name:split` → (name, split); paths are returned whole."""
    if Path(source).exists():
        return source, None
    name, sep, split = source.partition(":")
    return (name, split or None) if sep else (source, None)


def choose_indices(total: int, samples: int, seed: int) -> list[int]:
    """A seeded, sorted subset: the same (total, samples, seed) always picks the same rows."""
    if samples <= 0 or samples >= total:
        return list(range(total))
    return sorted(random.Random(seed).sample(range(total), samples))


def load(source: str, samples: int = 256, seed: int = 0) -> LoadedDataset:
    from hawkcli.data import scenes, synth, synth_video

    name, split = parse_source(source)
    if name in synth.DATASETS:
        return _synth(source, name, split or SPECS[name].split, samples, seed)
    if name in scenes.DATASETS:
        return _scenes(source, name, split or SPECS[name].split, samples, seed)
    if name == synth_video.NAME:
        return _synth_video(source, split or SPECS[name].split, samples, seed)
    if name in SPECS:
        return _hub(source, SPECS[name], split, samples, seed)
    path = Path(name)
    if path.exists():
        return _local(source, path, split, samples, seed)
    known = ", ".join(sorted(SPECS))
    raise InputError(f"unknown dataset {source!r}: not a path and not one of {known}")


def _synth(source: str, name: str, split: str, samples: int, seed: int) -> LoadedDataset:
    from hawkcli.data import synth

    if split not in synth.SPLIT_SEEDS:
        raise InputError(f"{name} has no split {split!r} (splits: {', '.join(synth.SPLIT_SEEDS)})")
    n = samples if samples > 0 else 256
    examples = []
    for i in range(n):
        s = synth.sample(split, i, seed=seed, tasks=synth.DATASETS[name])
        examples.append(Example(s.id, s.image, s.question, [s.answer], s.task))
    return LoadedDataset(source, SPECS[name], split, examples)


def _scenes(source: str, name: str, split: str, samples: int, seed: int) -> LoadedDataset:
    from hawkcli.data import scenes

    splits = scenes.DATASETS[name]
    if split not in splits:
        raise InputError(f"{name} has no split {split!r} (splits: {', '.join(splits)})")
    examples = []
    for i in range(samples if samples > 0 else 256):
        s = scenes.sample(splits[split], i, seed=seed)
        examples.append(Example(s.id, s.image, s.question, [s.answer], s.task))
    return LoadedDataset(source, SPECS[name], split, examples)


def _synth_video(source: str, split: str, samples: int, seed: int) -> LoadedDataset:
    from hawkcli.data import synth_video

    if split not in synth_video.SPLIT_SEEDS:
        raise InputError(f"{synth_video.NAME} has no split {split!r} (splits: {', '.join(synth_video.SPLIT_SEEDS)})")
    examples = []
    for i in range(samples if samples > 0 else 64):
        s = synth_video.sample(split, i, seed)
        examples.append(Example(s.id, None, s.question, [s.answer], s.task, videos=[s.video]))
    return LoadedDataset(source, SPECS[synth_video.NAME], split, examples)


def _quiet_datasets() -> Any:
    import datasets

    # Per-split "Generating…" bars are noise for a CLI; HAWK_DEBUG=1 brings them back.
    if os.environ.get("HAWK_DEBUG") != "1":
        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
    return datasets


def _hub(source: str, spec: DatasetSpec, split: str | None, samples: int, seed: int) -> LoadedDataset:
    datasets = _quiet_datasets()
    _offline_if_unreachable(datasets)

    config = spec.config
    if spec.configs_by_name and split:
        config, split = split, None
        spec = dataclasses.replace(spec, config=config)
    split = split or spec.split
    errors = []
    for hub_id in spec.hub_ids:
        try:
            ds, where = _load_hub(datasets, hub_id, config, split, spec.revision)
        except Exception as err:  # datasets raises many types (network, missing split, auth, not cached)
            errors.append(f"{hub_id}: {first_line(err)}")
            continue
        images = _joined_images(datasets, where, spec, source)
        return LoadedDataset(source, spec, split, _examples(ds, spec, samples, seed, None, source, images))
    raise HawkError(f"cannot load dataset {source!r} ({'; '.join(errors)})")


def _offline_if_unreachable(datasets: Any) -> None:
    """Without a network `datasets` retries every hub call for ~25 s; ask once and read the caches instead."""
    from hawkcli.models import hub

    if hub.offline() or datasets.config.HF_HUB_OFFLINE:
        datasets.config.HF_HUB_OFFLINE = True  # HF_HUB_OFFLINE set after `datasets` was imported
        return
    if not hub.reachable():
        import sys

        sys.stderr.write(f"hawk: the hub ({hub.endpoint()}) is unreachable; reading datasets from the local caches\n")
        hub.go_offline()


def _load_hub(datasets: Any, hub_id: str, config: str | None, split: str, revision: str | None) -> tuple[Any, str]:
    """A hub dataset, and the path its other configs load from. Offline, datasets 5.x reads only what an
    earlier `load_dataset` prepared (under $HF_HOME/datasets); a repository that was only downloaded
    (`hf download --repo-type dataset`, `snapshot_download`) sits in the hub cache, and is read from there."""
    try:
        return datasets.load_dataset(hub_id, config, split=split, revision=revision), hub_id
    except Exception as err:
        if not datasets.config.HF_HUB_OFFLINE:
            raise
        folder = _snapshot(hub_id, revision)
        if folder is None:
            if isinstance(err, ConnectionError):  # what datasets raises offline for a repository it never prepared
                raise HawkError(
                    f"offline, and neither {datasets.config.HF_DATASETS_CACHE} nor the hub cache holds it"
                ) from err
            raise
        return datasets.load_dataset(folder, config, split=split), folder


def _snapshot(hub_id: str, revision: str | None) -> str | None:
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(hub_id, repo_type="dataset", revision=revision, local_files_only=True)
    except Exception:  # not in the hub cache (LocalEntryNotFoundError and kin)
        return None


def _joined_images(datasets: Any, where: str, spec: DatasetSpec, source: str) -> Any:
    """GQA-style image rows from their own config, looked up by id (`None` when the spec has no join)."""
    join = spec.images
    if join is None:
        return None
    try:
        images = datasets.load_dataset(where, join.config, split=join.split, revision=spec.revision)
    except Exception as err:
        raise HawkError(f"cannot load the images of {source!r} ({where} {join.config}: {first_line(err)})") from err
    # Only the id column is read here; an image is decoded when its question is chosen.
    index = {str(image_id): i for i, image_id in enumerate(images[join.id_column])}
    return lambda image_id: images[index[str(image_id)]]["image"] if str(image_id) in index else None


def _local(source: str, path: Path, split: str | None, samples: int, seed: int) -> LoadedDataset:
    datasets = _quiet_datasets()

    spec = DatasetSpec(source)  # local questions are used exactly as written
    base = path if path.is_dir() else path.parent
    try:
        if path.is_dir() and (path / "data.jsonl").is_file():
            ds = datasets.load_dataset("json", data_files=str(path / "data.jsonl"), split="train")
        elif path.is_dir():
            ds = datasets.load_from_disk(str(path))
            if isinstance(ds, datasets.DatasetDict):
                if split is None:
                    split = next(iter(ds))
                if split not in ds:
                    raise InputError(f"{source}: no split {split!r} (splits: {', '.join(ds)})")
                ds = ds[split]
        elif path.suffix == ".parquet":
            ds = datasets.load_dataset("parquet", data_files=str(path), split="train")
        elif path.suffix in {".jsonl", ".json"}:
            ds = datasets.load_dataset("json", data_files=str(path), split="train")
        else:
            raise InputError(f"{source}: expected a dataset folder, .parquet, .jsonl or .json file")
    except (InputError, HawkError):
        raise
    except Exception as err:
        raise HawkError(f"cannot read dataset {source}: {first_line(err)}") from err
    return LoadedDataset(source, spec, split or "train", _examples(ds, spec, samples, seed, base, source))


def _column(ds: Any, role: str, source: str, required: bool = True) -> str | None:
    for candidate in COLUMN_CANDIDATES[role]:
        if candidate in ds.column_names:
            return candidate
    if required:
        raise InputError(f"dataset {source} has no {role} column (columns: {', '.join(ds.column_names)})")
    return None


def _image(value: Any, base: Path | None, source: str) -> Any:
    from PIL import Image

    try:
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = value.get("bytes") or value.get("path")
        if isinstance(value, (bytes, bytearray)):
            image = Image.open(io.BytesIO(value))
        elif isinstance(value, str):
            path = Path(value)
            if base is not None and not path.is_absolute():
                path = base / path
            image = Image.open(path)
        elif hasattr(value, "convert"):
            image = value
        else:
            raise InputError(f"dataset {source}: unsupported image value {type(value).__name__}")
        from hawkcli.inputs import to_rgb

        return to_rgb(image)
    except OSError as err:
        raise InputError(f"dataset {source}: unreadable image ({err})") from err


def _answers(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _video_benchmark_rows(ds: Any, spec: DatasetSpec, samples: int, seed: int, source: str) -> list[Example]:
    """Rows of a video benchmark: the clip found under $HF_HOME as lmms-eval lays it out, its prompt and answer."""
    from hawkcli.data.prompts import BUILDERS, MVBENCH_FOLDERS

    home = Path(os.path.expanduser(os.environ.get("HF_HOME", "~/.cache/huggingface")))
    subtask = spec.config
    examples = []
    for i in choose_indices(len(ds), samples, seed):
        row = ds[i]
        stem = home / spec.video_path.format(**{**row, "folder": MVBENCH_FOLDERS.get(subtask or "", "")})
        candidates = [stem.with_name(stem.name + suffix) for suffix in spec.video_suffixes]
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            raise InputError(f"dataset {source}: clip {candidates[0]} not found (lmms-eval's layout under $HF_HOME)")
        question, answers = BUILDERS[spec.prompt](row)
        row_id = str(row.get("question_id") or f"{subtask}-{i}")
        task = str(row.get(spec.task_column or "") or subtask or "")
        examples.append(Example(row_id, None, question, answers, task, [str(path)]))
    return examples


def _examples(
    ds: Any, spec: DatasetSpec, samples: int, seed: int, base: Path | None, source: str, images: Any = None
) -> list[Example]:
    if spec.video_path is not None:
        examples = _video_benchmark_rows(ds, spec, samples, seed, source)
    elif "video" in ds.column_names and not any(c in ds.column_names for c in COLUMN_CANDIDATES["image"]):
        examples = _local_video_rows(ds, spec, samples, seed, base, source)
    else:
        examples = _image_rows(ds, spec, samples, seed, base, source, images)
    if not examples:
        raise InputError(f"dataset {source} is empty")
    return examples


def choose_rows(ds: Any, spec: DatasetSpec, samples: int, seed: int) -> list[int]:
    """`choose_indices`, except that rows of one group (MME's image pairs) are chosen together: whole
    groups, seeded, until at least `samples` rows."""
    if spec.group_column is None or spec.group_column not in ds.column_names:
        return choose_indices(len(ds), samples, seed)
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(ds[spec.group_column]):
        groups.setdefault(str(key), []).append(i)
    order = list(groups.values())
    if 0 < samples < len(ds):
        random.Random(seed).shuffle(order)
    chosen: list[int] = []
    for rows in order:
        if 0 < samples <= len(chosen):
            break
        chosen += rows
    return sorted(chosen)


def _row_text(row: dict, spec: DatasetSpec, cols: dict[str, str | None]) -> tuple[str, list[str]]:
    if spec.prompt is not None:
        from hawkcli.data.prompts import BUILDERS

        return BUILDERS[spec.prompt](row)
    return str(row[cols["question"]]), _answers(row[cols["answer"]])


def _image_rows(
    ds: Any, spec: DatasetSpec, samples: int, seed: int, base: Path | None, source: str, images: Any = None
) -> list[Example]:
    import sys

    image_col = _column(ds, "image", source, required=images is None)
    cols = {role: None if spec.prompt else _column(ds, role, source) for role in ("question", "answer")}
    id_col = _column(ds, "id", source, required=False)
    task_col = (
        spec.task_column if spec.task_column in ds.column_names else ("task" if "task" in ds.column_names else None)
    )
    examples, imageless = [], 0
    # MME's question_id names the image, shared by its two questions: results are keyed by sample id.
    unique_ids = id_col is not None and len(set(ds[id_col])) == len(ds)
    for i in choose_rows(ds, spec, samples, seed):
        row = ds[i]
        value = images(row[spec.images.key]) if images is not None else row[image_col]
        if value is None:
            imageless += 1  # e.g. ScienceQA-FULL's text-only questions: no visual tokens to prune
            continue
        question, answers = _row_text(row, spec, cols)
        examples.append(
            Example(
                id=(str(row[id_col]) if unique_ids else f"{row[id_col]}#{i}") if id_col else str(i),
                image=_image(value, base, source),
                question=question,
                answers=answers,
                task=str(row[task_col]) if task_col else "",
                group=str(row[spec.group_column]) if spec.group_column else "",
            )
        )
    if imageless:
        sys.stderr.write(f"hawk: {source}: left out {imageless} chosen rows without an image (nothing to prune)\n")
    return examples


def _local_video_rows(
    ds: Any, spec: DatasetSpec, samples: int, seed: int, base: Path | None, source: str
) -> list[Example]:
    """A local video set: rows of {"video": clip file or frame folder (relative to the data), question, answer}."""
    cols = {role: _column(ds, role, source) for role in ("question", "answer")}
    id_col = _column(ds, "id", source, required=False)
    examples = []
    for i in choose_indices(len(ds), samples, seed):
        row = ds[i]
        path = Path(row["video"])
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.exists():
            raise InputError(f"dataset {source}: video {row['video']} not found")
        question = str(row[cols["question"]])
        row_id = str(row[id_col]) if id_col else str(i)
        examples.append(Example(row_id, None, question, _answers(row[cols["answer"]]), "", [str(path)]))
    return examples
