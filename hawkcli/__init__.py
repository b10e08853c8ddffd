"""hawk: head importance-aware visual token pruning for vision-language models.

    import hawkcli
    session = hawkcli.load("qwen2.5-vl-7b", method="hawk", keep=0.2)
    [answer] = session.generate([hawkcli.Prompt("What is shown?", images=[image])])

Importing this package is cheap (no torch); the names below load the heavy parts on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# public name → the module that defines it
_LAZY = {
    "load": "hawkcli.session",
    "Session": "hawkcli.session",
    "Generation": "hawkcli.session",
    "Prompt": "hawkcli.requests",
    "GenerationConfig": "hawkcli.requests",
    "prune": "hawkcli.pruning",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    # Lazy so that `hawk --version` and `import hawkcli` never pull in torch.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hawkcli' has no attribute {name!r}")
