"""Answer batches of questions with a pruned model and produce one result record per item."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch

from hawkcli.errors import first_line
from hawkcli.inputs import Item, load_images, resolve
from hawkcli.models.loading import LoadedModel
from hawkcli.pruning import prune
from hawkcli.video import Sampling, read_video
from hawkcli.visuals import Visuals


@dataclass
class RunConfig:
    method: str = "hawk"
    keep: float = 0.2
    profile: Any = None  # a loaded Profile for methods that need one
    max_new_tokens: int = 128
    temperature: float = 0.0
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    overlay: str | None = None  # a PNG path (single item) or a folder (one <id>.png per item)
    overlay_is_dir: bool = False
    sampling: Sampling = field(default_factory=Sampling)  # how video frames are taken (--fps / --frames)
    per_frame: bool = False  # keep applies per image / video temporal step instead of per prompt


class PrefillTimer:
    """Times the first forward of a generate call (the prefill) with a pre/post hook pair."""

    def __init__(self, model: Any, device: Any) -> None:
        self.model, self.device = model, device
        self.start = 0.0
        self.ms: float | None = None

    def __enter__(self) -> PrefillTimer:
        self.handles = [
            self.model.register_forward_pre_hook(self._pre),
            self.model.register_forward_hook(self._post),
        ]
        return self

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _pre(self, *_: Any) -> None:
        if self.ms is None:
            self._sync()
            self.start = time.perf_counter()

    def _post(self, *_: Any) -> None:
        if self.ms is None:
            self._sync()
            self.ms = (time.perf_counter() - self.start) * 1000

    def __exit__(self, *exc: Any) -> None:
        for h in self.handles:
            h.remove()


def generation_kwargs(cfg: RunConfig, loaded: LoadedModel) -> dict[str, Any]:
    tok = loaded.processor.tokenizer
    kwargs: dict[str, Any] = {"max_new_tokens": cfg.max_new_tokens, "pad_token_id": tok.pad_token_id}
    if cfg.temperature > 0:
        kwargs.update(do_sample=True, temperature=cfg.temperature)
    else:
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    return kwargs


def _answer(loaded: LoadedModel, items: list[Item], visuals: list[Visuals], cfg: RunConfig) -> list[dict]:
    inputs = loaded.processor(visuals, [it.question for it in items]).to(loaded.device)
    if cfg.temperature > 0:
        torch.manual_seed(cfg.seed)
    started = time.perf_counter()
    with (
        torch.inference_mode(),
        prune(loaded.model, cfg.method, cfg.keep, cfg.profile, cfg.seed, cfg.per_frame, **cfg.options) as stats,
        PrefillTimer(loaded.model, loaded.device) as timer,
    ):
        out = loaded.model.generate(**inputs, **generation_kwargs(cfg, loaded))
    if loaded.device.type == "cuda":
        torch.cuda.synchronize(loaded.device)
    total_ms = (time.perf_counter() - started) * 1000
    prompt_len = inputs["input_ids"].shape[1]
    records = []
    eos = loaded.model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos])
    for row, (item, seq) in enumerate(zip(items, out[:, prompt_len:], strict=True)):
        ids = seq.tolist()
        # Everything after the first end token is padding added for the batch's longer rows.
        generated = next((i + 1 for i, t in enumerate(ids) if t in eos_ids), len(ids))
        r = stats.rows[row]
        records.append(
            {
                "id": item.id,
                "question": item.question,
                "answer": loaded.processor.decode(seq),
                "model": loaded.name,
                "method": cfg.method,
                "keep": stats.keep,
                "profile": cfg.profile.name if cfg.profile is not None else None,
                "visual_tokens": r.visual_tokens,
                "kept_visual_tokens": r.kept_visual_tokens,
                "kept_visual_indices": r.kept_visual_indices,
                "prompt_tokens": r.prompt_tokens,
                "kept_prompt_tokens": r.kept_prompt_tokens,
                **({"segments": r.segments} if r.segments else {}),
                "generated_tokens": generated,
                "prefill_ms": round(timer.ms or 0.0, 3),
                "scoring_ms": round(stats.scoring_ms, 3),
                "total_ms": round(total_ms, 3),
                "batch_size": len(items),
            }
        )
    if cfg.overlay:
        _save_overlays(loaded, inputs, items, visuals, records, cfg)
    return records


def _save_overlays(
    loaded: LoadedModel, inputs: Any, items: list[Item], visuals: list[Visuals], records: list[dict], cfg: RunConfig
) -> None:
    from pathlib import Path

    from hawkcli.overlay import save_overlays

    for row, (item, shown, record) in enumerate(zip(items, visuals, records, strict=True)):
        target = Path(cfg.overlay) / f"{Path(item.id).stem}.png" if cfg.overlay_is_dir else Path(cfg.overlay)
        layout = loaded.processor.layout(inputs, row, shown)
        paths = save_overlays(shown, layout, record["kept_visual_indices"], target)
        record["overlay"] = str(paths[0]) if len(paths) == 1 else [str(p) for p in paths]


def load_visuals(loaded: LoadedModel, item: Item, sampling: Sampling) -> Visuals:
    """The item's images and its videos, sampled as the model's family samples them."""
    videos = [read_video(resolve(item, v), sampling, loaded.processor) for v in item.videos]
    return Visuals(load_images(item), videos)


def error_record(item: Item, message: str) -> dict:
    return {"id": item.id, "error": message}


def answer_batch(loaded: LoadedModel, items: list[Item], cfg: RunConfig) -> list[dict]:
    """One record per item, in order; a bad item yields an error record and never sinks the batch."""
    from hawkcli.errors import HawkError

    results: dict[int, dict] = {}
    good: list[int] = []
    visuals: list[Visuals] = []
    for i, item in enumerate(items):
        if item.error:
            results[i] = error_record(item, item.error)
            continue
        try:
            visuals.append(load_visuals(loaded, item, cfg.sampling))
            good.append(i)
        except HawkError as err:
            results[i] = error_record(item, str(err))
    if good:
        batch = [items[i] for i in good]
        try:
            records = _answer(loaded, batch, visuals, cfg)
        except HawkError:
            raise  # configuration problems (method, profile) affect every item alike
        except (ValueError, RuntimeError) as err:
            if len(batch) == 1:
                records = [error_record(batch[0], first_line(err))]
            else:
                # Retry one by one so only the offending item fails.
                records = [answer_batch(loaded, [it], cfg)[0] for it in batch]
        for i, record in zip(good, records, strict=True):
            results[i] = record
    return [results[i] for i in range(len(items))]
