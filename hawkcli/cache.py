"""Where hawk keeps work it can resume: `$HAWK_CACHE_DIR`, else `$XDG_CACHE_HOME/hawk`, else `~/.cache/hawk`."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path


def cache_dir() -> Path:
    explicit = os.environ.get("HAWK_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "hawk"


def keyed_file(kind: str, suffix: str, *parts: str) -> Path:
    """A file under `cache_dir()/kind` named after `parts`: readable slug plus a hash of all of them."""
    digest = hashlib.sha1("\0".join(parts).encode()).hexdigest()[:12]
    slug = "-".join(re.sub(r"[^A-Za-z0-9._]+", "_", Path(p).name or p)[:40] for p in parts[:2])
    return cache_dir() / kind / f"{slug}-{digest}{suffix}"
