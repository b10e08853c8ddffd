"""How often each method keeps the question's referent, and what that does to accuracy (hawk-demo).

    python benchmarks/referent_kept.py --data synth --samples 150 [--out benchmarks/results/referents-synth.json]

For every (method, keep): the share of samples with at least one visual token of the referent object(s)
kept, the mean share of the referent's tokens kept, and accuracy over all samples, over those whose
referent was kept and over those whose referent was dropped. Questions about an absent object have no
referent and are left out. `--data`: synth (grid pictures, the rated mix), synth-scenes, synth-user,
synth-hard (hawkcli.data.scenes).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
from pathlib import Path

import hawkcli
from hawkcli.data import scenes, synth
from hawkcli.demo.labels import from_scene, from_synth
from hawkcli.demo.referents import measure, referent_sets

METHODS = "hawk,uniform,fastv,dart,vispruner,idsel,divprune,cdpruner,random"


def samples(name: str, n: int) -> list:
    if name in synth.DATASETS:
        return [from_synth(synth.sample("test", i, tasks=synth.DATASETS[name])) for i in range(n)]
    split = scenes.DATASETS[name]["test"]
    return [from_scene(scenes.sample(split, i)) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="hawk-demo")
    ap.add_argument("--data", default="synth")
    ap.add_argument("--samples", type=int, default=150)
    ap.add_argument("--methods", default=METHODS)
    ap.add_argument("--keep", default="0.5,0.2,0.1")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    session = hawkcli.load(args.model, method="hawk", keep=1.0)
    chosen = samples(args.data, args.samples)
    referents = referent_sets(session, chosen)
    rows = [measure(session, chosen, referents, "none", 1.0)]
    for method in args.methods.split(","):
        for keep in (float(k) for k in args.keep.split(",")):
            rows.append(measure(session, chosen, referents, method, keep))

    def cell(v: float | None) -> str:
        return "—" if v is None else f"{v:.2f}"

    print(f"{args.model} on {args.data}:test, {rows[0].samples} samples with a referent ({platform.machine()})")
    print("| method | keep | accuracy | referent kept | referent tokens kept | acc. when kept | acc. when dropped |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.method} | {r.keep:g} | {r.accuracy:.2f} | {r.referent_kept:.2f} | {r.token_share:.2f} | "
              f"{cell(r.accuracy_kept)} | {cell(r.accuracy_dropped)} |")  # fmt: skip
    if args.out:
        args.out.write_text(json.dumps([dataclasses.asdict(r) for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
