"""Family adapter registry keyed by `config.model_type`; each family file registers itself on import."""

from __future__ import annotations

from typing import Any

from hawkcli.errors import UnsupportedModelError
from hawkcli.plugins import import_all

_ADAPTERS: dict[str, type] = {}


def register(cls: type) -> type:
    for model_type in cls.model_types:
        _ADAPTERS[model_type] = cls
    return cls


def _load_builtin() -> None:
    import_all("hawkcli.models.families")


def supported_model_types() -> list[str]:
    _load_builtin()
    return sorted(_ADAPTERS)


def check_supported(model_type: str) -> None:
    _load_builtin()
    if model_type not in _ADAPTERS:
        raise UnsupportedModelError(
            f"model type {model_type!r} is not supported; supported: {', '.join(supported_model_types())}"
        )


def adapter_class(model_type: str) -> type:
    check_supported(model_type)
    return _ADAPTERS[model_type]


def adapter_for(model: Any) -> Any:
    """The adapter instance for a loaded model."""
    return adapter_class(model.config.model_type)(model)


def adapters() -> dict[str, type]:
    """Every registered `model_type` and its adapter class."""
    _load_builtin()
    return dict(sorted(_ADAPTERS.items()))
