"""`hawk run`: answer image questions while keeping only the top fraction of visual tokens."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import typer

from hawkcli.cli.common import METHOD_OPTION_HELP, OFFLINE_HELP, flag
from hawkcli.errors import EXIT_CODES_HELP, EXIT_OK, EXIT_PARTIAL, InputError

HELP = (
    """Answer questions about images, keeping only the top --keep fraction of visual tokens.

[bold]Examples[/bold]

  hawk run --image x.png --question "what colour is the circle ?"

  hawk run --image x.png --question "..." --keep 0.1 --method uniform --format json

  hawk run --model qwen2.5-vl-7b --images shots/ --question "What is shown?" --batch-size 8 > out.jsonl

  cat q.jsonl | hawk run --input - --keep 0.2      # lines of {"id", "image", "question"}

  convert photo.jpg png:- | hawk run --image - --question "How many people?"

  hawk run --image x.png --question "..." --method fastv --method-option layer=3

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


def _items(image: str | None, images: str | None, input_: str | None, question: str | None) -> tuple[Any, bool]:
    from hawkcli import inputs

    sources = [s for s in (image, images, input_) if s is not None]
    if len(sources) != 1:
        raise InputError("give exactly one of --image, --images or --input")
    if input_ is not None:
        if question is not None:
            raise InputError("--question does not apply to --input (each JSONL record has its own)")
        return inputs.jsonl(input_), True
    if question is None or not question.strip():
        raise InputError("--question must not be empty")
    if image is not None:
        if image != "-" and Path(image).is_dir():
            raise InputError(f"--image {image} is a folder; use --images {image} to ask about every image in it")
        if image != "-" and not Path(image).is_file():
            raise InputError(f"--image {image}: no such file")
        return [inputs.single(image, question)], False
    return inputs.folder(images, question), True


def run(
    image: str = typer.Option(None, "--image", "-i", help="Image file, or - to read it from stdin."),
    question: str = typer.Option(None, "--question", "-q", help="The question to ask about the image(s)."),
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
    overlay: Path = typer.Option(
        None, "--overlay", help="Save the image with pruned regions dimmed (a .png; a folder for multi-item runs)."
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
    source, multi = _items(image, images, input_, question)
    if overlay is not None:
        if multi:
            overlay.mkdir(parents=True, exist_ok=True)
        elif overlay.suffix.lower() != ".png":
            raise InputError(f"--overlay {overlay}: give a .png file name")

    from hawkcli.models.loading import LoadOptions, default_model

    options = LoadOptions(model or default_model(), revision, offline, device, dtype, attn, min_pixels, max_pixels)
    from hawkcli.cli.common import load_for_method

    loaded, cfg = load_for_method(options, method, keep_value, profile, force, chosen)
    cfg.max_new_tokens, cfg.temperature, cfg.seed = max_new_tokens, temperature, seed
    if overlay is not None:
        cfg.overlay, cfg.overlay_is_dir = str(overlay), multi

    from tqdm import tqdm

    from hawkcli.infer import answer_batch

    writer = RecordWriter(out_format, multi)
    failed = done = 0
    with tqdm(desc="answering", unit="item", disable=not multi, leave=False) as bar:
        for chunk in _batched(source, batch_size):
            for record in answer_batch(loaded, chunk, cfg):
                failed += "error" in record
                done += 1
                writer.write(record)
            bar.update(len(chunk))
    writer.close()
    if failed:
        import sys

        sys.stderr.write(f"hawk: {failed} of {done} item{'s' if done != 1 else ''} failed (see their error records)\n")
    return EXIT_PARTIAL if failed else EXIT_OK
