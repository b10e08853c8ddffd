"""Method registry: every module in `hawkcli.methods` registers its class on import."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from hawkcli.errors import HawkError

_METHODS: dict[str, type] = {}
_loaded = False
_INFRASTRUCTURE = {"base", "registry"}


def register(cls: type) -> type:
    _METHODS[cls.name] = cls
    return cls


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    import hawkcli.methods as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in _INFRASTRUCTURE:
            importlib.import_module(f"{pkg.__name__}.{info.name}")
    _loaded = True


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
