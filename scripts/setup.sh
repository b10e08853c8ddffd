#!/usr/bin/env bash
# Create .venv with hawk and its test tools. torch is installed first, pinned, so pip never pulls a
# multi-gigabyte CUDA build on a CPU machine. GPU users: TORCH_SPEC="torch==2.13.0" with your index, or
# TORCH_SPEC=skip to keep a torch you installed yourself.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
torch_spec="${TORCH_SPEC:-torch==2.13.0}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$torch_spec" != "skip" ]; then
  .venv/bin/python -m pip install --quiet "$torch_spec"
fi
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/hawk --version
