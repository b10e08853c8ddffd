"""hawk: head importance-aware visual token pruning for vision-language models.

Importing this package is cheap (no torch); `hawkcli.prune` loads the heavy parts on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "prune"]


def __getattr__(name: str) -> Any:
    # Lazy so that `hawk --version` and `import hawkcli` never pull in torch.
    if name == "prune":
        from hawkcli.pruning import prune

        return prune
    raise AttributeError(f"module 'hawkcli' has no attribute {name!r}")
