#!/usr/bin/env bash
# Create .venv with hawk, its test tools and lmms-eval (for the plugin's tests), at the exact versions in
# constraints.txt (the set the suite last passed on). torch is installed first, pinned, so pip never pulls a multi-gigabyte CUDA build on a
# CPU machine. GPU users: TORCH_SPEC="torch==2.13.0" with your index, or TORCH_SPEC=skip to keep a torch
# you installed yourself (then the torch pin of constraints.txt is left out).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
default_torch="torch==2.13.0"
torch_spec="${TORCH_SPEC:-$default_torch}"
venv="${VENV:-.venv}"
constraints="constraints.txt"
if [ "$torch_spec" != "$default_torch" ]; then
  constraints="$(mktemp)"
  trap 'rm -f "$constraints"' EXIT
  grep -v '^torch==' constraints.txt >"$constraints"
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --constraint "$constraints")
"${pip[@]}" --upgrade pip
if [ "$torch_spec" != "skip" ]; then
  "${pip[@]}" "$torch_spec"
fi
"${pip[@]}" -e '.[test,lmms]'
# lmms-eval declares torch, torchvision and ~60 more packages it does not need to run hawk's model class;
# without its dependencies it keeps the torch above (README, "Evaluate with lmms-eval").
"${pip[@]}" --no-deps lmms_eval
"$venv/bin/hawk" --version
