"""`hawk profile` engine: per-head visual-token ablation on calibration data → head importance.

For every unit (a head index, in one layer or in all layers) the unit's heads lose sight of the visual
tokens and the damage to the calibration metric is measured. With the default `loglik` metric the
unablated baseline is computed once per sample, its decoder inputs are captured, and every
(sample, unit) row is replayed through the text decoder in large batches with the ablation set
differing per row — no vision tower reruns, no generation.

Per-sample results are checkpointed after each chunk of samples; sums are taken in sample order at
the end, so a resumed or multi-process run produces exactly the tensor of an uninterrupted one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from hawkcli.data.loaders import Example, LoadedDataset
from hawkcli.data.metrics import METRICS
from hawkcli.errors import HawkError, InputError
from hawkcli.models.calls import convention_for
from hawkcli.models.headmask import AblationPlan, headmask_ablation, plan

SCOPES_HELP = "layer0 | all-layers | layer:N | layers"
METRIC_NAMES = ("loglik", "accuracy")
ESTIMATORS = ("exact", "attribution")


@dataclass
class ProfileConfig:
    scope: str = "layer0"
    metric: str = "loglik"
    samples: int = 256
    seed: int = 0
    batch_size: int = 32
    max_new_tokens: int = 16
    estimator: str = "exact"
    attribution_steps: int = 1  # gradient points on the gate path (1: the tangent at g = 1)


@dataclass(frozen=True)
class Scope:
    """Which layers each unit ablates, and the layer label of the importance rows.

    `per_layer`: one row per layer (each (layer, head) its own unit); otherwise one row, each head index
    a unit ablated in every layer of `layers` at once.
    """

    layers: tuple[int, ...]
    label: str  # written to hawk.layers
    per_layer: bool = False

    def units(self, heads: int) -> list[tuple[tuple[int, ...], int]]:
        """(layers, head) of every unit, in the order results are stored."""
        if self.per_layer:
            return [((layer,), h) for layer in self.layers for h in range(heads)]
        return [(self.layers, h) for h in range(heads)]

    def shape(self, values: list[float], heads: int) -> list:
        """Per-unit values as stored per sample: `[H]`, or `[L][H]` for a per-layer scope."""
        if not self.per_layer:
            return values
        return [values[i * heads : (i + 1) * heads] for i in range(len(self.layers))]


def parse_scope(scope: str, num_layers: int) -> Scope:
    if scope == "layer0":
        return Scope((0,), "0")
    if scope == "all-layers":
        return Scope(tuple(range(num_layers)), "all")
    if scope == "layers":
        return Scope(tuple(range(num_layers)), ",".join(map(str, range(num_layers))), per_layer=True)
    if scope.startswith("layer:"):
        try:
            n = int(scope.split(":", 1)[1])
        except ValueError:
            n = -1
        if not 0 <= n < num_layers:
            raise InputError(f"--scope {scope}: the model has layers 0..{num_layers - 1}")
        return Scope((n,), str(n))
    raise InputError(f"unknown --scope {scope!r} (use {SCOPES_HELP})")


# -- per-row metrics ------------------------------------------------------------------------------


def answer_loglik(hidden: torch.Tensor, lm_head: Any, ids: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean log-probability of the target tokens per row (length-normalised), `[rows]` float64."""
    out = []
    for row in range(ids.shape[0]):
        pos = target[row].nonzero().flatten()
        logits = lm_head(hidden[row, pos - 1]).float()  # position p-1 predicts token p
        logp = logits.log_softmax(-1).gather(-1, ids[row, pos][:, None]).squeeze(-1)
        out.append(logp.double().mean())
    return torch.stack(out)


class DecoderInputCapture:
    """Records every keyword argument the text decoder receives (embeddings, positions, masks, extras)."""

    def __init__(self) -> None:
        self.kwargs: dict[str, Any] = {}

    def __call__(self, module: Any, args: tuple, kwargs: dict) -> None:
        self.kwargs = dict(kwargs)


@dataclass
class TeacherForced:
    """A batch of calibration samples with their answers appended, and where the answer and images are."""

    inputs: Any
    ids: torch.Tensor
    target: torch.Tensor  # [B, L] bool: the answer tokens
    visual: torch.Tensor  # [B, L] bool: the visual tokens

    @classmethod
    def build(cls, loaded: Any, examples: list[Example]) -> TeacherForced:
        inputs, target = loaded.processor.with_answers(
            [e.image for e in examples], [e.question for e in examples], [e.answers[0] for e in examples]
        )
        inputs = inputs.to(loaded.device)
        ids = inputs["input_ids"]
        return cls(inputs, ids, target.to(loaded.device), loaded.adapter.visual_mask(ids))


