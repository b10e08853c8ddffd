"""`hawk inspect`: summarise a head-importance profile (header only) and show per-head importance."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hawkcli.errors import HawkError

HELP = """Show what a head-importance profile holds: provenance and per-head importance.

[bold]Examples[/bold]

  hawk inspect qwen2.5-vl-7b                 # a shipped profile, by name

  hawk inspect profiles/my-7b.safetensors --format json

  hawk inspect my.safetensors --plot heads.png   # needs hawk[plot] (matplotlib)
"""

SUMMARY_KEYS = [
    ("model", "hawk.model_id"),
    ("source", "hawk.source"),
    ("scope", "hawk.scope"),
    ("layers", "hawk.layers"),
    ("metric", "hawk.metric"),
    ("calibration", "hawk.calib.datasets"),
    ("samples", "hawk.calib.samples"),
    ("seed", "hawk.calib.seed"),
    ("created", "hawk.created"),
    ("versions", None),
]
BLOCKS = "▁▂▃▄▅▆▇█"


def _importance(path: Path) -> list[list[float]]:
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        return f.get_tensor("importance").reshape(-1, f.get_slice("importance").get_shape()[-1]).tolist()


def _top(row: list[float], n: int = 5) -> list[int]:
    return sorted(range(len(row)), key=lambda h: -row[h])[:n]


def inspect(
    profile: str = typer.Argument(..., help="Profile file or shipped profile name."),
    fmt: str = typer.Option("text", "--format", "-f", help="text|json"),
    plot: Path = typer.Option(None, "--plot", help="Write a bar chart / heatmap PNG (needs matplotlib)."),
) -> int:
    from hawkcli import profiles

    path = profiles.resolve(profile)
    header = profiles.read_header(path)
    meta = header.get("__metadata__", {})
    if "importance" not in header:
        raise HawkError(f"{path} has no 'importance' tensor; is it a hawk profile?")
    shape = header["importance"]["shape"]
    if fmt not in {"text", "json"}:
        raise HawkError(f"unknown format {fmt!r} (use text|json)")
    importance = _importance(path)
    if plot is not None:
        _plot(importance, meta, plot)
    if fmt == "json":
        payload = {"path": str(path), "shape": shape, "metadata": meta, "importance": importance}
        payload["top_heads"] = [_top(r) for r in importance]
        typer.echo(json.dumps(payload, indent=2))
        return 0
    _render(path, meta, shape, importance)
    return 0


def _render(path: Path, meta: dict, shape: list[int], importance: list[list[float]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("file", str(path))
    for label, key in SUMMARY_KEYS:
        if key is None:
            value = (
                f"hawk {meta.get('hawk.tool_version', '?')}, torch {meta.get('hawk.torch_version', '?')}, "
                f"transformers {meta.get('hawk.transformers_version', '?')}"
            )
        else:
            value = meta.get(key, "")
        summary.add_row(label, value or "-")
    summary.add_row("shape", f"{shape[0]} row(s) × {shape[-1]} heads")
    console.print(summary)
    layers = meta.get("hawk.layers", "0").split(",")
    for r, row in enumerate(importance):
        top = set(_top(row))
        peak = max(row) or 1.0
        strip = Text()
        for h, value in enumerate(row):
            block = BLOCKS[min(len(BLOCKS) - 1, round(value / peak * (len(BLOCKS) - 1)))]
            strip.append(block, style="bold magenta" if h in top else "cyan")
        label = layers[r] if r < len(layers) else str(r)
        console.print(Text(f"layer {label}: ", style="bold") + strip)
        table = Table("head", "importance", "rank", title=f"layer {label}")
        order = sorted(range(len(row)), key=lambda h: -row[h])
        rank = {h: i + 1 for i, h in enumerate(order)}
        for h, value in enumerate(row):
            style = "bold magenta" if h in top else ""
            table.add_row(str(h), f"{value:.4f}", str(rank[h]), style=style)
        console.print(table)


def _plot(importance: list[list[float]], meta: dict, out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise HawkError("--plot needs matplotlib: pip install 'hawk-vlm[plot]'") from err
    fig, ax = plt.subplots(figsize=(max(6, len(importance[0]) * 0.3), 3 + 0.3 * len(importance)))
    if len(importance) == 1:
        ax.bar(range(len(importance[0])), importance[0], color="tab:blue")
        ax.set_xlabel("head")
        ax.set_ylabel("importance")
    else:
        im = ax.imshow(importance, aspect="auto", cmap="magma")
        fig.colorbar(im, ax=ax)
        ax.set_xlabel("head")
        ax.set_ylabel("layer row")
    ax.set_title(f"{meta.get('hawk.model_id', '')} ({meta.get('hawk.scope', '')}, {meta.get('hawk.metric', '')})")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
