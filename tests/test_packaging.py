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
