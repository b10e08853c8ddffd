"""Answer batches of questions with a pruned model and produce one result record per item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hawkcli.errors import first_line
from hawkcli.inputs import Item, load_images, resolve
from hawkcli.requests import GenerationConfig, Prompt
from hawkcli.session import Session
from hawkcli.video import read_video
from hawkcli.visuals import Visuals


@dataclass
class RunConfig:
    """How `hawk run` answers: decoding, and where to draw the kept tokens (the pruning is the session's)."""

    generation: GenerationConfig = field(default_factory=GenerationConfig)
    overlay: str | None = None  # a PNG path (single item) or a folder (one <id>.png per item)
    overlay_is_dir: bool = False


def _answer(session: Session, items: list[Item], visuals: list[Visuals], cfg: RunConfig) -> list[dict]:
    prompts = [Prompt(it.question) for it in items]
    ran = session.run(prompts, cfg.generation, visuals)
    records = []
    for item, answer in zip(items, session.generations(ran, cfg.generation), strict=True):
        records.append(
            {
                "id": item.id,
                "question": item.question,
                "answer": answer.text,
                "model": session.loaded.name,
                "method": session.method,
                "keep": ran.stats.keep,
                "profile": session.profile.name if session.profile is not None else None,
                **answer.measurements(),
            }
        )
    if cfg.overlay:
        _save_overlays(session.loaded, ran.inputs, items, visuals, records, cfg)
    return records


def _save_overlays(
    loaded: Any, inputs: Any, items: list[Item], visuals: list[Visuals], records: list[dict], cfg: RunConfig
) -> None:
    from pathlib import Path

    from hawkcli.overlay import save_overlays

    for row, (item, shown, record) in enumerate(zip(items, visuals, records, strict=True)):
        target = Path(cfg.overlay) / f"{Path(item.id).stem}.png" if cfg.overlay_is_dir else Path(cfg.overlay)
        layout = loaded.processor.layout(inputs, row, shown)
        paths = save_overlays(shown, layout, record["kept_visual_indices"], target)
        record["overlay"] = str(paths[0]) if len(paths) == 1 else [str(p) for p in paths]


def load_visuals(session: Session, item: Item) -> Visuals:
    """The item's images and its videos, sampled as the model's family samples them."""
    videos = [read_video(resolve(item, v), session.sampling, session.processor) for v in item.videos]
    return Visuals(load_images(item), videos)


def error_record(item: Item, message: str) -> dict:
    return {"id": item.id, "error": message}


def answer_batch(session: Session, items: list[Item], cfg: RunConfig) -> list[dict]:
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
            visuals.append(load_visuals(session, item))
            good.append(i)
        except HawkError as err:
            results[i] = error_record(item, str(err))
    if good:
        batch = [items[i] for i in good]
        try:
            records = _answer(session, batch, visuals, cfg)
        except HawkError:
            raise  # configuration problems (method, profile) affect every item alike
        except (ValueError, RuntimeError) as err:
            if len(batch) == 1:
                records = [error_record(batch[0], first_line(err))]
            else:
                # Retry one by one so only the offending item fails.
                records = [answer_batch(session, [it], cfg)[0] for it in batch]
        for i, record in zip(good, records, strict=True):
            results[i] = record
    return [results[i] for i in range(len(items))]
