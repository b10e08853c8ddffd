"""`hawk compare`: accuracy / FLOPs / latency / memory of pruning methods on the same samples."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import typer

from hawkcli.cli.common import METHOD_OPTION_HELP, OFFLINE_HELP, flag
from hawkcli.errors import EXIT_CODES_HELP, EXIT_OK, EXIT_PARTIAL, HawkError, InputError, ProfileError

HELP = (
    """Compare pruning methods and keep ratios on one model, dataset and machine.

[bold]Examples[/bold]

  hawk compare --data synth:test --samples 100

  hawk compare --model qwen2.5-vl-7b --data chartqa:test --methods none,hawk,uniform,fastv,vispruner,idsel,divprune,random --keep 1.0,0.5,0.2,0.1 --samples 200 -o results.jsonl

  hawk compare --data synth:test --format csv > table.csv

  hawk compare --methods none,fastv --method-option fastv.layer=3

Every finished sample is cached (per model fingerprint, data, method, options and keep) under
$HAWK_CACHE_DIR (default ~/.cache/hawk/compare/), or in -o FILE: running the same command again resumes
after Ctrl-C or a crash, and adding a method computes only that method. An arm (method × keep) that fails
is reported and skipped; the others finish and the table is printed. Latency: median over samples after
a warm-up, pruning overhead included (and shown on its own as "select ms"). "mem MB" is the CUDA peak
above the loaded model; on a CPU it is not measured ("—").

