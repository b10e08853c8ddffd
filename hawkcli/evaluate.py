"""`hawk compare` engine: every (method, keep) on the same samples, one sample at a time, measured.

Per sample it records the answer and its dataset metric, kept tokens, exact and FastV-formula prefill
FLOPs, prefill / end-to-end / selection latency, KV-cache bytes and memory. Records are keyed by
(model, method, keep, sample id) and appended to a JSONL cache as they finish, so an interrupted
comparison resumes and adding a method computes only that method.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from hawkcli.core.flops import decode_flops, fastv_formula, prefill_flops, vision_flops
from hawkcli.data.aggregates import aggregate
from hawkcli.data.loaders import Example, LoadedDataset
from hawkcli.data.metrics import METRICS
from hawkcli.methods.registry import create
from hawkcli.requests import GenerationConfig, Prompt
from hawkcli.session import Generation, Ran, Session


@dataclass
class Arm:
    """One column of the comparison: a method, its options and a keep ratio."""

    method: str
    keep: float
    options: dict[str, Any] = field(default_factory=dict)
    profile: Any = None

    @functools.cached_property
    def prune_layer(self) -> int:
        """Decoder layer where this arm's method drops tokens (0: before the language model)."""
        return create(self.method, **self.options).prune_layer()

    @property
    def effective_keep(self) -> float:
        return 1.0 if self.method == "none" else self.keep

    def key(self, model: str, sample_id: str) -> str:
        """`model` is the checkpoint fingerprint and the method's revision is in it, so retrained weights or a
        changed method never reuse old results."""
        from hawkcli.methods.registry import method_class

        revision = method_class(self.method).revision
        key = [model, self.method, revision, self.effective_keep, self.options, sample_id]
        if self.profile is not None:  # another head-importance profile is another arm
            key.append(hashlib.sha1(json.dumps(self.profile.importance).encode()).hexdigest()[:16])
        return json.dumps(key)


