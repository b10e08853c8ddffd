"""Where questions come from: images, videos, a folder of images, or JSONL records (file or stdin)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hawkcli.errors import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


@dataclass
class Item:
    """One question about one or more images and/or videos; `error` set when the record itself was unusable.

    The prompt shows the images first, then the videos, each in the order given, then the question."""

    id: str
    question: str = ""
    images: list[str | bytes] = field(default_factory=list)  # paths, or raw bytes (stdin)
    videos: list[str] = field(default_factory=list)  # clip files or frame folders
    base_dir: Path | None = None  # relative paths in JSONL resolve against the JSONL's folder
    error: str | None = None


def single(images: list[str], question: str, videos: list[str] | None = None, item_id: str | None = None) -> Item:
    """One item from `--image` (repeatable; `-` reads one image from stdin) and `--video` (repeatable)."""
    videos = list(videos or [])
    loaded: list[str | bytes] = []
    for image in images:
        if image == "-":
            data = sys.stdin.buffer.read()
            if not data:
                raise InputError("--image -: nothing on standard input")
            loaded.append(data)
        else:
            loaded.append(image)
    names = [Path(p).name if p != "-" else "stdin" for p in images] + [Path(v).name for v in videos]
    return Item(item_id or "+".join(names), question, loaded, videos)


def image_files(root: Path, suffixes: set[str] = IMAGE_SUFFIXES) -> list[Path]:
    """The image files directly in `root`, sorted by name."""
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


def folder(directory: str, question: str) -> Iterator[Item]:
    root = Path(directory)
    if not root.is_dir():
        raise InputError(f"--images {directory}: not a folder")
    files = image_files(root)
    if not files:
        raise InputError(f"--images {directory}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
    for path in files:
        yield Item(path.name, question, [str(path)])


def jsonl(source: str) -> Iterator[Item]:
    """Items from a JSONL file or `-`; a malformed line becomes an error item, not a crash.

    The file is checked now (not when iteration starts) so a wrong path fails before any model loads.
    """
    if source == "-":
        return _records(sys.stdin, Path.cwd())
    path = Path(source)
    if not path.is_file():
        raise InputError(f"--input {source}: no such file")
    return _read_file(path)


def _read_file(path: Path) -> Iterator[Item]:
    with path.open(encoding="utf-8") as stream:
        yield from _records(stream, path.resolve().parent)


def _paths(record: dict, one: str, many: str) -> list[str] | str:
    """`record[one]` (a path) or `record[many]` (a list of paths) as a list; a message when malformed."""
    if one in record and many in record:
        return f"give '{one}' or '{many}', not both"
    value = record.get(many, [record[one]] if one in record else [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return f"'{many if many in record else one}' must be a path or a list of paths"
    return value


def _records(stream: Any, base: Path) -> Iterator[Item]:
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
        except ValueError as err:
            yield Item(f"line-{number}", error=f"line {number}: invalid JSON ({err})")
            continue
        item_id = str(record.get("id", f"line-{number}"))
        images, videos = _paths(record, "image", "images"), _paths(record, "video", "videos")
        question = record.get("question")
        problem = next((p for p in (images, videos) if isinstance(p, str)), None)
        if problem is None and not images and not videos:
            problem = "missing 'image' (or 'images', 'video', 'videos')"
        if problem is None and (not isinstance(question, str) or not question.strip()):
            problem = "missing or empty 'question'"
        if problem is not None:
            yield Item(item_id, error=f"line {number}: {problem}")
        else:
            yield Item(item_id, question, list(images), list(videos), base)


def resolve(item: Item, path: str) -> Path:
    resolved = Path(path)
    if item.base_dir is not None and not resolved.is_absolute():
        resolved = item.base_dir / resolved
    return resolved


def open_rgb(source: Path | bytes, label: str) -> Any:
    """An image file or bytes as RGB PIL, or an `InputError` naming `label` and what is wrong."""
    from PIL import Image, UnidentifiedImageError

    try:
        if isinstance(source, bytes):
            image = Image.open(io.BytesIO(source))
        else:
            if not source.is_file():
                raise InputError(f"{label}: no such file")
            image = Image.open(source)
        image.load()
        return to_rgb(image)
    except UnidentifiedImageError as err:
        raise InputError(f"{label}: not an image file") from err
    except OSError as err:
        raise InputError(f"{label}: unreadable image ({err})") from err


def load_images(item: Item) -> list[Any]:
    """The item's images as RGB PIL, or an `InputError` naming what is wrong."""
    return [
        open_rgb(image if isinstance(image, bytes) else resolve(item, image), _label(image)) for image in item.images
    ]


def to_rgb(image: Any) -> Any:
    """RGB as an image viewer shows it: transparency composited onto white, not onto black."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return image.convert("RGB")


def _label(image: str | bytes) -> str:
    return "stdin" if isinstance(image, bytes) else str(image)
