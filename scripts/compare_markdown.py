"""Turn `hawk compare --format json` output into the README's markdown tables.

hawk compare ... --format json > cmp.json && python scripts/compare_markdown.py cmp.json [--by-task]
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--by-task", action="store_true", help="one accuracy column per task")
    args = ap.parse_args()
    with open(args.path) as f:
        payload = json.load(f)
    rows = payload["rows"]
    if args.by_task:
        tasks = sorted({t for r in rows for t in r["accuracy_by_task"]})
        print("| method | keep | " + " | ".join(tasks) + " | all |")
        print("|---|---:|" + "---:|" * (len(tasks) + 1))
        for r in rows:
            cells = " | ".join(f"{r['accuracy_by_task'].get(t, float('nan')):.2f}" for t in tasks)
            print(f"| {r['method']} | {r['keep']:g} | {cells} | {r['accuracy']:.2f} |")
        return
    print(
        "| method | keep | kept tok | accuracy | vs none | prefill TFLOPs | FastV-eq TFLOPs | prefill ms | e2e ms | select ms | KV MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        rel = f"{r['relative_to_none']:.1f} %" if r["relative_to_none"] is not None else "-"
        print(
            f"| {r['method']} | {r['keep']:g} | {r['kept_tokens']:.1f} | {r['accuracy']:.3f} | {rel} | "
            f"{r['prefill_tflops']:.5f} | {r['fastv_tflops']:.5f} | {r['prefill_ms']:.1f} | {r['total_ms']:.1f} | "
            f"{r['selection_ms']:.2f} | {r['kv_cache_mb']:.3f} |"
        )


if __name__ == "__main__":
    main()
