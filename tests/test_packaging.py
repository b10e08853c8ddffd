"""The wheel carries what a non-editable install needs: the demo checkpoint and the shipped profiles."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_demo_model_and_profiles(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "hawkcli/shipped_profiles/qwen2.5-vl-7b.safetensors",
        "hawkcli/shipped_profiles/hawk-demo.safetensors",
        "hawkcli/assets/hawk-demo/config.json",
        "hawkcli/assets/hawk-demo/model.safetensors",
        "hawkcli/assets/hawk-demo/tokenizer.json",
        "hawkcli/assets/hawk-demo/tokenizer_config.json",
        "hawkcli/assets/hawk-demo/chat_template.jinja",
        "hawkcli/assets/hawk-demo/preprocessor_config.json",
        "hawkcli/assets/hawk-demo/README.md",
    ):
        assert required in names, required
    size = zipfile.ZipFile(wheel).getinfo("hawkcli/assets/hawk-demo/model.safetensors").file_size
    assert size <= 25 * 2**20


def _pins() -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_constraints_pin_every_dependency_inside_its_range():
    """setup.sh installs constraints.txt: each direct dependency is pinned, and the pin is a tested version."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(Version(pins[name])), f"{req.name}=={pins[name]} is outside {req.specifier}"
        assert any(s.operator == ">=" for s in req.specifier) and any(s.operator == "<" for s in req.specifier), (
            f"{req.name}: give a tested range with both ends"
        )


def test_installed_versions_are_the_pinned_ones():
    """What the suite runs on is what constraints.txt says (CI installs it; check-latest.sh does not)."""
    import os
    from importlib.metadata import version

    if os.environ.get("HAWK_UNPINNED") == "1":  # set by scripts/check-latest.sh
        return
    for name in ("transformers", "tokenizers", "huggingface-hub", "datasets", "safetensors", "typer", "rich"):
        assert version(name) == _pins()[name], f"{name} {version(name)} installed, constraints.txt pins {_pins()[name]}"
