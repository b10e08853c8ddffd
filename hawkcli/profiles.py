"""Head-importance profiles: versioned `.safetensors` files with provenance metadata (DESIGN §6).

Reading never unpickles anything: safetensors holds only tensors and a str→str header.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from hawkcli.errors import ProfileError

FORMAT_VERSION = "1"
SHIPPED_PACKAGE = "hawkcli.shipped_profiles"


@dataclass
class Profile:
    """Per-head importance, one row per profiled decoder layer."""

    importance: list[list[float]]
    metadata: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    reason: str = ""  # why a command picked this profile (said on stderr)

    @property
    def layers(self) -> list[int]:
        raw = self.metadata.get("hawk.layers", "0")
        if raw == "all":  # one row profiled by ablating a head index in every layer at once
            return []
        return [int(x) for x in raw.split(",") if x.strip()]

    @property
    def num_heads(self) -> int:
        return len(self.importance[0]) if self.importance else 0

    @property
    def model_id(self) -> str:
        return self.metadata.get("hawk.model_id", "")

    @property
    def name(self) -> str:
        return Path(self.path).stem if self.path else self.model_id

    def head_weights(self, layer: int = 0) -> list[float]:
        """The importance row for decoder `layer` (the scorer uses layer 0)."""
        layers = self.layers
        if layer in layers:
            return self.importance[layers.index(layer)]
        if len(self.importance) == 1:
            # A single row profiled with `all-layers` scope applies to every layer, layer 0 included.
            return self.importance[0]
        raise ProfileError(f"profile {self.name} has no row for layer {layer} (it has layers {layers})")


def shipped_dir() -> Path:
    return Path(str(resources.files(SHIPPED_PACKAGE)))


def shipped_profiles() -> dict[str, Path]:
    """Shipped profile name (file stem) → path."""
    return {p.stem: p for p in sorted(shipped_dir().glob("*.safetensors"))}


def read_header(path: str | Path) -> dict:
    """The raw safetensors JSON header (tensor index + `__metadata__`) without reading tensor data."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            size_bytes = f.read(8)
            if len(size_bytes) != 8:
                raise ProfileError(f"{path} is not a safetensors file")
            (size,) = struct.unpack("<Q", size_bytes)
            if size > 100_000_000:
                raise ProfileError(f"{path} is not a safetensors file")
            return json.loads(f.read(size))
    except OSError as err:
        raise ProfileError(f"cannot read profile {path}: {err.strerror or err}") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ProfileError(f"{path} is not a safetensors file") from err


def resolve(name_or_path: str) -> Path:
    """A profile path from a file path or the name of a shipped profile."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    shipped = shipped_profiles()
    if name_or_path in shipped:
        return shipped[name_or_path]
    names = ", ".join(shipped) or "none"
    raise ProfileError(f"no profile file or shipped profile named {name_or_path!r} (shipped: {names})")


def load(name_or_path: str) -> Profile:
    from safetensors import safe_open

    path = resolve(name_or_path)
    read_header(path)  # fails with a clean message on non-safetensors input
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = dict(f.metadata() or {})
            if "importance" not in f.keys():  # noqa: SIM118 (safe_open handles are not mappings)
                raise ProfileError(f"{path} has no 'importance' tensor; is it a hawk profile?")
            importance = f.get_tensor("importance").float()
    except ProfileError:
        raise
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise ProfileError(f"cannot read profile {path}: {err}") from err
    if importance.ndim == 1:
        importance = importance[None]
    if importance.ndim != 2:
        raise ProfileError(f"{path}: 'importance' must be [layers, heads], got {list(importance.shape)}")
    version = meta.get("hawk.format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ProfileError(f"{path}: profile format version {version} is not supported (this hawk reads 1)")
    return Profile(importance.tolist(), meta, str(path))


def check_weights(weights, label: str) -> None:
    """Refuse head weights the scorer cannot use: non-finite, negative, or all zeros.

    Such a file can still be read and inspected; it is refused where it would score tokens.
    """
    import torch

    w = torch.as_tensor(weights, dtype=torch.float32)
    if not torch.isfinite(w).all():
        raise ProfileError(f"{label} holds NaN or infinite head importance; re-run `hawk profile`")
    if (w < 0).any():
        raise ProfileError(f"{label} holds negative head importance (min {float(w.min()):.3g}); it must be >= 0")
    if not w.any():
        raise ProfileError(
            f"{label} is all zeros: no head was measured to matter; profile on more samples or another "
            "--metric, or use --method uniform"
        )


def save(path: str | Path, importance, metadata: dict[str, str], extra: dict | None = None) -> Path:
    """Write a profile atomically (temp file + rename) so readers never see half a file."""
    import torch
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {"importance": torch.as_tensor(importance, dtype=torch.float32).contiguous()}
    for key, value in (extra or {}).items():
        tensors[key] = torch.as_tensor(value, dtype=torch.float32).contiguous()
    meta = {"format": "pt", "hawk.format_version": FORMAT_VERSION, **{k: str(v) for k, v in metadata.items()}}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=meta)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a profile is meant to be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _repo_name(model_id: str) -> str:
    return model_id.rstrip("/").split("/")[-1].lower()


def matches_model(profile: Profile, model_id: str) -> bool:
    """Same hub id, or a local folder named like the profiled repository (a downloaded copy)."""
    if not profile.model_id:
        return False
    return profile.model_id == model_id or _repo_name(profile.model_id) == _repo_name(model_id)


def find_for_model(model_id: str) -> Profile | None:
    """The shipped profile made for `model_id`, if any."""
    for path in shipped_profiles().values():
        profile = load(str(path))
        if matches_model(profile, model_id):
            return profile
    return None


def check_compatible(profile: Profile, model_id: str, num_heads: int, force: bool = False) -> None:
    """Refuse a profile for another model: head count always, model id unless `force`."""
    if profile.num_heads != num_heads:
        raise ProfileError(
            f"profile {profile.name} has {profile.num_heads} heads per layer but the model has {num_heads}"
        )
    if not force and profile.model_id and not matches_model(profile, model_id):
        raise ProfileError(
            f"profile {profile.name} was made for {profile.model_id}, not {model_id} (use --force to use it anyway)"
        )
