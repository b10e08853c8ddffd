#!/usr/bin/env bash
# Early warning: build a second venv with the NEWEST versions pyproject.toml's ranges allow (not the
# pinned constraints.txt) and run lint + the test suite there, so a new release of transformers (or any
# dependency) breaks this script before it breaks a user.
#
#   scripts/check-latest.sh              newest allowed versions                  (.venv-latest)
#   scripts/check-latest.sh --oldest     the lowest versions the ranges allow    (.venv-oldest)
#   scripts/check-latest.sh --unbounded  newest releases, upper bounds ignored   (.venv-unbounded)
#                                        (what widening a range would bring; expect pip to warn)
#   ... --freeze                         after a green run, write the resolved set to constraints.txt
#
# torch comes from TORCH_SPEC (default torch==2.13.0, the CPU build): it is the one dependency chosen by
# hardware, and an unpinned torch pulls gigabytes of CUDA wheels. Extra pytest arguments follow `--`.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=latest freeze=0 pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --oldest) mode=oldest ;;
    --unbounded) mode=unbounded ;;
    --freeze) freeze=1 ;;
    --) shift; pytest_args=("$@"); break ;;
    *) echo "usage: $0 [--oldest|--unbounded] [--freeze] [-- PYTEST_ARGS]" >&2; exit 2 ;;
  esac
  shift
done
python="${PYTHON:-python3}"
torch_spec="${TORCH_SPEC:-torch==2.13.0}"
venv=".venv-$mode"
rm -rf "$venv"
"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet)
"${pip[@]}" --upgrade pip
"${pip[@]}" "$torch_spec"

# Direct dependencies of hawk (runtime + test extra), read from pyproject.toml.
requirements() {
  "$venv/bin/python" - "$1" <<'PY'
import sys, tomllib
from packaging.requirements import Requirement
mode = sys.argv[1]
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = project["optional-dependencies"]
for line in project["dependencies"] + extras["test"] + extras["lmms"]:
    req = Requirement(line)
    if req.name == "torch":
        continue  # installed above from TORCH_SPEC
    if mode == "oldest":
        low = [s.version for s in req.specifier if s.operator == ">="]
        print(f"{req.name}=={low[0]}" if low else req.name)
    elif mode == "unbounded":
        print(req.name)
    else:
        print(line)
PY
}
"${pip[@]}" packaging
mapfile -t reqs < <(requirements "$mode")
if [ "$mode" = oldest ]; then
  # hawk itself first without dependencies, then exactly the lower bounds (their own deps resolve freely).
  "${pip[@]}" --no-deps -e .
  "${pip[@]}" "${reqs[@]}"
else
  # accelerate depends on torch: hold torch at TORCH_SPEC's build, or the eager upgrade pulls a CUDA wheel.
  keep_torch="$(mktemp)"
  "$venv/bin/python" -c 'from importlib.metadata import version; print("torch==" + version("torch"))' >"$keep_torch"
  "${pip[@]}" -c "$keep_torch" -e '.[test,lmms]'
  "${pip[@]}" -c "$keep_torch" --upgrade --upgrade-strategy eager "${reqs[@]}" || true
fi
# The plugin's tests need lmms-eval, installed without the torch / torchvision it declares (as setup.sh does);
# its own unmet requirements are then expected, and left out of pip check.
"${pip[@]}" --no-deps "lmms_eval==0.7.3"
unmet=$("$venv/bin/python" -m pip check 2>&1 | grep -v '^lmms-eval 0.7.3 \(requires\|has requirement\)' | grep -v '^No broken requirements' || true)
if [ -n "$unmet" ]; then
  echo "$unmet"
  [ "$mode" = unbounded ] || exit 1
fi
versions=$("$venv/bin/python" - <<'PY'
from importlib.metadata import version
names = ["torch", "transformers", "tokenizers", "huggingface_hub", "datasets", "safetensors", "typer", "rich",
         "numpy", "pillow", "tqdm", "accelerate", "lmms_eval"]
print(" ".join(f"{n} {version(n)}" for n in names))
PY
)
echo "check-latest ($mode): $versions"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
status=0
HAWK_UNPINNED=1 "$venv/bin/python" -m pytest -p no:cacheprovider "${pytest_args[@]}" || status=$?
echo "check-latest ($mode): $versions"
echo "check-latest ($mode): pytest exit code $status"
if [ "$status" -eq 0 ] && [ "$freeze" -eq 1 ]; then
  {
    sed -n '1,3p' constraints.txt
    "$venv/bin/python" -m pip freeze --all --exclude-editable | grep -v '^-e ' | sed 's/^torch==\([^+]*\)+.*/torch==\1/' | sort -f
  } >constraints.txt.new
  mv constraints.txt.new constraints.txt
  echo "check-latest ($mode): wrote constraints.txt"
fi
exit "$status"
