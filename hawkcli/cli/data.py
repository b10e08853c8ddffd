"""`hawk data`: dataset utilities (export to the standard local folder form)."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = "Dataset utilities."
EXPORT_HELP = """Write a dataset as a folder of PNGs plus data.jsonl (id, image, question, answer), the local
form every --calib / --data option reads.

[bold]Examples[/bold]

  hawk data export synth --split test -n 200 -o synth-test/

  hawk data export chartqa:val -n 64 -o chartqa-val/
"""

data_app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)


@data_app.command("export", help=EXPORT_HELP)
def export(
    dataset: str = typer.Argument(..., help="Dataset name (synth, chartqa, …, optionally name:split) or path."),
    split: str = typer.Option(None, "--split", help="Split (overrides name:split)."),
    samples: int = typer.Option(200, "--samples", "-n", min=1),
    seed: int = typer.Option(0, "--seed"),
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write."),
) -> int:
    import sys

    from hawkcli.data.export import export as write
    from hawkcli.data.loaders import load, parse_source

    name, named_split = parse_source(dataset)
    chosen = split or named_split
    source = f"{name}:{chosen}" if chosen else name
    folder = write(load(source, samples, seed), output)
    sys.stderr.write(f"hawk: wrote {samples} examples to {folder}/data.jsonl\n")
    return 0
