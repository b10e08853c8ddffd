"""The library's entry: `hawkcli.load(...)` gives a `Session` that answers and scores prompts on a pruned model.

    session = hawkcli.load("qwen2.5-vl-7b", method="hawk", keep=0.2)
    [answer] = session.generate([Prompt("What is shown?", images=[pil_image])])
    answer.text, answer.stats.kept_visual_tokens
    session.loglikelihood([Prompt("Is it red?", images=[pil_image])], [" yes"])

`hawk run`, `hawk compare` and the lmms-eval plugin are callers of this module.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import torch

from hawkcli.errors import HawkError
from hawkcli.models.loading import LoadedModel
from hawkcli.pruning import prune
from hawkcli.pruning.state import RowStats
from hawkcli.requests import GenerationConfig, Prompt, as_prompt
from hawkcli.video import Sampling, Video, read_video
from hawkcli.visuals import Visuals


@dataclass
class Generation:
    """One answer and what pruning did for it."""

    text: str
    stats: RowStats  # visual / kept token counts, kept indices, segments
    generated_tokens: int
    prefill_ms: float
    scoring_ms: float  # the method's selection + gather time
    total_ms: float  # the whole generate call (of the batch the prompt was in)
    batch_size: int

    def measurements(self, indices: bool = True) -> dict[str, Any]:
        """Token counts and timings as records report them; `indices` adds which visual tokens were kept
        (and per image / temporal step counts where a prompt has several)."""
        s = self.stats
        return {
            "visual_tokens": s.visual_tokens,
            "kept_visual_tokens": s.kept_visual_tokens,
            **({"kept_visual_indices": s.kept_visual_indices} if indices else {}),
            "prompt_tokens": s.prompt_tokens,
            "kept_prompt_tokens": s.kept_prompt_tokens,
            **({"segments": s.segments} if indices and s.segments else {}),
            "generated_tokens": self.generated_tokens,
            "prefill_ms": round(self.prefill_ms, 3),
            "scoring_ms": round(self.scoring_ms, 3),
            "total_ms": round(self.total_ms, 3),
            "batch_size": self.batch_size,
        }


class LogLikelihood(NamedTuple):
    """log P(continuation | prompt), whether greedy decoding gives exactly the continuation, its length in
    tokens, and what pruning did for the prompt."""

    logprob: float
    is_greedy: bool
    tokens: int
    stats: RowStats


@dataclass
class Ran:
    """One batched `generate` call: the model inputs, the generated ids and the measurements."""

    inputs: Any
    sequences: torch.Tensor  # `[B, new tokens]`
    stats: Any
    prefill_ms: float
    total_ms: float
    beams: int = 1


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


@dataclass
class Session:
    """A loaded model with one pruning configuration. `configured(...)` shares the model with another."""

    loaded: LoadedModel
    method: str = "none"
    keep: float = 1.0
    profile: Any = None  # a loaded Profile for methods that use one
    options: dict[str, Any] = field(default_factory=dict)
    per_frame: bool = False
    seed: int = 0
    sampling: Sampling = field(default_factory=Sampling)

    def configured(self, **changes: Any) -> Session:
        return dataclasses.replace(self, **changes)

    @property
    def processor(self) -> Any:
        return self.loaded.processor

    def visuals(self, prompt: Prompt) -> Visuals:
        """The prompt's images and videos as the model's family reads them (clip paths sampled here)."""
        from hawkcli.inputs import open_rgb, to_rgb

        images = [to_rgb(im) if hasattr(im, "convert") else open_rgb(Path(im), str(im)) for im in prompt.images]
        return Visuals(images, [self._video(v) for v in prompt.videos])

    def _video(self, value: Any) -> Video:
        if isinstance(value, Video):
            return value
        if isinstance(value, (list, tuple)):
            from hawkcli.inputs import to_rgb

            fps = self.sampling.fps or 1.0
            return Video([to_rgb(f) for f in value], fps, len(value), list(range(len(value))), "frames")
        return read_video(value, self.sampling, self.processor)

    def _prune(self, continuation_tokens: list[int] | None = None) -> Any:
        return prune(
            self.loaded.model,
            self.method,
            self.keep,
            self.profile,
            self.seed,
            self.per_frame,
            continuation_tokens=continuation_tokens,
            **self.options,
        )

    def _sync(self) -> None:
        if self.loaded.device.type == "cuda":
            torch.cuda.synchronize(self.loaded.device)

    def run(self, prompts: list[Prompt], config: GenerationConfig, visuals: list[Visuals] | None = None) -> Ran:
        """One batched, pruned `generate` over `prompts` (left-padded), timed."""
        loaded = self.loaded
        shown = visuals if visuals is not None else [self.visuals(p) for p in prompts]
        inputs = loaded.processor(shown, [p.text for p in prompts]).to(loaded.device)
        if config.sampling:
            torch.manual_seed(config.seed)
        self._sync()
        started = time.perf_counter()
        with torch.inference_mode(), self._prune() as stats, PrefillTimer(loaded.model, loaded.device) as timer:
            out = loaded.model.generate(**inputs, **config.generate_kwargs(loaded.processor.tokenizer.pad_token_id))
        self._sync()
        total_ms = (time.perf_counter() - started) * 1000
        sequences = out[:, inputs["input_ids"].shape[1] :]
        return Ran(inputs, sequences, stats, timer.ms or 0.0, total_ms, config.num_beams)

    def generations(self, ran: Ran, config: GenerationConfig) -> list[Generation]:
        eos = self.loaded.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos])
        answers = []
        for row, seq in enumerate(ran.sequences):
            ids = seq.tolist()
            # Everything after the first end token is padding added for the batch's longer rows.
            generated = next((i + 1 for i, t in enumerate(ids) if t in eos_ids), len(ids))
            answers.append(
                Generation(
                    text=config.cut(self.processor.decode(seq)),
                    # Beam search prefills every beam of a prompt alike: its first beam's row stands for it.
                    stats=ran.stats.rows[row * ran.beams],
                    generated_tokens=generated,
                    prefill_ms=ran.prefill_ms,
                    scoring_ms=ran.stats.scoring_ms,
                    total_ms=ran.total_ms,
                    batch_size=len(ran.sequences),
                )
            )
        return answers

    def generate(
        self, prompts: list[Prompt | list[dict]], config: GenerationConfig | None = None, **settings: Any
    ) -> list[Generation]:
        """Answers to `prompts` (Prompts or chat messages) in one batch; `settings` are GenerationConfig fields."""
        config = dataclasses.replace(config or GenerationConfig(), **settings)
        chosen = [as_prompt(p) for p in prompts]
        return self.generations(self.run(chosen, config), config)

    def loglikelihood(self, prompts: list[Prompt | list[dict]], continuations: list[str]) -> list[LogLikelihood]:
        """For each prompt, log P(continuation | prompt) under the pruned model and whether greedy decoding
        would produce exactly the continuation. The continuation follows the assistant turn's opening; it
        is left out of the query that scores the visual tokens."""
        if len(prompts) != len(continuations):
            raise HawkError("one continuation per prompt")
        chosen = [as_prompt(p) for p in prompts]
        shown = [self.visuals(p) for p in chosen]
        inputs, lengths = self.processor.with_continuations(shown, [p.text for p in chosen], continuations)
        inputs = inputs.to(self.loaded.device)
        with torch.inference_mode(), self._prune(lengths) as stats:
            logits = self.loaded.model(**inputs).logits.float()
        ids = inputs["input_ids"]
        results = []
        for row, n in enumerate(lengths):
            if n == 0:
                results.append(LogLikelihood(0.0, True, 0, stats.rows[row]))
                continue
            # Text after the visual tokens is never pruned, so the last n + 1 logits stay aligned with the ids.
            logprobs = torch.log_softmax(logits[row, -n - 1 : -1], dim=-1)
            target = ids[row, -n:]
            picked = logprobs.gather(-1, target[:, None]).squeeze(-1)
            greedy = bool((logprobs.argmax(-1) == target).all())
            results.append(LogLikelihood(float(picked.sum()), greedy, n, stats.rows[row]))
        return results


def load(
    model: str | None = None,
    method: str = "hawk",
    keep: float = 0.2,
    profile: Any = None,
    *,
    options: dict[str, Any] | None = None,
    per_frame: bool = False,
    seed: int = 0,
    fps: float | None = None,
    frames: int | None = None,
    device: str = "auto",
    dtype: str = "auto",
    attn: str = "auto",
    revision: str | None = None,
    offline: bool = False,
    min_pixels: int | None = None,
    max_pixels: int | None = None,
    force: bool = False,
) -> Session:
    """Load a model (hawk-demo, an alias, a folder or a hub id) and set up pruning for it.

    Every mistake a user can make — an unknown method or option, a missing or mismatched profile, a
    method the model's family cannot run, a keep outside (0, 1] — is a `HawkError` raised here, before
    anything is generated. `profile` is a file, a shipped profile name or None (the shipped match)."""
    from hawkcli.methods.registry import create, method_class
    from hawkcli.models.loading import LoadOptions, default_model, load_config
    from hawkcli.models.loading import load as load_model
    from hawkcli.pruning import refusal

    if not 0.0 < keep <= 1.0:
        raise HawkError(f"keep must be in (0, 1], got {keep:g}")
    if fps is not None and frames is not None:
        raise HawkError("give fps or frames, not both")
    chosen = dict(options or {})
    method_class(method).make_options(chosen)  # unknown options and bad values, before any weights load
    load_options = LoadOptions(model or default_model(), revision, offline, device, dtype, attn, min_pixels, max_pixels)
    load_config(load_options)  # an unknown or unsupported model is reported before any profile question
    resolved_profile = resolve_profile(method, profile, load_options.model)
    loaded = load_model(load_options)
    if hasattr(resolved_profile, "head_weights"):
        announce_profile(resolved_profile, loaded, force)
    reason = refusal(loaded.adapter, create(method, **chosen), per_frame)
    if reason:
        raise HawkError(reason)
    return Session(loaded, method, keep, resolved_profile, chosen, per_frame, seed, Sampling(fps, frames))


def resolve_profile(method: str, profile: Any, model_name: str) -> Any:
    """The profile a method will use (None for methods without one), before the model is loaded."""
    from hawkcli import profiles
    from hawkcli.errors import ProfileError
    from hawkcli.methods.registry import method_class
    from hawkcli.models.loading import model_id_for, resolve_model

    if not method_class(method).needs_profile:
        if profile is not None:
            raise HawkError(f"a profile only applies to methods that use one; {method} does not")
        return None
    if profile is not None:
        if not isinstance(profile, (str, os.PathLike)):
            return profile  # a loaded Profile, or a [heads] weight vector (checked when pruning starts)
        chosen = profiles.load(profile)
        profiles.check_weights(chosen.head_weights(0), f"profile {chosen.path}")
        chosen.reason = "--profile"
        return chosen
    model_id = model_id_for(model_name, resolve_model(model_name))
    found = profiles.find_for_model(model_id)
    if found is None:
        raise ProfileError(
            f"no shipped head-importance profile matches {model_name}; run `hawk profile {model_name} "
            f"--calib DATASET` and pass --profile FILE, or use --method uniform"
        )
    found.reason = f"shipped, made for {found.model_id}; --profile FILE for another"
    return found


def announce_profile(profile: Any, loaded: LoadedModel, force: bool) -> None:
    """Check a resolved profile against the loaded model, then say on stderr which one is used and why."""
    from hawkcli import profiles

    profiles.check_compatible(profile, loaded.model_id, loaded.adapter.num_heads, force)
    sys.stderr.write(f"hawk: profile {profile.path} ({getattr(profile, 'reason', 'given')})\n")
    made_on = profile.metadata.get("hawk.model_fingerprint", "")
    if made_on and loaded.fingerprint and made_on != loaded.fingerprint:
        # Same model id, other weights (retrained, fine-tuned, another revision): the heads it ranks
        # may no longer be the ones that read the image.
        sys.stderr.write(
            f"hawk: warning: profile {profile.name} was measured on other weights of {loaded.model_id}; "
            f"re-profile with `hawk profile {loaded.name} --calib ...`\n"
        )
