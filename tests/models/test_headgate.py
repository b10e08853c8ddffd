"""Per-head visual gates (attribution) on tiny real models: g = 1 is the model, g = 0 the exact ablation."""

import pytest
import torch

from hawkcli.attribution import Attributor
from hawkcli.data.loaders import load as load_data
from hawkcli.models.headgate import GatePlan, gate_plan, headgate_attention
from hawkcli.models.headmask import AblationPlan, headmask_ablation, plan
from hawkcli.models.loading import LoadOptions, load
from hawkcli.profiling import ProfileConfig, Profiler, answer_loglik, parse_scope
from tests.models.test_headmask import _load_with_inputs


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_gates_at_one_are_bit_identical(tiny_model_dir, attn):
    model, inputs, visual = _load_with_inputs(tiny_model_dir, attn)
    heads = model.config.text_config.num_attention_heads
    with torch.no_grad():
        ref = model(**inputs).logits
        with headgate_attention(model.config.text_config), gate_plan(GatePlan({0: torch.ones(2, heads)}, visual)):
            gated = model(**inputs).logits
    assert torch.equal(ref, gated) and model.config.text_config._attn_implementation == attn


def test_gate_zero_is_the_exact_ablation(tiny_qwen25):
    model, inputs, visual = _load_with_inputs(tiny_qwen25, "sdpa")
    heads = model.config.text_config.num_attention_heads
    gates = torch.ones(2, heads)
    gates[:, 1] = 0.0
    ablate = torch.zeros(2, heads, dtype=torch.bool)
    ablate[:, 1] = True
    with torch.no_grad():
        with headgate_attention(model.config.text_config), gate_plan(GatePlan({0: gates}, visual)):
            gated = model(**inputs).logits
        with headmask_ablation(model.config.text_config), plan(AblationPlan({0: ablate}, visual)):
            exact = model(**inputs).logits
    torch.testing.assert_close(gated, exact, rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def attributor_setup(tiny_qwen25):
    loaded = load(LoadOptions(model=str(tiny_qwen25), device="cpu"))
    return loaded, load_data("synth", 3, 0).examples


def test_gradient_matches_the_finite_difference_of_the_gated_forward(attributor_setup):
    loaded, examples = attributor_setup
    attributor = Attributor(loaded, ProfileConfig(estimator="attribution"), parse_scope("layer0", 2))
    base, grad = attributor.gradients(examples)
    proc, model = loaded.processor, loaded.model
    inputs, target = proc.with_answers([e.image for e in examples], [e.question for e in examples],
                                       [e.answers[0] for e in examples])  # fmt: skip
    visual = loaded.adapter.visual_mask(inputs["input_ids"])
    eps = 1e-3
    for head in (0, 2):
        gates = torch.ones(len(examples), loaded.adapter.num_heads)
        gates[:, head] = 1 - eps
        with torch.no_grad(), headgate_attention(loaded.adapter.text_config()), gate_plan(GatePlan({0: gates}, visual)):
            out = model.model(**inputs)
        ll = answer_loglik(out.last_hidden_state, model.lm_head, inputs["input_ids"], target)
        finite = (base - ll) / eps
        torch.testing.assert_close(finite, grad[:, 0, head], rtol=2e-2, atol=1e-6)


def test_a_head_that_writes_nothing_has_zero_gradient(tiny_qwen25, tmp_path):
    from transformers import AutoModelForImageTextToText

    model = AutoModelForImageTextToText.from_pretrained(tiny_qwen25)
    attn = model.model.language_model.layers[0].self_attn
    with torch.no_grad():
        attn.o_proj.weight[:, 1 * attn.head_dim : 2 * attn.head_dim] = 0
    model.save_pretrained(tmp_path / "m")
    for name in ("tokenizer.json", "tokenizer_config.json", "preprocessor_config.json", "chat_template.jinja"):
        if (tiny_qwen25 / name).exists():
            (tmp_path / "m" / name).write_bytes((tiny_qwen25 / name).read_bytes())
    loaded = load(LoadOptions(model=str(tmp_path / "m"), device="cpu"))
    _, grad = Attributor(loaded, ProfileConfig(estimator="attribution"), parse_scope("layers", 2)).gradients(
        load_data("synth", 2, 0).examples
    )
    assert torch.all(grad[:, 0, 1] == 0) and grad[:, 0].abs().sum() > 0


def test_attribution_is_deterministic_and_shaped_like_exact(attributor_setup):
    loaded, examples = attributor_setup
    scope = parse_scope("layers", 2)
    cfg = ProfileConfig(estimator="attribution")
    first, second = Attributor(loaded, cfg, scope).chunk(examples, "exact_match"), None
    second = Attributor(loaded, cfg, scope).chunk(examples, "exact_match")
    assert first == second
    exact = Profiler(loaded, ProfileConfig(), scope).chunk(examples, "exact_match")
    assert [len(r["heads"]) for r in first] == [len(r["heads"]) for r in exact] == [2] * 3
    assert all(len(row) == loaded.adapter.num_heads for r in first for row in r["heads"])
    assert [r["base"] for r in first] == pytest.approx([r["base"] for r in exact], abs=1e-6)
