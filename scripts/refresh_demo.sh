#!/usr/bin/env bash
# After (re)training hawk-demo: ship the checkpoint, re-profile it, and re-measure every README table
# measured on it (results under benchmarks/results/, markdown printed to stdout).
#   scripts/refresh_demo.sh [runs/hawk-demo] [eval samples for the model card, default 500]
set -euo pipefail
cd "$(dirname "$0")/.."
run="${1:-runs/hawk-demo}"
card_samples="${2:-500}"
out=benchmarks/results
py=.venv/bin/python
hawk=.venv/bin/hawk
mkdir -p "$out"
rm -f "$out"/demo-*.jsonl  # cached per-sample results belong to the previous weights
$py -m hawkcli.demo.ship --run "$run" --eval-samples "$card_samples"
/usr/bin/time -f "exact profile: %e s" $hawk profile hawk-demo --calib synth --samples 256 \
  -o profiles/hawk-demo.safetensors --force
$hawk compare --data synth:test --samples 200 --methods none,uniform,hawk --keep 1.0,0.5,0.2,0.1 \
  -o "$out/demo-hawk-uniform.jsonl" --format json > "$out/demo-hawk-uniform.json"
for data in synth synth-hard synth-user; do
  name="demo-all-methods${data#synth}"
  $hawk compare --data "$data:test" --samples 100 --keep 1.0,0.5,0.2,0.1 \
    -o "$out/$name.jsonl" --format json > "$out/$name.json"
done
for data in synth synth-hard; do
  $py benchmarks/referent_kept.py --data "$data" --samples 60 --keep 0.5,0.1 --out "$out/referents-$data.json"
done
$py benchmarks/user_pictures.py --out "$out/user-pictures.json"
# The attribution estimator's profiles, used by hawk on the same samples as the exact one above.
tmp="$(mktemp -d)"
for steps in 1 4; do
  /usr/bin/time -f "attribution $steps step(s): %e s" $hawk profile hawk-demo --calib synth --samples 256 \
    --estimator attribution --attribution-steps "$steps" -o "$tmp/attr$steps.safetensors" --force
  $hawk compare --data synth:test --samples 200 --methods hawk --keep 0.2,0.1 --profile "$tmp/attr$steps.safetensors" \
    -o "$out/demo-attribution-$steps.jsonl" --format json > "$out/demo-attribution-$steps.json"
  $py benchmarks/profile_speed.py --model hawk-demo --samples 64 --threads 2 --steps "$steps"
done
$py - profiles/hawk-demo.safetensors "$tmp"/attr1.safetensors "$tmp"/attr4.safetensors <<'EOF'
import sys

from safetensors.torch import load_file

sys.path.insert(0, "benchmarks")
from profile_speed import spearman

exact, *others = (load_file(p)["importance"][0] for p in sys.argv[1:])
for path, v in zip(sys.argv[2:], others):
    print(f"Spearman exact vs {path}: {spearman(exact, v):.2f}")
EOF
$py scripts/compare_markdown.py "$out/demo-hawk-uniform.json" --by-task
for name in demo-all-methods demo-all-methods-hard demo-all-methods-user; do
  $py scripts/compare_markdown.py "$out/$name.json"
done