def run_capturing_decoder_inputs(adapter: Any, inputs: Any) -> tuple[Any, dict]:
    """One unablated multimodal forward (the vision tower runs once); its output and the text decoder's inputs."""
    text_model = adapter.text_model()
    capture = DecoderInputCapture()
    handle = text_model.register_forward_pre_hook(capture, with_kwargs=True)
    try:
        out = adapter.multimodal_model()(**inputs, use_cache=False)
    finally:
        handle.remove()
    return out, capture.kwargs


class HeadEstimator:
    """What `run_profile` drives: `chunk(examples, metric)` gives per-sample records of `rows_per_sample()`."""

    def __init__(self, loaded: Any, cfg: ProfileConfig, scope: Scope) -> None:
        self.loaded = loaded
        self.model = loaded.model
        self.adapter = loaded.adapter
        self.cfg = cfg
        self.scope = scope
        self.heads = loaded.adapter.num_heads

    def rows_per_sample(self) -> int:
        return len(self.scope.units(self.heads)) + 1

    def chunk(self, examples: list[Example], answer_metric: str) -> list[dict]:
        raise NotImplementedError


class Profiler(HeadEstimator):
    """Exact per-head ablation."""

    def _plan(self, units: list[tuple[tuple[int, ...], int] | None], visual: torch.Tensor) -> AblationPlan:
        """One batch row per unit (None: unablated): that unit's head loses visual keys in its layers."""
        ablate = {layer: torch.zeros(len(units), self.heads, dtype=torch.bool) for layer in self.scope.layers}
        for row, unit in enumerate(units):
            if unit is not None:
                layers, head = unit
                for layer in layers:
                    ablate[layer][row, head] = True
        return AblationPlan(ablate, visual)

    def chunk(self, examples: list[Example], answer_metric: str) -> list[dict]:
        """Baseline and every ablated head for a few samples → `[{"base": x, "heads": [H]}]`."""
        with torch.inference_mode(), headmask_ablation(self.adapter.text_config()):
            if self.cfg.metric == "loglik":
                return self._loglik(examples)
            return self._accuracy(examples, METRICS[answer_metric])

    def _loglik(self, examples: list[Example]) -> list[dict]:
        batch, device = TeacherForced.build(self.loaded, examples), self.loaded.device
        ids, target, visual = batch.ids, batch.target, batch.visual
        text_model = self.adapter.text_model()
        calls = convention_for(text_model)
        # The unablated pass runs the vision tower once and records the decoder's inputs for replay.
        base, kw = run_capturing_decoder_inputs(self.adapter, batch.inputs)
        base_ll = answer_loglik(base.last_hidden_state, self.model.lm_head, ids, target)
        units = self.scope.units(self.heads)
        pairs = [(s, u) for s in range(len(examples)) for u in range(len(units))]
        heads_ll = torch.zeros(len(examples), len(units), dtype=torch.float64)
        for start in range(0, len(pairs), self.cfg.batch_size):
            part = pairs[start : start + self.cfg.batch_size]
            idx = torch.tensor([s for s, _ in part], device=device)
            with plan(self._plan([units[u] for _, u in part], visual[idx])):
                out = text_model(**self.adapter.replay_rows(kw, calls, idx), use_cache=False)
            ll = answer_loglik(out.last_hidden_state, self.model.lm_head, ids[idx], target[idx])
            for (s, u), value in zip(part, ll.tolist(), strict=True):
                heads_ll[s, u] = value
        return [
            {"base": float(base_ll[s]), "heads": self.scope.shape(heads_ll[s].tolist(), self.heads)}
            for s in range(len(examples))
        ]

    def _accuracy(self, examples: list[Example], metric: Callable[[str, list[str]], float]) -> list[dict]:
        proc, device = self.loaded.processor, self.loaded.device
        inputs = proc([e.image for e in examples], [e.question for e in examples]).to(device)
        visual = self.adapter.visual_mask(inputs["input_ids"])
        prompt_len = inputs["input_ids"].shape[1]

        def scores(unit: tuple[tuple[int, ...], int] | None) -> list[float]:
            with plan(self._plan([unit] * len(examples), visual)):
                out = self.model.generate(
                    **inputs,
                    max_new_tokens=self.cfg.max_new_tokens,
                    do_sample=False,
                    pad_token_id=proc.tokenizer.pad_token_id,
                )
            answers = [proc.decode(seq) for seq in out[:, prompt_len:]]
            return [metric(a, e.answers) for a, e in zip(answers, examples, strict=True)]

        base = scores(None)
        units = self.scope.units(self.heads)
        per_unit = [scores(u) for u in units]
        return [
            {"base": base[s], "heads": self.scope.shape([per_unit[u][s] for u in range(len(units))], self.heads)}
            for s in range(len(examples))
        ]


