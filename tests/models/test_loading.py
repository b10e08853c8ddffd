import json

import pytest

from hawkcli.errors import HawkError, InputError, UnsupportedModelError
from hawkcli.models.loading import LoadOptions, load, pick_device, resolve_model


def test_aliases_and_paths(tiny_qwen25):
    assert resolve_model("qwen2.5-vl-7b") == "Qwen/Qwen2.5-VL-7B-Instruct"
    assert resolve_model("qwen2-vl-2b") == "Qwen/Qwen2-VL-2B-Instruct"
    assert resolve_model("org/some-model") == "org/some-model"
    assert resolve_model(str(tiny_qwen25)) == str(tiny_qwen25.resolve())
    with pytest.raises(InputError, match="does not exist"):
        resolve_model("/no/such/folder")


def test_loads_a_local_folder(tiny_qwen25):
    loaded = load(LoadOptions(model=str(tiny_qwen25), device="cpu"))
    assert loaded.adapter.num_heads == 4
    assert loaded.model.config._attn_implementation == "sdpa"
    assert not loaded.model.training


def test_unsupported_architecture_lists_supported(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    with pytest.raises(UnsupportedModelError, match="qwen2_5_vl, qwen2_vl"):
        load(LoadOptions(model=str(tmp_path), device="cpu"))


def test_cuda_requested_without_cuda():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(HawkError, match="no CUDA device"):
        pick_device("cuda")
    with pytest.raises(InputError, match="unknown device"):
        pick_device("tpu-ish")


def test_offline_unknown_hub_id_is_a_clean_error():
    with pytest.raises(HawkError, match="cannot load model"):
        load(LoadOptions(model="nobody/not-a-model", offline=True, device="cpu"))
