"""Qwen2.5-VL: same token and position layout as Qwen2-VL (window attention lives in the vision tower)."""

from __future__ import annotations

from hawkcli.models.adapters.qwen2_vl import Qwen2VLAdapter
from hawkcli.models.registry import register


@register
class Qwen25VLAdapter(Qwen2VLAdapter):
    model_types = ("qwen2_5_vl",)
