"""Is the model hub reachable, and is a repository already in the local hub cache?

Without a network, huggingface_hub retries every request five times with back-off (about 25 s and a
dozen warning lines per file) before it says so. hawk asks once, with a short TCP connect to the hub
endpoint (or to the proxy the environment names), and goes offline — or fails in one line — at once.
"""

from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

PROBE_TIMEOUT_S = 3.0
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def _probe_target() -> tuple[str, int]:
    """Where a request to the hub would first connect: the proxy if one is configured, else the hub."""
    for name in PROXY_VARIABLES:
        if os.environ.get(name):
            url = urlparse(os.environ[name] if "://" in os.environ[name] else f"http://{os.environ[name]}")
            return url.hostname or "", url.port or 8080
    url = urlparse(endpoint())
    return url.hostname or "", url.port or (443 if url.scheme == "https" else 80)


@functools.lru_cache(maxsize=1)
def reachable(timeout: float = PROBE_TIMEOUT_S) -> bool:
    host, port = _probe_target()
    if not host:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:  # DNS failure, refused, unreachable network, timeout
        return False


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or os.environ.get("TRANSFORMERS_OFFLINE") == "1"


def go_offline() -> None:
    """Make huggingface_hub, transformers and datasets use the local cache only, also if already imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    import sys

    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = True
    config = sys.modules.get("datasets.config")  # reads HF_HUB_OFFLINE once, at import
    if config is not None:
        config.HF_HUB_OFFLINE = True


def quiet() -> None:
    """Keep huggingface_hub's per-retry warnings off the screen (HAWK_DEBUG=1 shows them)."""
    if os.environ.get("HAWK_DEBUG") == "1":
        return
    from huggingface_hub.utils import logging as hub_logging

    hub_logging.set_verbosity_error()


def cached(repo_id: str, revision: str | None) -> bool:
    """Whether the repository's config.json is in the local hub cache."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    except ValueError:  # not a valid repo id
        return False
    return isinstance(found, str)


def cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)
