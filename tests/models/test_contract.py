"""The transformers contract the pruning hooks rely on. A failure here names the version that broke it."""

from __future__ import annotations

import inspect

import transformers
from packaging.version import Version
from transformers.generation.utils import GenerationMixin
from transformers.models.qwen2_5_vl import modeling_qwen2_5_vl as q25
from transformers.models.qwen2_vl import modeling_qwen2_vl as q2

TESTED = (Version("5.20"), Version("5.30"))
WHO = f"transformers {transformers.__version__}"


def test_version_in_tested_range():
    v = Version(transformers.__version__)
    assert TESTED[0] <= v < TESTED[1], f"{WHO} is outside hawk's tested range [{TESTED[0]}, {TESTED[1]})"


def test_text_decoder_forward_signature():
    for module in (q25.Qwen2_5_VLTextModel, q2.Qwen2VLTextModel):
        params = inspect.signature(module.forward).parameters
        for name in ("inputs_embeds", "position_ids", "attention_mask", "past_key_values"):
            assert name in params, f"{WHO}: {module.__name__}.forward lost `{name}`; hawk's prune hook needs it"


def test_multimodal_forward_takes_ids_and_mask():
    for module in (q25.Qwen2_5_VLModel, q2.Qwen2VLModel):
        params = inspect.signature(module.forward).parameters
        for name in ("input_ids", "attention_mask", "mm_token_type_ids"):
            assert name in params, f"{WHO}: {module.__name__}.forward lost `{name}`"


def test_generation_mask_update_hook_point():
    fn = getattr(GenerationMixin, "_update_model_kwargs_for_generation", None)
    assert fn is not None, f"{WHO}: GenerationMixin._update_model_kwargs_for_generation is gone"
    params = list(inspect.signature(fn).parameters)
    assert params[:3] == ["self", "outputs", "model_kwargs"], f"{WHO}: its signature changed to {params}"


def test_model_layout():
    for cls in (q25.Qwen2_5_VLModel, q2.Qwen2VLModel):
        src = inspect.getsource(cls.__init__)
        assert "self.language_model" in src, f"{WHO}: {cls.__name__} no longer has .language_model"
