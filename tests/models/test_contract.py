"""The transformers contract the pruning hooks rely on. A failure here names the version and what changed."""

from __future__ import annotations

import inspect

import pytest
import transformers
from packaging.version import Version
from transformers.generation.utils import GenerationMixin
from transformers.models.qwen2_5_vl import modeling_qwen2_5_vl as q25
from transformers.models.qwen2_vl import modeling_qwen2_vl as q2

from hawkcli.models import calls

INSTALLED = Version(transformers.__version__)
WHO = f"transformers {transformers.__version__}"
TEXT_MODELS = [(q25.Qwen2_5_VLTextModel, q25.Qwen2_5_VLDecoderLayer), (q2.Qwen2VLTextModel, q2.Qwen2VLDecoderLayer)]


def _pyproject_range() -> tuple[Version, Version]:
    from importlib.metadata import requires

    spec = next(r for r in requires("hawk-vlm") if r.startswith("transformers"))
    from packaging.requirements import Requirement

    bounds = {s.operator: Version(s.version) for s in Requirement(spec).specifier}
    return bounds[">="], bounds["<"]


def expected_convention() -> calls.CallConvention:
    """The newest known convention whose `since` is not after the installed version."""
    return [c for c in calls.CONVENTIONS if Version(c.since) <= INSTALLED][-1]


def test_version_in_tested_range():
    low, high = _pyproject_range()
    assert low <= INSTALLED < high, f"{WHO} is outside hawk's tested range [{low}, {high})"


def test_conventions_are_ordered_and_distinct():
    versions = [Version(c.since) for c in calls.CONVENTIONS]
    assert versions == sorted(versions) and len(set(calls.CONVENTIONS)) == len(calls.CONVENTIONS)


@pytest.mark.parametrize(("text_model", "layer"), TEXT_MODELS, ids=lambda c: c.__name__)
def test_text_model_and_layers_speak_the_convention_of_their_version(text_model, layer):
    expected = expected_convention()
    found = calls.matching(text_model, layer)
    model_params = set(inspect.signature(text_model.forward).parameters)
    layer_params = set(inspect.signature(layer.forward).parameters)
    missing = [k for k in expected.model_keywords() if k not in model_params]
    missing += [k for k in expected.layer_keywords() if k not in layer_params]
    assert not missing, (
        f"{WHO}: {text_model.__name__} / {layer.__name__} no longer take {missing}, which hawk expects since "
        f"{expected.since}; add a CallConvention row to hawkcli/models/calls.py for this release"
    )
    assert found and found[0] == expected, (
        f"{WHO}: {text_model.__name__} matches {found}, hawk expects the {expected.since} convention"
    )


def test_cache_keyword_history():
    """Documents the renames hawk absorbs: 5.24 moved the cache from `past_key_values` to `cache`."""
    by_version = {c.since: c.cache for c in calls.CONVENTIONS}
    assert by_version["5.20"] == "past_key_values" and by_version["5.24"] == "cache"


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


def test_unknown_convention_is_one_clear_error():
    class Odd:
        def forward(self, inputs_embeds=None, kv=None):
            pass

    calls._for_classes.cache_clear()
    with pytest.raises(calls.HawkError, match="does not know"):
        calls._for_classes(Odd, None)
