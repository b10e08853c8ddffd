"""Import every module of a package once, so that modules that register themselves are found.

Adding a method or an architecture is then adding one file: no list to update anywhere.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil


@functools.cache
def import_all(package: str, skip: frozenset[str] = frozenset()) -> None:
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in skip:
            importlib.import_module(f"{package}.{info.name}")