Named benchmarks (chartqa, textvqa, docvqa, gqa, pope, mme, scienceqa, realworldqa, videomme,
mvbench:<subtask>) are read, prompted and scored as their lmms-eval 0.7.3 tasks are, from the hub or,
offline (--offline, HF_HUB_OFFLINE=1), from the local Hugging Face caches; a second table prints the
benchmark's own numbers (e.g. POPE F1, MME perception / cognition) as lmms-eval reports them.
"""
    + EXIT_CODES_HELP
)

DEFAULT_METHODS = "none,hawk,uniform,fastv,dart,vispruner,idsel,divprune,cdpruner,evs,vidcom2,random"
COLUMNS = [
    ("method", "method", "{}"),
    ("keep", "keep", "{:g}"),
    ("kept_tokens", "kept tok", "{:.1f}"),
    ("accuracy", "accuracy", "{:.3f}"),
    ("relative_to_none", "vs none %", "{:.1f}"),
    ("prefill_tflops", "prefill TFLOPs", "{:.4f}"),
    ("fastv_tflops", "FastV-eq TFLOPs", "{:.4f}"),
    ("prefill_ms", "prefill ms", "{:.1f}"),
    ("total_ms", "e2e ms", "{:.1f}"),
    ("selection_ms", "select ms", "{:.2f}"),
    ("kv_cache_mb", "KV MB", "{:.2f}"),
    ("memory_mb", "mem MB", "{:.1f}"),
]


def _floats(text: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError as err:
        raise InputError(f"--keep {text!r}: expected comma-separated numbers") from err
    for v in values:
        if not 0 < v <= 1:
            raise InputError(f"--keep values must be in (0, 1], got {v:g}")
    return values


def _cell(value: Any, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def render_table(rows: list[dict], title: str, benchmark: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for _, label, _ in COLUMNS:
        table.add_column(label, justify="left" if label == "method" else "right")
    for r in rows:
        table.add_row(*(_cell(r[key], fmt) for key, _, fmt in COLUMNS))
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped into a file: do not squeeze the columns to 80
    console.print(table)
    if any(r.get("memory_mb") is None for r in rows):
        console.print("mem MB — : not measured here (CUDA peak memory only; a CPU has no per-call peak to read)")
    if benchmark:
        console.print(benchmark_table(rows, benchmark))


def benchmark_table(rows: list[dict], task: str) -> Any:
    """The benchmark's own numbers per arm, named and scaled as the lmms-eval task reports them."""
    from rich.table import Table

    names = list(dict.fromkeys(name for r in rows for name in r["metrics"]))
    table = Table(title=f"as lmms-eval reports them ({task})")
    table.add_column("method")
    table.add_column("keep", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    for r in rows:
        table.add_row(r["method"], f"{r['keep']:g}", *(_cell(r["metrics"].get(name), "{:.4g}") for name in names))
    return table


def render_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    # One column per benchmark number (metric:<lmms-eval name>), not a dict in one cell.
    rows = [{**{k: v for k, v in r.items() if k != "metrics"}, **_prefixed(r.get("metrics", {}))} for r in rows]
    writer = csv.DictWriter(buf, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _prefixed(metrics: dict[str, float]) -> dict[str, float]:
    return {f"metric:{name}": value for name, value in metrics.items()}


def warn_if_tuned_on_test(profile: Any, data_name: str, data_split: str, declared: str | None) -> None:
    """A profile calibrated on the evaluation split measures tuning, not generalisation: say so."""
    if profile is None:
        return
    if declared:
        name, _, split = declared.partition(":")
        calib = [(name, split or None)]
    else:
        names = profile.metadata.get("hawk.calib.datasets", "").split(",")
        splits = profile.metadata.get("hawk.calib.splits", "").split(",")
        calib = [(n.partition(":")[0], s or None) for n, s in zip(names, splits + [""] * len(names), strict=False)]
    for name, split in calib:
        if name == data_name and (split is None or split == data_split):
            sys.stderr.write(
                f"hawk: warning: profile {profile.name} was calibrated on {name}:{split or '?'}, the evaluation "
                f"data itself — accuracy is optimistic; profile on another split (e.g. {name}:val)\n"
            )


def _plot(rows: list[dict], out: Path) -> None:
    from hawkcli.errors import HawkError

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise HawkError("--plot needs matplotlib: pip install 'hawk-vlm[plot]'") from err
    fig, ax = plt.subplots(figsize=(6, 4))
    for method in dict.fromkeys(r["method"] for r in rows):
        pts = sorted((r["keep"], r["accuracy"]) for r in rows if r["method"] == method)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=method)
    ax.set_xscale("log")
    ax.set_xlabel("keep (fraction of visual tokens)")
    ax.set_ylabel("accuracy")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def _overlays(loaded: Any, dataset: Any, records: list[dict], out: Path, count: int = 3) -> None:
    """For the first samples: one picture per keep < 1, methods side by side."""
    from PIL import Image, ImageDraw

    from hawkcli.overlay import pictures

    out.mkdir(parents=True, exist_ok=True)
    by_key = {(r["sample_id"], r["method"], r["keep"]): r for r in records}
    keeps = sorted({r["keep"] for r in records if r["keep"] < 1})
    methods = list(dict.fromkeys(r["method"] for r in records if r["method"] != "none"))
    for example in dataset.examples[:count]:
        shown = example.read_videos(loaded.processor)
        inputs = loaded.processor([shown], [example.question])
        layout = loaded.processor.layout(inputs, 0, shown)
        for keep in keeps:
            panels = []
            for method in methods:
                r = by_key.get((example.id, method, keep))
                if r is None:
                    continue
                panel = pictures(shown, layout, r["kept_visual_indices"])[0]
                ImageDraw.Draw(panel).text((4, 4), method, fill=(255, 255, 255))
                panels.append(panel)
            if not panels:
                continue
            w, h = panels[0].size
            sheet = Image.new("RGB", (w * len(panels), h))
            for i, panel in enumerate(panels):
                sheet.paste(panel, (i * w, 0))
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in example.id)
            sheet.save(out / f"{safe}-keep{keep:g}.png")


