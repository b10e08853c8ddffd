"""Where questions come from: one image, a folder of images, or JSONL records (file or stdin)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hawkcli.errors import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


@dataclass
class Item:
    """One question about one image; `error` set when the record itself was unusable."""

    id: str
    question: str = ""
    image: str | bytes | None = None  # a path, or raw bytes (stdin)
    base_dir: Path | None = None  # relative image paths in JSONL resolve against the JSONL's folder
    error: str | None = None


def single(image: str, question: str, item_id: str | None = None) -> Item:
    if image == "-":
        data = sys.stdin.buffer.read()
        if not data:
            raise InputError("--image -: nothing on standard input")
        return Item(item_id or "stdin", question, data)
    return Item(item_id or Path(image).name, question, image)


def folder(directory: str, question: str) -> Iterator[Item]:
    root = Path(directory)
    if not root.is_dir():
        raise InputError(f"--images {directory}: not a folder")
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"--images {directory}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
    for path in files:
        yield Item(path.name, question, str(path))


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
        image, question = record.get("image"), record.get("question")
        if not isinstance(image, str) or not image:
            yield Item(item_id, error=f"line {number}: missing 'image'")
        elif not isinstance(question, str) or not question.strip():
            yield Item(item_id, error=f"line {number}: missing or empty 'question'")
        else:
            yield Item(item_id, question, image, base)


def load_image(item: Item) -> Any:
    """The item's image as RGB PIL, or an `InputError` naming what is wrong."""
    from PIL import Image, UnidentifiedImageError

    try:
        if isinstance(item.image, bytes):
            image = Image.open(io.BytesIO(item.image))
        else:
            path = Path(item.image or "")
            if item.base_dir is not None and not path.is_absolute():
                path = item.base_dir / path
            if not path.is_file():
                raise InputError(f"{item.image}: no such file")
            image = Image.open(path)
        image.load()
        return to_rgb(image)
    except UnidentifiedImageError as err:
        raise InputError(f"{_label(item)}: not an image file") from err
    except OSError as err:
        raise InputError(f"{_label(item)}: unreadable image ({err})") from err


def to_rgb(image: Any) -> Any:
    """RGB as an image viewer shows it: transparency composited onto white, not onto black."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return image.convert("RGB")


def _label(item: Item) -> str:
    return "stdin" if isinstance(item.image, bytes) else str(item.image)
