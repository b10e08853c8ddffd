"""`hawk models`: the support matrix — which families, inputs and methods hawk handles."""

from __future__ import annotations

import json

import typer

from hawkcli.errors import InputError

HELP = """Which model families hawk supports, with their aliases, inputs and pruning methods.

[bold]Examples[/bold]

  hawk models

  hawk models --format json

  hawk models --format markdown     # the table README embeds
"""


def models(fmt: str = typer.Option("text", "--format", "-f", help="text|json|markdown")) -> None:
    from hawkcli.models.support import markdown, support_matrix

    if fmt not in {"text", "json", "markdown"}:
        raise InputError(f"unknown format {fmt!r} (use text|json|markdown)")
    rows = support_matrix()
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    if fmt == "markdown":
        typer.echo(markdown(rows))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("family", "model_type", "inputs", "methods", "refused", "profile", "overlay")
    notes = []
    for r in rows:
        inputs = ", ".join(k.replace("_", "-") for k in ("image", "video", "multi_image") if r[k] == "yes")
        methods = []
        for m, state in r["methods"].items():
            if state.startswith("yes ("):
                notes.append(f"{r['family']} {m}: {state[5:-1]}")
                methods.append(f"{m}*")
            elif state == "yes":
                methods.append(m)
        refused = [m for m, state in r["methods"].items() if state == "no"]
        table.add_row(
            r["family"], ", ".join(r["model_types"]), inputs, ", ".join(methods), ", ".join(refused) or "-",
            r["profile"], r["overlay"],
        )  # fmt: skip
    console = Console()
    console.print(table)
    for note in notes:
        console.print(f"* {note}")
    aliases = Table("family", "aliases (--model)")
    for r in rows:
        aliases.add_row(r["family"], ", ".join(r["aliases"]) or "-")
    console.print(aliases)
