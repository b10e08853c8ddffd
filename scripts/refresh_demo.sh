#!/usr/bin/env bash
# After (re)training hawk-demo: ship the checkpoint, re-profile it, and re-measure the README tables.
#   scripts/refresh_demo.sh [runs/hawk-demo]
set -euo pipefail
cd "$(dirname "$0")/.."
run="${1:-runs/hawk-demo}"
out=benchmarks/results
mkdir -p "$out"
rm -f "$out"/demo-*.jsonl  # cached per-sample results belong to the previous weights
.venv/bin/python -m hawkcli.demo.ship --run "$run" --eval-samples 500
.venv/bin/hawk profile hawk-demo --calib synth --samples 256 -o profiles/hawk-demo.safetensors
.venv/bin/hawk compare --data synth:test --samples 200 --methods none,uniform,hawk --keep 1.0,0.5,0.2,0.1 \
  -o "$out/demo-hawk-uniform.jsonl" --format json > "$out/demo-hawk-uniform.json"
.venv/bin/hawk compare --data synth:test --samples 100 --keep 1.0,0.5,0.2,0.1 \
  -o "$out/demo-all-methods.jsonl" --format json > "$out/demo-all-methods.json"
.venv/bin/python scripts/compare_markdown.py "$out/demo-hawk-uniform.json" --by-task
.venv/bin/python scripts/compare_markdown.py "$out/demo-all-methods.json"
