"""Method registry: every module in `hawkcli.methods` registers its class on import."""

from __future__ import annotations

from typing import Any

from hawkcli.errors import HawkError
from hawkcli.plugins import import_all

_METHODS: dict[str, type] = {}


def register(cls: type) -> type:
    _METHODS[cls.name] = cls
    return cls


def _load_builtin() -> None:
    import_all("hawkcli.methods", frozenset({"base", "registry"}))


def method_names() -> list[str]:
    _load_builtin()
    return sorted(_METHODS)


def method_class(name: str) -> type:
    _load_builtin()
    if name not in _METHODS:
        raise HawkError(f"unknown method {name!r}; choose from {', '.join(method_names())}")
    return _METHODS[name]


def create(name: str, head_weights: Any = None, **options: Any) -> Any:
    cls = method_class(name)
    return cls(cls.make_options(options), head_weights=head_weights)
