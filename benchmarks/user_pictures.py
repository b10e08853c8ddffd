"""A newcomer's first try: six pictures drawn by hand (not by hawk's generators), 18 everyday questions.

    python benchmarks/user_pictures.py [--model hawk-demo] [--keep 0.2] [--methods none,hawk] [--out FILE]

The pictures are those issue 13 was tried on (`hawkcli.demo.handdrawn`), written to files and read back
the way `hawk run --image` reads them.
Prints, per method, how many of the 18 answers are right, and every answer.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import hawkcli
from hawkcli.demo.handdrawn import pictures

METHODS = "none,hawk,uniform,fastv,dart,vispruner,idsel,divprune,cdpruner,random"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="hawk-demo")
    ap.add_argument("--keep", type=float, default=0.2)
    ap.add_argument("--methods", default=METHODS)
    ap.add_argument("--profile", help="head-importance profile for hawk (default: the one shipped for --model)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shown = pictures(Path(tmp))
        prompts = [hawkcli.Prompt(q, images=[str(path)]) for path, qa in shown for q, _ in qa]
        answers = [a for _, qa in shown for _, a in qa]
        methods = args.methods.split(",")
        base = hawkcli.load(args.model, method="hawk" if "hawk" in methods else "none", profile=args.profile)
        rows = []
        for method in methods:
            session = base.configured(method=method, keep=1.0 if method == "none" else args.keep)
            said = [g.text.strip() for g in session.generate(prompts, max_new_tokens=4)]
            right = sum(s == a for s, a in zip(said, answers, strict=True))
            rows.append({"method": method, "keep": session.keep, "right": right, "of": len(answers), "said": said})
            print(f"{method:10s} keep {session.keep:<4} {right:2d} / {len(answers)}")
    report = {"model": args.model, "questions": [p.text for p in prompts], "answers": answers, "rows": rows}
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    else:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
