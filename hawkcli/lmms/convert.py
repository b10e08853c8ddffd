"""lmms-eval requests as library calls: generation kwargs, visuals, and batches that share settings."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from hawkcli.errors import HawkError
from hawkcli.inputs import IMAGE_SUFFIXES
from hawkcli.requests import GenerationConfig, Prompt

PLACEHOLDERS = ("<image>", "<video>")  # some tasks write them; hawk's chat template places the visuals itself


def generation_config(gen_kwargs: dict[str, Any], default_max_new_tokens: int, seed: int) -> GenerationConfig:
    """lmms-eval's per-task `generation_kwargs` (after its defaults: `until` ["\\n\\n"], float temperature)."""
    known = {"until", "max_new_tokens", "temperature", "top_p", "num_beams", "do_sample"}
    # lmms-eval passes model-specific extras (e.g. image_aspect_ratio for llava); they mean nothing to hawk.
    kwargs = {k: v for k, v in gen_kwargs.items() if k in known}
    until = kwargs.get("until") or ()
    return GenerationConfig(
        max_new_tokens=int(kwargs.get("max_new_tokens") or default_max_new_tokens),
        temperature=float(kwargs.get("temperature") or 0.0),
        top_p=kwargs.get("top_p"),
        num_beams=int(kwargs.get("num_beams") or 1),
        do_sample=kwargs.get("do_sample"),
        until=(until,) if isinstance(until, str) else tuple(until),
        seed=seed,
    )


def prompt(context: str, visuals: Sequence[Any]) -> Prompt:
    """What `doc_to_visual` returned (PIL images, image or clip paths) with the task's text."""
    text = context
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, "")
    images, videos = [], []
    for visual in visuals or []:
        if isinstance(visual, (str, Path)):
            (images if Path(visual).suffix.lower() in IMAGE_SUFFIXES else videos).append(str(visual))
        elif hasattr(visual, "convert"):
            images.append(visual)
        else:
            raise HawkError(f"unsupported visual {type(visual).__name__} from doc_to_visual (audio is not supported)")
    return Prompt(text, images, videos)


def batches(
    requests: list[Any], size: int, group: Callable[[Any], Any], length: Callable[[Any], int]
) -> Iterator[list[int]]:
    """Request indices in batches of `size`: requests of one group together, longest first (less padding)."""
    groups: dict[str, list[int]] = {}
    for i, request in enumerate(requests):
        groups.setdefault(json.dumps(group(request), sort_keys=True, default=str), []).append(i)
    for indices in groups.values():
        ordered = sorted(indices, key=lambda i: -length(requests[i]))
        for start in range(0, len(ordered), size):
            yield ordered[start : start + size]
