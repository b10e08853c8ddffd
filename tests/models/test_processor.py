import torch

from hawkcli.models.families.qwen2_vl import QwenVLInputs
from tests.conftest import make_image


def test_image_tokens_expand_to_merged_grid(tiny_model_dir):
    proc = QwenVLInputs.from_pretrained(str(tiny_model_dir))
    batch = proc([make_image(0, (100, 80)), make_image(1, (60, 60))], ["what colour is the circle ?", "what ?"])
    merge = proc.image_processor.merge_size**2
    per_image = (batch["image_grid_thw"].prod(-1) // merge).tolist()
    counts = (batch["input_ids"] == proc.image_token_id).sum(1).tolist()
    assert counts == per_image
    assert torch.equal(batch["mm_token_type_ids"].bool(), batch["input_ids"] == proc.image_token_id)
    assert batch["attention_mask"][1, 0] == 0, "left padding"
    assert batch["pixel_values"].shape[0] == int(batch["image_grid_thw"].prod(-1).sum())


def test_pixel_limits_pass_through(tiny_qwen25):
    from hawkcli.models.processing import ProcessorOptions

    small = QwenVLInputs.from_pretrained(str(tiny_qwen25), options=ProcessorOptions(max_pixels=56 * 56))
    batch = small([make_image(0, (300, 300))], ["what ?"])
    assert batch["image_grid_thw"].prod().item() <= 16