class ResultCache:
    """Append-only JSONL of finished sample records, keyed by (model, method, keep, options, sample)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.records: dict[str, dict] = {}
        if path is not None and path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        continue  # a line cut by an interruption: recomputed
                    self.records[rec["key"]] = rec

    def get(self, key: str) -> dict | None:
        return self.records.get(key)

    def add(self, record: dict) -> None:
        self.records[record["key"]] = record
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as f:
                f.write(json.dumps(record) + "\n")
                f.flush()
                os.fsync(f.fileno())


def model_key(loaded: Any) -> str:
    """What cached results are tied to: the name as typed and a fingerprint of the weights."""
    return f"{loaded.name}#{loaded.fingerprint}"


def _prefill_layers(loaded: Any, arm: Arm, row: Any) -> list[int]:
    """Tokens each decoder layer processes at prefill for this sample."""
    full, kept = row.prompt_tokens, row.kept_prompt_tokens
    return [full if i < arm.prune_layer else kept for i in range(loaded.adapter.num_layers)]


@dataclass
class Measured:
    ran: Ran
    answer: Generation
    memory: int | None  # CUDA peak above the resident model; None where hawk cannot measure a peak (CPU)


class Evaluator:
    """Runs arms over a dataset's examples with one session's model, one sample per `generate` call."""

    def __init__(self, session: Session, dataset: LoadedDataset, config: GenerationConfig, cache: ResultCache) -> None:
        self.session = session
        self.loaded = session.loaded
        self.dataset = dataset
        self.metric = METRICS[dataset.spec.metric]
        self.config = config
        self.cache = cache
        self.shape = self.loaded.adapter.lm_shape()
        self.vision = self.loaded.adapter.vision_shape()
        self.cuda = self.loaded.device.type == "cuda"
        self.model_key = model_key(self.loaded)

    def _generate(self, arm: Arm, example: Example) -> Measured:
        loaded = self.loaded
        session = self.session.configured(method=arm.method, keep=arm.keep, profile=arm.profile, options=arm.options)
        shown = example.read_videos(loaded.processor)
        if self.cuda:
            torch.cuda.reset_peak_memory_stats(loaded.device)
            base_mem = torch.cuda.memory_allocated(loaded.device)
        ran = session.run([Prompt(example.question)], self.config, [shown])
        # On a CPU the allocator hands freed pages back to no one, so RSS growth per sample reads 0 after
        # the first: no number is better than one that looks measured.
        mem = torch.cuda.max_memory_allocated(loaded.device) - base_mem if self.cuda else None
        (answer,) = session.generations(ran, self.config)
        return Measured(ran, answer, mem)

    def run_one(self, arm: Arm, example: Example) -> dict:
        m = self._generate(arm, example)
        ran, answer = m.ran, m.answer
        row = answer.stats
        per_layer = _prefill_layers(self.loaded, arm, row)
        kv_bytes = 2 * sum(per_layer) * self.shape.kv_heads * self.shape.head_dim * self.loaded.model.dtype.itemsize
        patches = self.loaded.adapter.vision_patches(ran.inputs)
        return {
            "key": arm.key(self.model_key, example.id),
            "model": self.loaded.name,
            "method": arm.method,
            "keep": arm.effective_keep,
            "options": arm.options,
            "sample_id": example.id,
            "task": example.task,
            "group": example.group,
            "question": example.question,
            "answer": answer.text,
            "references": example.answers,
            "score": self.metric(answer.text, example.answers),
            "visual_tokens": row.visual_tokens,
            "kept_visual_tokens": row.kept_visual_tokens,
            "kept_visual_indices": row.kept_visual_indices,
            "prompt_tokens": row.prompt_tokens,
            "prefill_flops": prefill_flops(self.shape, per_layer),
            "fastv_flops": fastv_formula(self.shape, per_layer),
            "decode_flops_first": decode_flops(self.shape, per_layer),
            "vision_flops": vision_flops(self.vision, patches) if self.vision and patches else None,
            "prefill_ms": ran.prefill_ms,
            "total_ms": ran.total_ms,
            "selection_ms": answer.scoring_ms,
            "generated_tokens": answer.generated_tokens,
            "kv_cache_bytes": kv_bytes,
            "memory_bytes": m.memory,
            "memory_kind": "cuda_peak" if self.cuda else "not_measured",
            "device": str(self.loaded.device),
        }

    def warm_up(self, arm: Arm) -> None:
        self._generate(arm, self.dataset.examples[0])

    def run_arm(self, arm: Arm, progress: Callable[[int], None] | None = None) -> list[dict]:
        """Every sample of one arm, from the cache where it has them; new records are cached as they finish."""
        todo = [e for e in self.dataset.examples if self.cache.get(arm.key(self.model_key, e.id)) is None]
        if todo:
            self.warm_up(arm)  # first-call allocations and kernel selection stay out of the timings
        records = []
        for example in self.dataset.examples:
            record = self.cache.get(arm.key(self.model_key, example.id))
            if record is None:
                record = self.run_one(arm, example)
                self.cache.add(record)
            if progress:
                progress(1)
            records.append(record)
        return records

    def run(
        self,
        arms: list[Arm],
        progress: Callable[[int], None] | None = None,
        on_error: Callable[[Arm, Exception, int], None] | None = None,
    ) -> Iterator[dict]:
        """Records of every arm. With `on_error`, an arm that fails is reported (arm, error, samples it
        finished) and skipped, and the other arms still run; without it the error propagates."""
        for arm in arms:
            done = [0]

            def count(n: int, done: list[int] = done) -> None:
                done[0] += n
                if progress:
                    progress(n)

            try:
                records = self.run_arm(arm, count)
            except Exception as err:
                if on_error is None:
                    raise
                if progress:
                    progress(len(self.dataset.examples) - done[0])
                on_error(arm, err, done[0])
                continue
            yield from records


def summarize(records: list[dict], benchmark: str = "exact_match") -> list[dict]:
    """One row per (method, keep): means of counts/FLOPs/score, medians of latencies, and the benchmark's
    own numbers (`benchmark`: an aggregate of hawkcli.data.aggregates, lmms-eval's names and scales)."""
    groups: dict[tuple[str, float], list[dict]] = {}
    for r in records:
        groups.setdefault((r["method"], r["keep"]), []).append(r)
    baseline = groups.get(("none", 1.0))
    base_acc = statistics.fmean(r["score"] for r in baseline) if baseline else None
    rows = []
    for (method, keep), rs in groups.items():
        acc = statistics.fmean(r["score"] for r in rs)
        rows.append(
            {
                "method": method,
                "keep": keep,
                "samples": len(rs),
                "kept_tokens": statistics.fmean(r["kept_visual_tokens"] for r in rs),
                "visual_tokens": statistics.fmean(r["visual_tokens"] for r in rs),
                "accuracy": acc,
                "relative_to_none": (100 * acc / base_acc) if base_acc else None,
                "prefill_tflops": statistics.fmean(r["prefill_flops"] for r in rs) / 1e12,
                "fastv_tflops": statistics.fmean(r["fastv_flops"] for r in rs) / 1e12,
                "prefill_ms": statistics.median(r["prefill_ms"] for r in rs),
                "total_ms": statistics.median(r["total_ms"] for r in rs),
                "selection_ms": statistics.median(r["selection_ms"] for r in rs),
                "kv_cache_mb": statistics.fmean(r["kv_cache_bytes"] for r in rs) / 2**20,
                "memory_mb": _median_mb([r["memory_bytes"] for r in rs]),
                "memory_kind": rs[0]["memory_kind"],
                "accuracy_by_task": _by_task(rs),
                "metrics": aggregate(benchmark, rs),
            }
        )
    rows.sort(key=lambda r: (r["method"] != "none", r["method"], -r["keep"]))
    return rows


def _median_mb(values: list[int | None]) -> float | None:
    """Median in MiB, or None when any sample was not measured (never a zero that looks measured)."""
    if not values or any(v is None for v in values):
        return None
    return statistics.median(values) / 2**20


def _by_task(records: list[dict]) -> dict[str, float]:
    """Mean score per task label (synth and other task-tagged data); empty when untagged."""
    tasks: dict[str, list[float]] = {}
    for r in records:
        if r.get("task"):
            tasks.setdefault(r["task"], []).append(r["score"])
    return {t: statistics.fmean(v) for t, v in sorted(tasks.items())}
