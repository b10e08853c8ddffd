"""Head ablation through AttentionInterface on tiny real models."""

import pytest
import torch
from transformers import AutoModelForImageTextToText

from hawkcli.models.families.qwen2_vl import QwenVLInputs
from hawkcli.models.headmask import AblationPlan, headmask_ablation, plan
from tests.conftest import make_image


def _load_with_inputs(folder, attn):
    model = AutoModelForImageTextToText.from_pretrained(folder, attn_implementation=attn).eval()
    proc = QwenVLInputs.from_pretrained(str(folder))
    inputs = proc([make_image(0), make_image(1, (60, 60))], ["what colour is the circle ?", "which shape is red ?"])
    return model, inputs, inputs["input_ids"] == model.config.image_token_id


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_empty_ablation_is_bit_identical(tiny_model_dir, attn):
    model, inputs, visual = _load_with_inputs(tiny_model_dir, attn)
    heads = model.config.text_config.num_attention_heads
    with torch.no_grad():
        ref = model(**inputs).logits
        with headmask_ablation(model.config.text_config):
            plain = model(**inputs).logits
            with plan(AblationPlan({0: torch.zeros(2, heads, dtype=torch.bool)}, visual)):
                empty = model(**inputs).logits
    assert torch.equal(ref, plain) and torch.equal(ref, empty)
    assert model.config.text_config._attn_implementation == attn


def test_ablation_changes_only_the_ablated_head(tiny_qwen25):
    model, inputs, visual = _load_with_inputs(tiny_qwen25, "sdpa")
    cfg = model.config.text_config
    heads, head_dim = cfg.num_attention_heads, cfg.hidden_size // cfg.num_attention_heads
    captured = []
    hook = model.model.language_model.layers[0].self_attn.o_proj.register_forward_pre_hook(
        lambda mod, args: captured.append(args[0].detach().clone())
    )
    ablate = torch.zeros(2, heads, dtype=torch.bool)
    ablate[0, 1] = True  # row 0, head 1 only
    with torch.no_grad(), headmask_ablation(cfg):
        model(**inputs)
        with plan(AblationPlan({0: ablate}, visual)):
            model(**inputs)
    hook.remove()
    before, after = (c.view(2, c.shape[1], heads, head_dim) for c in captured)
    changed = (before - after).abs().amax(dim=(1, 3))  # [rows, heads]
    assert changed[0, 1] > 0
    changed[0, 1] = 0
    assert torch.count_nonzero(changed) == 0


def test_sdpa_and_eager_agree_under_ablation(tiny_qwen25):
    out = []
    for attn in ("sdpa", "eager"):
        model, inputs, visual = _load_with_inputs(tiny_qwen25, attn)
        ablate = torch.ones(2, model.config.text_config.num_attention_heads, dtype=torch.bool)
        with (
            torch.no_grad(),
            headmask_ablation(model.config.text_config),
            plan(AblationPlan({0: ablate, 1: ablate}, visual)),
        ):
            out.append(model(**inputs).logits)
    real = inputs["attention_mask"].bool()  # padded rows are garbage in both, and differently so
    torch.testing.assert_close(out[0][real], out[1][real], atol=1e-4, rtol=1e-4)