def samples_per_chunk(cfg: ProfileConfig, units: int) -> int:
    """Enough samples that one chunk fills about one batch of rows (attribution: one row per sample)."""
    if cfg.metric == "accuracy":
        return max(1, cfg.batch_size)
    if cfg.estimator == "attribution":
        return max(1, cfg.batch_size // 4)  # each row also holds its backward pass
    return max(1, cfg.batch_size // (units + 1))


# -- checkpointing ---------------------------------------------------------------------------------


def partial_path(output: Path, rank: int = 0, world: int = 1) -> Path:
    suffix = f".rank{rank}" if world > 1 else ""
    return output.with_name(f"{output.name}.partial{suffix}.json")


def _write_json_atomic(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload))
    os.replace(tmp, path)


def save_partial(path: Path, fingerprint: dict, results: dict[str, dict[int, dict]]) -> None:
    payload = {
        "fingerprint": fingerprint,
        "results": {d: {str(i): r for i, r in rs.items()} for d, rs in results.items()},
    }
    _write_json_atomic(path, payload)


def load_partial(path: Path, fingerprint: dict) -> dict[str, dict[int, dict]]:
    try:
        payload = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise HawkError(f"cannot resume from {path}: {err}") from err
    if payload.get("fingerprint") != fingerprint:
        raise HawkError(
            f"{path} belongs to a different profile run (model, data or options differ); remove it or drop --resume"
        )
    return {d: {int(i): r for i, r in rs.items()} for d, rs in payload["results"].items()}


# -- reduction -------------------------------------------------------------------------------------


def relative_drop(results: list[dict]) -> torch.Tensor:
    """`[H]` (or `[L, H]`) relative drop of the mean metric when each unit is ablated, summed in sample order."""
    base = torch.tensor([r["base"] for r in results], dtype=torch.float64).mean()
    heads = torch.tensor([r["heads"] for r in results], dtype=torch.float64).mean(0)
    return (base - heads) / base.abs().clamp_min(1e-12)


def importance_from_drops(drops: torch.Tensor) -> torch.Tensor:
    """`[D, R, H]` drops → `[R, H]`: clip at 0, L1-normalise each row per dataset, average over datasets."""
    clipped = drops.clamp_min(0)
    total = clipped.sum(-1, keepdim=True)
    normalised = torch.where(total > 0, clipped / torch.where(total > 0, total, torch.ones_like(total)), clipped)
    return normalised.mean(0)


def run_profile(
    profiler: Profiler,
    datasets: list[LoadedDataset],
    fingerprint: dict,
    partial: Path,
    resume: bool,
    rank: int = 0,
    world: int = 1,
    progress: Callable[[int], None] | None = None,
    on_chunk: Callable[[], None] | None = None,
) -> dict[str, dict[int, dict]]:
    """Compute (or resume) this rank's per-sample results for every dataset."""
    results: dict[str, dict[int, dict]] = {d.name: {} for d in datasets}
    if resume and partial.exists():
        results.update(load_partial(partial, fingerprint))
    elif partial.exists() and not resume:
        raise HawkError(f"{partial} holds an unfinished run; pass --resume to continue it or delete it")
    per_chunk = samples_per_chunk(profiler.cfg, profiler.rows_per_sample() - 1)
    for ds in datasets:
        done = results[ds.name]
        for c, start in enumerate(range(0, len(ds.examples), per_chunk)):
            if c % world != rank:
                continue
            indices = list(range(start, min(start + per_chunk, len(ds.examples))))
            if all(i in done for i in indices):
                if progress:
                    progress(len(indices) * profiler.rows_per_sample())
                continue
            for i, r in zip(indices, profiler.chunk([ds.examples[i] for i in indices], ds.spec.metric), strict=True):
                done[i] = r
            save_partial(partial, fingerprint, results)
            if progress:
                progress(len(indices) * profiler.rows_per_sample())
            if on_chunk:
                on_chunk()
    return results


def reduce(datasets: list[LoadedDataset], results: dict[str, dict[int, dict]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Merged per-sample results → (`importance [R, H]`, `deltas [D, R, H]`), both float32."""
    drops = []
    for ds in datasets:
        got = results[ds.name]
        missing = [i for i in range(len(ds.examples)) if i not in got]
        if missing:
            raise HawkError(f"profile of {ds.name} is missing {len(missing)} samples")
        drop = relative_drop([got[i] for i in range(len(ds.examples))])
        drops.append(drop if drop.ndim == 2 else drop[None])  # [R, H]
    deltas = torch.stack(drops)
    return importance_from_drops(deltas).float(), deltas.float()


def config_dict(cfg: ProfileConfig) -> dict:
    return asdict(cfg)
