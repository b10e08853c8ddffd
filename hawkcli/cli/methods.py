"""`hawk methods`: list the registered pruning methods."""

from __future__ import annotations

import json

import typer

HELP = "List the visual-token pruning methods hawk knows, with their options."


def methods(
    fmt: str = typer.Option("text", "--format", help="text|json"),
) -> None:
    from dataclasses import fields

    from hawkcli.methods.registry import method_class, method_names

    rows = []
    for name in method_names():
        cls = method_class(name)
        options = {f.name: f.default for f in fields(cls.Options)}
        rows.append({"name": name, "summary": cls.summary, "needs_profile": cls.needs_profile, "options": options})
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("method", "what it keeps", "profile", "options")
    for r in rows:
        opts = ", ".join(f"{k}={v}" for k, v in r["options"].items())
        table.add_row(r["name"], r["summary"], "yes" if r["needs_profile"] else "", opts)
    Console().print(table)
