"""`hawk run`: answer image and video questions while keeping only the top fraction of visual tokens."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import typer

from hawkcli.cli.common import METHOD_OPTION_HELP, OFFLINE_HELP, flag
from hawkcli.errors import EXIT_CODES_HELP, EXIT_OK, EXIT_PARTIAL, InputError

HELP = (
    """Answer questions about images and videos, keeping only the top --keep fraction of visual tokens.

[bold]Examples[/bold]

  hawk run --image x.png --question "what colour is the circle ?"

  hawk run --image a.png --image b.png --question "What differs between the two pictures?"

  hawk run --model qwen2.5-vl-7b --video clip.mp4 --fps 1 --question "What happens?" --keep 0.1

  hawk run --video frames/ --frames 16 --question "..." --method evs     # a folder of frames, sorted

  hawk run --image x.png --question "..." --keep 0.1 --method uniform --format json

  hawk run --model qwen2.5-vl-7b --images shots/ --question "What is shown?" --batch-size 8 > out.jsonl

  cat q.jsonl | hawk run --input - --keep 0.2      # lines of {"id", "image", "question"}
                                                   # ("images": [...], "video", "videos": [...] too)

  convert photo.jpg png:- | hawk run --image - --question "How many people?"

  hawk run --image x.png --question "..." --method fastv --method-option layer=3

--keep applies to all visual tokens of a prompt together (every image and frame competes); with
--per-frame it applies to each image and each video temporal step on its own (same total up to
rounding). Video needs PyAV (pip install 'hawk[video]') unless it is a folder of frames.

