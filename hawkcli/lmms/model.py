"""`Hawk`: an lmms-eval 0.7.3 simple model that answers and scores through a pruned `hawkcli.Session`.

    python -m lmms_eval --model hawk \
        --model_args pretrained=qwen2.5-vl-7b,method=hawk,keep=0.2,profile=my.safetensors --tasks chartqa

Model args: pretrained (hawk-demo, an alias, a folder or a hub id), method, keep, profile, per_frame,
fps / max_frames (video sampling), dtype, attn, revision, offline, force, seed, max_new_tokens (for tasks
that set none), stats_file (a JSONL of per-request kept tokens and timings), and `<method>.<option>=value`
for method options (e.g. fastv.layer=3). `--batch_size` batches requests with the same generation settings.
Scale-out is lmms-eval's own: `accelerate launch --num_processes N -m lmms_eval --model hawk ...`.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

from lmms_eval.api.instance import GenerationResult, TokenCounts
from lmms_eval.api.model import lmms
from loguru import logger
from tqdm import tqdm

from hawkcli.errors import HawkError
from hawkcli.lmms import convert


def _allow_filelock_4() -> None:
    """lmms-eval 0.7.3 patches `filelock._api` to make dataset locks re-entrant; filelock 4 has no such module
    (its locks are re-entrant already), so the patch is marked done instead of failing every evaluation."""
    try:
        import filelock._api  # noqa: F401
    except ImportError:
        import lmms_eval.evaluator as evaluator

        patch = getattr(evaluator, "_enable_reentrant_filelocks", None)
        if patch is not None:
            patch._patched = True


_allow_filelock_4()

LOAD_ARGS = {"method", "keep", "profile", "per_frame", "seed", "dtype", "attn", "revision", "offline", "force"}


class Hawk(lmms):
    is_simple = True

    def __init__(
        self,
        pretrained: str = "hawk-demo",
        batch_size: int | str = 1,
        device: str | None = None,
        max_new_tokens: int = 128,
        fps: float | None = None,
        max_frames: int | None = None,
        stats_file: str | None = None,
        max_batch_size: int | None = None,  # lmms-eval's auto batch sizing; hawk batches exactly batch_size
        **kwargs: Any,
    ) -> None:
        super().__init__()
        import hawkcli

        self._rank = int(os.environ.get("RANK", "0"))
        self._world_size = int(os.environ.get("WORLD_SIZE", "1"))
        method = str(kwargs.get("method", "hawk"))
        options = {k.split(".", 1)[1]: v for k, v in kwargs.items() if k.startswith(f"{method}.")}
        unknown = sorted(k for k in kwargs if k not in LOAD_ARGS and not k.startswith(f"{method}."))
        if unknown:
            raise HawkError(
                f"hawk: unknown model_args {', '.join(unknown)} (known: pretrained, {', '.join(sorted(LOAD_ARGS))})"
            )
        load_args = {k: v for k, v in kwargs.items() if k in LOAD_ARGS}
        if "profile" in load_args:
            load_args["profile"] = str(load_args["profile"])
        self.session = hawkcli.load(
            str(pretrained),
            device=device or self._default_device(),
            options=options,
            fps=fps,
            frames=max_frames,
            **load_args,
        )
        self.batch_size_per_gpu = int(batch_size)
        self.max_new_tokens = int(max_new_tokens)
        self.stats_file = self._stats_path(stats_file)

    def _default_device(self) -> str:
        """One GPU per process under a launcher (LOCAL_RANK), else hawk's own choice."""
        import torch

        if self._world_size > 1 and torch.cuda.is_available():
            return f"cuda:{os.environ.get('LOCAL_RANK', '0')}"
        return "auto"

    def _stats_path(self, stats_file: str | None) -> Path | None:
        if not stats_file:
            return None
        path = Path(stats_file)
        return path.with_name(f"{path.stem}.rank{self._rank}{path.suffix}") if self._world_size > 1 else path

    @property
    def device(self) -> Any:  # the evaluator puts its cross-rank counters on it
        return self.session.loaded.device

    @property
    def batch_size(self) -> int:
        return self.batch_size_per_gpu

    def _prompts(self, args: list[tuple], batch: list[int]) -> list[Any]:
        """The batch's prompts: each request's text with what its `doc_to_visual` makes of its own doc
        (`args` are (context, …, doc_to_visual, doc_id, task, split) for both request kinds)."""
        prompts = []
        for i in batch:
            context, _, doc_to_visual, doc_id, task, split = args[i]
            prompts.append(convert.prompt(context, doc_to_visual(self.task_dict[task][split][doc_id])))
        return prompts

    def generate_until(self, requests: list[Any]) -> list[GenerationResult]:
        args = [r.args for r in requests]
        results: list[GenerationResult | None] = [None] * len(args)
        records = []
        bar = tqdm(total=len(args), desc="hawk generate", disable=self.rank != 0)
        for batch in convert.batches(args, self.batch_size, group=lambda a: a[1], length=lambda a: len(a[0])):
            config = convert.generation_config(args[batch[0]][1], self.max_new_tokens, self.session.seed)
            for i, answer in zip(batch, self.session.generate(self._prompts(args, batch), config), strict=True):
                stats = answer.stats
                counts = TokenCounts(input_tokens=stats.kept_prompt_tokens, output_tokens=answer.generated_tokens)
                results[i] = GenerationResult(answer.text, counts)
                records.append(self._record(args[i], answer))
                self.cache_hook.add_partial("generate_until", (args[i][0], args[i][1]), answer.text)
            bar.update(len(batch))
        bar.close()
        self._report("generate_until", records)
        return results  # type: ignore[return-value]

    def loglikelihood(self, requests: list[Any]) -> list[tuple[float, bool]]:
        """(mean token loss of the continuation, greedy?) per request: lmms-eval's models return the loss,
        and its multiple-choice scoring picks the choice with the smallest."""
        args = [r.args for r in requests]
        results: list[tuple[float, bool] | None] = [None] * len(args)
        bar = tqdm(total=len(args), desc="hawk loglikelihood", disable=self.rank != 0)
        for batch in convert.batches(args, self.batch_size, group=lambda a: 0, length=lambda a: len(a[0])):
            continuations = [args[i][1] for i in batch]
            scores = self.session.loglikelihood(self._prompts(args, batch), continuations)
            for i, scored in zip(batch, scores, strict=True):
                results[i] = (-scored.logprob / max(scored.tokens, 1), scored.is_greedy)
            bar.update(len(batch))
        bar.close()
        return results  # type: ignore[return-value]

    def generate_until_multi_round(self, requests: list[Any]) -> list[str]:
        raise NotImplementedError("hawk answers single-turn tasks only; multi-round tasks are not supported")

    def _record(self, args: tuple, answer: Any) -> dict:
        return {
            "task": args[4],
            "doc_id": args[3],
            "method": self.session.method,
            "keep": self.session.keep,
            **answer.measurements(indices=False),
        }

    def _report(self, kind: str, records: list[dict]) -> None:
        """One log line per call (kept tokens, prefill time); every request in `stats_file` if given."""
        if not records:
            return
        visual = sum(r["visual_tokens"] for r in records)
        kept = sum(r["kept_visual_tokens"] for r in records)
        logger.info(
            f"hawk {self.session.method} keep {self.session.keep:g}, rank {self.rank}: {len(records)} {kind} requests, "
            f"kept {kept} of {visual} visual tokens ({100 * kept / max(visual, 1):.1f} %), "
            f"prefill median {statistics.median(r['prefill_ms'] for r in records):.1f} ms per batch"
        )
        if self.stats_file is not None:
            self.stats_file.parent.mkdir(parents=True, exist_ok=True)
            with self.stats_file.open("a") as f:
                f.writelines(json.dumps(r) + "\n" for r in records)
