"""Resolve `--model` (alias, local folder or hub id) and load model + processor + adapter."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hawkcli.errors import HawkError, InputError, first_line

DEMO_ALIAS = "hawk-demo"
DEVICES_HELP = "auto|cpu|cuda[:N]|mps"
DTYPES = ("auto", "float32", "bfloat16", "float16")
ATTN = ("auto", "sdpa", "eager", "flash_attention_2")


@dataclass
class LoadOptions:
    model: str = DEMO_ALIAS
    revision: str | None = None
    offline: bool = False
    device: str = "auto"
    dtype: str = "auto"
    attn: str = "auto"
    min_pixels: int | None = None
    max_pixels: int | None = None


@dataclass
class LoadedModel:
    model: Any
    processor: Any
    adapter: Any
    model_id: str  # hub id, or the folder path for local checkpoints
    name: str  # what the user typed (alias, path or id)
    device: Any
    fingerprint: str = ""  # changes when the weights change (cache keys of `hawk compare`)


def fingerprint(resolved: str, revision: str | None) -> str:
    """Cheap identity of a checkpoint: config + size and three 64 KiB samples of each weight file.

    Hashing every byte of a 15 GB checkpoint would take minutes; retrained weights differ everywhere.
    """
    import hashlib

    folder = Path(resolved)
    if not folder.is_dir():
        return f"{resolved}@{revision or 'main'}"
    digest = hashlib.sha1((folder / "config.json").read_bytes())
    for weights in sorted(folder.glob("*.safetensors")):
        size = weights.stat().st_size
        digest.update(str(size).encode())
        with weights.open("rb") as f:
            for offset in (0, size // 2, max(0, size - 65536)):
                f.seek(offset)
                digest.update(f.read(65536))
    return digest.hexdigest()[:16]


def all_aliases() -> dict[str, str]:
    """Short names of real checkpoints -> hub ids, as each family declares them."""
    from hawkcli.models.registry import adapters

    return {alias: hub_id for cls in dict.fromkeys(adapters().values()) for alias, hub_id in cls.aliases.items()}


def demo_path() -> Path:
    return Path(__file__).resolve().parent.parent / "assets" / DEMO_ALIAS


def default_model() -> str:
    return os.environ.get("HAWK_MODEL") or DEMO_ALIAS


def resolve_model(name: str) -> str:
    """Alias → hub id or shipped folder; an existing folder → its path; anything else is a hub id."""
    if name == DEMO_ALIAS:
        path = demo_path()
        if not (path / "config.json").exists():
            raise HawkError("hawk-demo is not shipped in this install; pass --model (a folder or hub id)")
        return str(path)
    aliases = all_aliases()
    if name in aliases:
        return aliases[name]
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise InputError(f"{name} is not a model folder (no config.json)")
        return str(path.resolve())
    if name.startswith(("/", ".", "~")) or name.count("/") > 1:
        raise InputError(f"model folder {name} does not exist")
    if "/" not in name:
        # Every VLM hawk supports lives under an organisation (org/name): this is a mistyped alias.
        raise InputError(f"unknown model {name!r}: not an alias, a local folder or a hub id (org/name){_suggest(name)}")
    return name


def _suggest(name: str) -> str:
    import difflib

    known = [DEMO_ALIAS, *all_aliases()]
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"{hint} (aliases: {', '.join(known)})"


def check_hub(name: str, resolved: str, revision: str | None) -> None:
    """For a hub id: fail in one line, at once, when it cannot be had; go offline when only the cache can."""
    from hawkcli.models import hub

    if Path(resolved).is_dir():
        return
    hub.quiet()
    where = f"the hub cache ({hub.cache_dir()})"
    if hub.offline():
        if not hub.cached(resolved, revision):
            raise HawkError(
                f"cannot load model {name!r}: offline, and {resolved} is not in {where}; download it where there "
                "is a network or pass a local checkpoint folder"
            )
        return
    if hub.reachable():
        return
    if hub.cached(resolved, revision):
        sys.stderr.write(f"hawk: the hub ({hub.endpoint()}) is unreachable; using the copy in {where}\n")
        hub.go_offline()
        return
    label = repr(name) if name == resolved else f"{name!r} ({resolved})"
    raise HawkError(
        f"cannot load model {label}: not a local folder, not in {where}, and the hub ({hub.endpoint()}) is "
        "unreachable; pass a local checkpoint folder, or download it where there is a network and use --offline"
    )


def model_id_for(name: str, resolved: str) -> str:
    """The id profiles are matched against: hub id for aliases, else what was resolved."""
    if name == DEMO_ALIAS:
        return DEMO_ALIAS
    return resolved


def pick_device(device: str) -> Any:
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as err:
        raise InputError(f"unknown device {device!r} (use {DEVICES_HELP})") from err
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise HawkError(f"--device {device} asked for CUDA but no CUDA device is available")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise HawkError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s) visible")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise HawkError("--device mps asked for Apple MPS but it is not available")
    if dev.type not in {"cpu", "cuda", "mps"}:
        raise InputError(f"unsupported device {device!r} (use {DEVICES_HELP})")
    return dev


def pick_dtype(dtype: str, device: Any) -> Any:
    import torch

    if dtype not in DTYPES:
        raise InputError(f"unknown dtype {dtype!r} (use {'|'.join(DTYPES)})")
    if dtype == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16 if device.type in {"cuda", "mps"} else torch.float32
    return getattr(torch, dtype)


def pick_attn(attn: str, device: Any) -> str:
    if attn not in ATTN:
        raise InputError(f"unknown attention implementation {attn!r} (use {'|'.join(ATTN)})")
    has_flash = importlib.util.find_spec("flash_attn") is not None
    if attn == "auto":
        return "flash_attention_2" if device.type == "cuda" and has_flash else "sdpa"
    if attn == "flash_attention_2" and not (device.type == "cuda" and has_flash):
        raise HawkError("--attn flash_attention_2 needs a CUDA device and the flash-attn package")
    return attn


def _spread_over_gpus(device: Any, requested: str) -> bool:
    import torch

    return requested == "auto" and device.type == "cuda" and torch.cuda.device_count() > 1


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    # Weight-loading bars and advisory warnings are noise on a CLI's stderr; HAWK_DEBUG brings them back.
    if os.environ.get("HAWK_DEBUG") != "1":
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()


def load_config(options: LoadOptions) -> Any:
    """Check device/dtype/attention, resolve `--model` and read its config (no weights)."""
    device = pick_device(options.device)
    pick_dtype(options.dtype, device)
    pick_attn(options.attn, device)
    if options.offline:
        # Must be set before transformers / huggingface_hub are imported to take full effect.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["HF_DATASETS_OFFLINE"] = "1"
    resolved = resolve_model(options.model)
    check_hub(options.model, resolved, options.revision)
    _quiet_transformers()
    from transformers import AutoConfig

    from hawkcli.models.registry import check_supported

    try:
        config = AutoConfig.from_pretrained(resolved, revision=options.revision)
    except (OSError, ValueError) as err:
        raise HawkError(f"cannot load model {options.model!r}: {first_line(err)}") from err
    check_supported(config.model_type)
    return config


def load(options: LoadOptions) -> LoadedModel:
    """Load a supported VLM and its processor; errors the user can fix are `HawkError`s."""
    load_config(options)
    device = pick_device(options.device)
    dtype = pick_dtype(options.dtype, device)
    attn = pick_attn(options.attn, device)
    resolved = resolve_model(options.model)

    from transformers import AutoModelForImageTextToText

    from hawkcli.models.processing import ProcessorOptions
    from hawkcli.models.registry import adapter_class, adapter_for

    kwargs: dict[str, Any] = {"revision": options.revision, "dtype": dtype, "attn_implementation": attn}
    spread = _spread_over_gpus(device, options.device)
    if spread:
        if importlib.util.find_spec("accelerate") is None:
            raise HawkError("several GPUs are visible; install hawk[multi-gpu] (accelerate) or pass --device cuda:0")
        kwargs["device_map"] = "auto"  # accelerate places layers over all visible GPUs
    try:
        model = AutoModelForImageTextToText.from_pretrained(resolved, **kwargs)
        inputs_class = adapter_class(model.config.model_type).inputs_class
        processor = inputs_class.from_pretrained(
            resolved, options.revision, ProcessorOptions(options.min_pixels, options.max_pixels)
        )
    except (OSError, ValueError) as err:
        raise HawkError(f"cannot load model {options.model!r}: {first_line(err)}") from err
    if not spread:
        model.to(device)
    model.eval()
    input_device = next(model.parameters()).device
    return LoadedModel(
        model,
        processor,
        adapter_for(model),
        model_id_for(options.model, resolved),
        options.model,
        input_device,
        fingerprint(resolved, options.revision),
    )