Output (--format): text, the answer, on a terminal; jsonl, one JSON record per line and per input, in
order, when piped; json, one JSON document (an object for one input, an array for several).
Failed items get {"id", "error"} records and a count on stderr.
"""
    + EXIT_CODES_HELP
)

MODEL_HELP = "Model: hawk-demo (default; $HAWK_MODEL), an alias such as qwen2.5-vl-7b, a local folder, or a hub id."


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _keep_value(keep: float | None, prune: float | None) -> float:
    if keep is not None and prune is not None:
        raise InputError("pass --keep or --prune, not both")
    value = 1.0 - prune if prune is not None else (0.2 if keep is None else keep)
    if not 0.0 < value <= 1.0:
        raise InputError(f"--keep must be in (0, 1], got {value:g}" + (" (from --prune)" if prune is not None else ""))
    return value


def _items(
    image: list[str], video: list[str], images: str | None, input_: str | None, question: str | None
) -> tuple[Any, bool]:
    from hawkcli import inputs

    sources = [s for s in (image or video or None, images, input_) if s is not None]
    if len(sources) != 1:
        raise InputError("give --image / --video (each repeatable), or --images, or --input")
    if input_ is not None:
        if question is not None:
            raise InputError("--question does not apply to --input (each JSONL record has its own)")
        return inputs.jsonl(input_), True
    if question is None or not question.strip():
        raise InputError("--question must not be empty")
    if image or video:
        if image.count("-") > 1:
            raise InputError("--image -: standard input holds one image")
        for path in image:
            if path != "-" and Path(path).is_dir():
                raise InputError(
                    f"--image {path} is a folder; use --images {path} to ask about every image in it, "
                    f"or --video {path} if it holds the frames of one clip"
                )
            if path != "-" and not Path(path).is_file():
                raise InputError(f"--image {path}: no such file")
        from hawkcli.video import VideoSource

        for path in video:
            VideoSource(path)  # opened now, before any model loads: a bad clip is a one-line exit 2
        return [inputs.single(image, question, video)], False
    return inputs.folder(images, question), True


def run(
    image: list[str] = typer.Option(
        None, "--image", "-i", help="Image file, or - to read it from stdin; repeat for several images in one prompt."
    ),
    video: list[str] = typer.Option(
        None, "--video", help="Video file (needs hawk[video]) or folder of frames; repeatable."
    ),
    question: str = typer.Option(None, "--question", "-q", help="The question to ask about the image(s) / video(s)."),
    images: str = typer.Option(None, "--images", help="A folder: ask --question about every image in it (sorted)."),
    input_: str = typer.Option(None, "--input", help='JSONL of {"id","image","question"} records; - for stdin.'),
    model: str = typer.Option(None, "--model", "-m", help=MODEL_HELP, show_default=False),
    method: str = typer.Option("hawk", "--method", help="Pruning method (see `hawk methods`)."),
    keep: float = typer.Option(
        None, "--keep", "-k", help="Fraction of visual tokens kept, in (0, 1]. \\[default: 0.2]"
    ),
    prune: float = typer.Option(None, "--prune", help="Fraction pruned (the complement of --keep)."),
    profile: str = typer.Option(None, "--profile", help="Head-importance file or shipped profile name (hawk)."),
    force: bool = flag("--force", "Use a profile made for another model id."),
    normalization: str = typer.Option(
        None, "--normalization", help="hawk/uniform score normalisation: l2|softmax|minmax. \\[default: l2]"
    ),
    method_option: list[str] = typer.Option(None, "--method-option", "-O", help=METHOD_OPTION_HELP),
    max_new_tokens: int = typer.Option(128, "--max-new-tokens", min=1),
    temperature: float = typer.Option(0.0, "--temperature", min=0.0, help="0 = greedy decoding."),
    seed: int = typer.Option(0, "--seed"),
    batch_size: int = typer.Option(1, "--batch-size", "-b", min=1),
    fps: float = typer.Option(
        None, "--fps", min=0.001, help="Video frames sampled per second \\[default: the family's, 2 for Qwen]."
    ),
    frames: int = typer.Option(None, "--frames", min=1, help="Sample this many video frames, evenly spaced."),
    per_frame: bool = flag("--per-frame", "Apply --keep to each image / video temporal step separately."),
    overlay: Path = typer.Option(
        None,
        "--overlay",
        help="Save the image with pruned regions dimmed (a .png; a folder for multi-item runs). Several images: "
        "<name>-1.png, <name>-2.png …; a video: a contact sheet of its frames.",
    ),
    fmt: str = typer.Option(
        "auto",
        "--format",
        "-f",
        help="auto|text|json|jsonl: jsonl = a record per line, json = one document (auto: text on a terminal, "
        "jsonl when piped).",
    ),
    revision: str = typer.Option(None, "--revision", help="Hub revision (branch, tag or commit)."),
    offline: bool = flag("--offline", OFFLINE_HELP),
    device: str = typer.Option("auto", "--device", help="auto|cpu|cuda[:N]|mps"),
    dtype: str = typer.Option("auto", "--dtype", help="auto|float32|bfloat16|float16"),
    attn: str = typer.Option(
        "auto", "--attn", help="auto|sdpa|eager|flash_attention_2 (auto: flash on CUDA if installed)."
    ),
    min_pixels: int = typer.Option(None, "--min-pixels", help="Image processor min_pixels."),
    max_pixels: int = typer.Option(
        None, "--max-pixels", help="Image processor max_pixels (1008 visual tokens ≈ 1008*28*28)."
    ),
) -> int:
    from hawkcli.cli.common import method_options
    from hawkcli.output import RecordWriter, resolve_format

    keep_value = _keep_value(keep, prune)
    pairs = ([f"normalization={normalization}"] if normalization is not None else []) + list(method_option or [])
    chosen = method_options([method], pairs)[method]
    out_format = resolve_format(fmt)
    if fps is not None and frames is not None:
        raise InputError("give --fps or --frames, not both")
    source, multi = _items(list(image or []), list(video or []), images, input_, question)
    if overlay is not None:
        if multi:
            overlay.mkdir(parents=True, exist_ok=True)
        elif overlay.suffix.lower() != ".png":
            raise InputError(f"--overlay {overlay}: give a .png file name")

    from hawkcli.infer import RunConfig, answer_batch
    from hawkcli.requests import GenerationConfig
    from hawkcli.session import load

    session = load(
        model,
        method,
        keep_value,
        profile,
        options=chosen,
        per_frame=per_frame,
        seed=seed,
        fps=fps,
        frames=frames,
        device=device,
        dtype=dtype,
        attn=attn,
        revision=revision,
        offline=offline,
        min_pixels=min_pixels,
        max_pixels=max_pixels,
        force=force,
    )
    cfg = RunConfig(GenerationConfig(max_new_tokens, temperature, seed=seed))
    if overlay is not None:
        cfg.overlay, cfg.overlay_is_dir = str(overlay), multi

    from tqdm import tqdm

    writer = RecordWriter(out_format, multi)
    failed = done = 0
    with tqdm(desc="answering", unit="item", disable=not multi, leave=False) as bar:
        for chunk in _batched(source, batch_size):
            for record in answer_batch(session, chunk, cfg):
                failed += "error" in record
                done += 1
                writer.write(record)
            bar.update(len(chunk))
    writer.close()
    if failed:
        import sys

        sys.stderr.write(f"hawk: {failed} of {done} item{'s' if done != 1 else ''} failed (see their error records)\n")
    return EXIT_PARTIAL if failed else EXIT_OK
