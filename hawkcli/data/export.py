"""Write examples in hawk's standard local form: a folder of PNGs plus `data.jsonl`."""

from __future__ import annotations

import json
from pathlib import Path

from hawkcli.data.loaders import LoadedDataset


def export(dataset: LoadedDataset, out_dir: str | Path) -> Path:
    """`data.jsonl` lines hold `id, image (relative path), question, answer, task`; returns the folder."""
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for i, ex in enumerate(dataset.examples):
        rel = Path("images") / f"{i:05d}.png"
        ex.image.save(out / rel)
        answer = ex.answers[0] if len(ex.answers) == 1 else ex.answers
        record = {"id": ex.id, "image": rel.as_posix(), "question": ex.question, "answer": answer}
        if ex.task:
            record["task"] = ex.task
        lines.append(json.dumps(record))
    tmp = out / "data.jsonl.tmp"
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(out / "data.jsonl")
    return out
