"""The entry point lmms-eval reads (group `lmms_eval.models`): `--model hawk` resolves to `hawkcli.lmms.model.Hawk`."""

from lmms_eval.models.registry_v2 import ModelManifest

MANIFEST = ModelManifest(model_id="hawk", simple_class_path="hawkcli.lmms.model.Hawk", aliases=("hawk_vlm",))
