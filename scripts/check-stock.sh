#!/usr/bin/env bash
# Opt-in heavy check: a venv with PyPI's torch 2.14.1 + torchvision 0.29.1 (a CUDA build, about 5.5 GB,
# runs on a CPU), where the stock processors that need torchvision load (Qwen2/2.5/3-VL, LLaVA-OneVision,
# InternVL, SmolVLM). Runs the whole suite there — so the stock-vs-own input comparisons of
# tests/models/test_stock_inputs.py run instead of skipping, and torch 2.14 is tested too.
# Not part of .ci/run. Extra pytest arguments follow `--`.
set -euo pipefail
cd "$(dirname "$0")/.."
pytest_args=()
if [ "${1:-}" = "--" ]; then shift; pytest_args=("$@"); fi
venv=.venv-stock
python="${PYTHON:-python3}"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT
grep -v '^torch==' constraints.txt >"$constraints"
pip=("$venv/bin/python" -m pip install --quiet --constraint "$constraints")
"${pip[@]}" --upgrade pip
"$venv/bin/python" -m pip install --quiet "torch==2.14.1" "torchvision==0.29.1" num2words  # num2words: SmolVLM's processor
"${pip[@]}" -e '.[test]'
"$venv/bin/python" -c "import torch, torchvision, transformers; print('check-stock:', 'torch', torch.__version__, 'torchvision', torchvision.__version__, 'transformers', transformers.__version__)"
status=0
HAWK_UNPINNED=1 "$venv/bin/python" -m pytest -p no:cacheprovider -rs "${pytest_args[@]}" || status=$?
echo "check-stock: pytest exit code $status"
exit "$status"
