import pytest
import torch

from hawkcli import profiles
from hawkcli.errors import ProfileError


def test_shipped_qwen_profile_is_the_published_vector():
    p = profiles.load("qwen2.5-vl-7b")
    assert p.num_heads == 28 and p.layers == [0]
    assert p.model_id == "Qwen/Qwen2.5-VL-7B-Instruct"
    assert p.metadata["hawk.source"].startswith("published")
    w = p.head_weights(0)
    assert w[1] == pytest.approx(0.3) and w[26] == 0.0
    assert sum(w) == pytest.approx(1.2616, abs=1e-3)  # raw, as published; the scorer normalises


def test_round_trip_and_header_only_read(tmp_path):
    imp = torch.rand(2, 4)
    path = profiles.save(tmp_path / "p.safetensors", imp, {"hawk.model_id": "x/y", "hawk.layers": "0,3"})
    p = profiles.load(str(path))
    assert torch.allclose(torch.tensor(p.importance), imp)
    assert p.layers == [0, 3] and p.head_weights(3) == pytest.approx(imp[1].tolist())
    header = profiles.read_header(path)
    assert header["__metadata__"]["hawk.format_version"] == profiles.FORMAT_VERSION
    assert header["importance"]["shape"] == [2, 4]


def test_matching_and_compatibility(tmp_path):
    p = profiles.load("qwen2.5-vl-7b")
    assert profiles.matches_model(p, "/models/Qwen2.5-VL-7B-Instruct")  # a downloaded copy
    assert profiles.find_for_model("Qwen/Qwen2.5-VL-7B-Instruct") is not None
    assert profiles.find_for_model("Qwen/Qwen2-VL-2B-Instruct") is None
    with pytest.raises(ProfileError, match="28 heads"):
        profiles.check_compatible(p, "Qwen/Qwen2.5-VL-7B-Instruct", 16)
    with pytest.raises(ProfileError, match="--force"):
        profiles.check_compatible(p, "Qwen/Qwen2.5-VL-3B-Instruct", 28)
    profiles.check_compatible(p, "Qwen/Qwen2.5-VL-3B-Instruct", 28, force=True)


def test_bad_files(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 3)
    with pytest.raises(ProfileError, match="not a safetensors"):
        profiles.load(str(junk))
    with pytest.raises(ProfileError, match="no profile file or shipped profile"):
        profiles.load("no-such-profile")
    other = tmp_path / "other.safetensors"
    from safetensors.torch import save_file

    save_file({"weights": torch.ones(2)}, str(other))
    with pytest.raises(ProfileError, match="importance"):
        profiles.load(str(other))
