"""Write profiles/qwen2.5-vl-7b.safetensors from the head weights published with the HAWK paper's code.

Re-run after a profile format change: `python scripts/ship_published_profile.py`.
"""

from __future__ import annotations

from pathlib import Path

import torch
import transformers

import hawkcli
from hawkcli.profiles import save

# Layer-0 head importance of Qwen2.5-VL-7B-Instruct (28 heads) as released in peppery77/HAWK, raw.
QWEN25_VL_7B_LAYER0 = [
    0.0875, 0.3000, 0.0480, 0.0321, 0.0104, 0.0102, 0.0336, 0.0460, 0.0540, 0.0472, 0.0234, 0.0537, 0.0109,
    0.0573, 0.0276, 0.0403, 0.0429, 0.0352, 0.0162, 0.0519, 0.0553, 0.0266, 0.0222, 0.0480, 0.0337, 0.0250,
    0.0000, 0.0224,
]  # fmt: skip


def main() -> None:
    out = Path(__file__).resolve().parent.parent / "profiles" / "qwen2.5-vl-7b.safetensors"
    meta = {
        "hawk.tool_version": hawkcli.__version__,
        "hawk.model_id": "Qwen/Qwen2.5-VL-7B-Instruct",
        "hawk.model_revision": "",
        "hawk.model_type": "qwen2_5_vl",
        "hawk.num_layers": "28",
        "hawk.num_heads": "28",
        "hawk.layers": "0",
        "hawk.source": "published: HAWK paper code (peppery77/HAWK), layer-0 head weights",
        "hawk.scope": "layer0",
        "hawk.metric": "unknown (not stated by the published code)",
        "hawk.calib.datasets": "unknown (not stated by the published code)",
        "hawk.calib.samples": "",
        "hawk.calib.seed": "",
        "hawk.created": "2026-11-24T00:00:00Z",
        "hawk.torch_version": torch.__version__,
        "hawk.transformers_version": transformers.__version__,
        "hawk.dtype": "float32",
        "hawk.calib.prompts": "",
    }
    save(out, [QWEN25_VL_7B_LAYER0], meta)
    print(out)


if __name__ == "__main__":
    main()