def compare(
    model: str = typer.Option(None, "--model", "-m", help="Model alias, folder or hub id \\[default: hawk-demo]."),
    data: str = typer.Option("synth:test", "--data", "-d", help="Evaluation dataset (name[:split] or path)."),
    methods: str = typer.Option(
        None,
        "--methods",
        help=f"Comma-separated methods (see `hawk methods`) \\[default: {DEFAULT_METHODS}, less those the model's "
        "family cannot run].",
        show_default=False,
    ),
    keep: str = typer.Option("1.0,0.5,0.2,0.1", "--keep", help="Comma-separated keep ratios."),
    samples: int = typer.Option(100, "--samples", "-n", min=1),
    seed: int = typer.Option(0, "--seed"),
    profile: str = typer.Option(None, "--profile", help="Head-importance profile for hawk (default: shipped match)."),
    profile_calib: str = typer.Option(
        None, "--profile-calib", help="Declare the profile's calibration set (name[:split]) for the test-set guard."
    ),
    force: bool = flag("--force", "Use a profile made for another model id."),
    fastv_layer: int = typer.Option(
        None, "--fastv-layer", help="FastV's pruning layer K (= fastv.layer). \\[default: 2]"
    ),
    vispruner_r: float = typer.Option(
        None, "--vispruner-r", help="VisPruner's important share of the budget (= vispruner.important_ratio)."
    ),
    idsel_gamma: float = typer.Option(None, "--idsel-gamma", help="ID-Selection's suppression (= idsel.gamma)."),
    method_option: list[str] = typer.Option(None, "--method-option", "-O", help=METHOD_OPTION_HELP),
    max_new_tokens: int = typer.Option(
        None, "--max-new-tokens", min=1, help="Answer budget \\[default: the benchmark's (lmms-eval's), else 16]."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="JSONL file of per-sample results (resumable) \\[default: under the cache dir]."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table|json|csv"),
    plot: Path = typer.Option(None, "--plot", help="Accuracy vs keep PNG (needs matplotlib)."),
    overlays: Path = typer.Option(None, "--overlays", help="Folder for side-by-side kept-token pictures."),
    offline: bool = flag("--offline", OFFLINE_HELP),
    revision: str = typer.Option(None, "--revision"),
    device: str = typer.Option("auto", "--device"),
    dtype: str = typer.Option("auto", "--dtype"),
    attn: str = typer.Option("auto", "--attn"),
) -> int:
    if fmt not in {"table", "json", "csv"}:
        raise InputError(f"unknown format {fmt!r} (use table|json|csv)")
    keeps = _floats(keep)
    chosen_methods = methods is not None
    names = list(dict.fromkeys(m.strip() for m in (methods or DEFAULT_METHODS).split(",") if m.strip()))
    if not names:
        raise InputError("--methods is empty")
    from hawkcli.cli.common import method_options

    shorthands = {"fastv.layer": fastv_layer, "vispruner.important_ratio": vispruner_r, "idsel.gamma": idsel_gamma}
    pairs = [f"{key}={value}" for key, value in shorthands.items() if value is not None and key.split(".")[0] in names]
    option_values = method_options(names, pairs + list(method_option or []))

    from tqdm import tqdm

    from hawkcli.data.loaders import load as load_dataset
    from hawkcli.data.loaders import parse_source
    from hawkcli.evaluate import Arm, Evaluator, ResultCache, model_key, summarize
    from hawkcli.models.loading import LoadOptions, default_model, load, load_config
    from hawkcli.requests import GenerationConfig
    from hawkcli.session import Session, announce_profile, resolve_profile

    options = LoadOptions(model or default_model(), revision, offline, device, dtype, attn)
    load_config(options)
    prof = None
    if "hawk" in names:
        try:
            prof = resolve_profile("hawk", profile, options.model)
        except ProfileError as err:
            if chosen_methods:
                raise
            names.remove("hawk")  # a default run compares what it can; the reason is said once
            sys.stderr.write(f"hawk: skipping hawk: {err}\n")
    dataset = load_dataset(data, samples, seed)
    names = _video_methods(names, dataset, chosen_methods)
    loaded = load(options)
    if not chosen_methods:
        names = _runnable(loaded.adapter, names, option_values)
    if prof is not None:
        announce_profile(prof, loaded, force)
        data_name, _ = parse_source(data)
        warn_if_tuned_on_test(prof, data_name, dataset.split, profile_calib)
    arms = []
    for name in names:
        for k in [1.0] if name == "none" else keeps:
            arms.append(Arm(name, k, option_values.get(name, {}), prof if name == "hawk" else None))
    cache_path = output or default_cache(model_key(loaded), dataset.name)
    spec = dataset.spec
    generation = GenerationConfig(max_new_tokens or spec.max_new_tokens or 16, until=spec.until)
    evaluator = Evaluator(Session(loaded), dataset, generation, ResultCache(cache_path))
    failures: list[str] = []
    records: list[dict] = []
    total = len(arms) * len(dataset.examples)
    try:
        with tqdm(total=total, desc="comparing (method × keep × sample)", unit="sample") as bar:
            records = list(evaluator.run(arms, bar.update, None if _debug() else _reporter(failures, dataset)))
    except BaseException:
        _resume_hint(evaluator.cache, cache_path, total)
        raise
    if not records:
        raise HawkError(f"every arm failed ({len(failures)}); nothing to summarise")
    rows = summarize(records, spec.aggregate)
    if plot is not None:
        _plot(rows, plot)
    if overlays is not None:
        _overlays(loaded, dataset, records, overlays)
    title = f"{loaded.name} on {dataset.name} ({len(dataset.examples)} samples, {loaded.device})"
    if fmt == "json":
        typer.echo(
            json.dumps(
                {"model": loaded.name, "data": dataset.name, "device": str(loaded.device), "rows": rows}, indent=2
            )
        )
    elif fmt == "csv":
        sys.stdout.write(render_csv(rows))
    else:
        render_table(rows, title, spec.lmms_task)
    if failures:
        sys.stderr.write(f"hawk: {len(failures)} of {len(arms)} arms failed: {', '.join(failures)}\n")
        return EXIT_PARTIAL
    return EXIT_OK


def _video_methods(names: list[str], dataset: Any, chosen: bool) -> list[str]:
    """Video-only methods (evs, vidcom2) on data without video: left out of the default set, refused when asked."""
    from hawkcli.methods.registry import method_class

    if any(e.videos for e in dataset.examples):
        return names
    video_only = [n for n in names if method_class(n).needs_video]
    if video_only and chosen:
        raise InputError(f"{', '.join(video_only)} compare video frames; {dataset.name} has no video")
    if video_only:  # named, as `_runnable` names what the family cannot run
        sys.stderr.write(
            f"hawk: skipping {', '.join(video_only)}: they compare video frames; {dataset.name} has no video\n"
        )
    return [n for n in names if n not in video_only]


def _runnable(adapter: Any, names: list[str], option_values: dict) -> list[str]:
    """The default methods this family can run; the others are named on stderr (`hawk models`)."""
    from hawkcli.methods.registry import create
    from hawkcli.pruning import refusal

    skipped = [n for n in names if refusal(adapter, create(n, **option_values.get(n, {})))]
    if skipped:
        sys.stderr.write(
            f"hawk: skipping {', '.join(skipped)}: not supported on {adapter.family} with these options "
            "(see `hawk models`; --methods runs them anyway and reports why)\n"
        )
    return [n for n in names if n not in skipped]


def _debug() -> bool:
    import os

    return os.environ.get("HAWK_DEBUG") == "1"


def default_cache(model_key: str, data: str) -> Path:
    from hawkcli.cache import keyed_file

    return keyed_file("compare", ".jsonl", model_key, data)


def _reporter(failures: list[str], dataset: Any) -> Any:
    """Reports a failed arm in one line on stderr and remembers it; the comparison goes on."""
    from hawkcli.cli.app import internal_error_line

    def report(arm: Any, err: Exception, finished: int) -> None:
        label = f"{arm.method} keep {arm.keep:g}"
        reason = str(err) if isinstance(err, HawkError) else internal_error_line(err)
        sys.stderr.write(
            f"hawk: error: arm {label} failed after {finished} of {len(dataset.examples)} samples: {reason}\n"
        )
        failures.append(label)

    return report


def _resume_hint(cache: Any, path: Path, total: int) -> None:
    """After Ctrl-C or a crash: what is saved, and the command that continues from it (the same one)."""
    from hawkcli.cli import invocation

    sys.stderr.write(
        f"hawk: {len(cache.records)} finished sample results (of {total} asked for) are saved in {path}; "
        f"resume with: {invocation.command()}\n"
    )
