"""Profile speed: the naive loop, hawk's exact batched replay, and the attribution estimator, side by side.

    python benchmarks/profile_speed.py [--model hawk-demo|wide|PATH] [--samples 32] [--batch-size 36]

All three measure layer-0 head importance (teacher-forced answer log-likelihood with a head's view of
the visual tokens removed, relative drop vs the unablated model) on the same model and samples in one
run: naive = one full forward per head per sample; exact = hawk's batched decoder replay (same
numbers); attribution = gate gradients, one forward + one backward per batch (an estimate). Printed:
wall times, speed-ups over naive, Spearman of exact vs naive and of attribution vs exact.
`--model wide` builds a random Qwen2.5-VL-shaped model with 28 heads per layer (speed only: a random
model's ranking says nothing about a trained one).

It also times one full forward and one decoder-only replay (batch 1) and prints the ceilings they
imply when a batched row costs what a batch-1 row does (as on a CPU): exact ablation can save at most
the H vision-tower reruns, (H+1)·full / (full + H·decoder); no method that still runs one forward per
sample can beat H+1.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from hawkcli.attribution import Attributor
from hawkcli.data.loaders import load as load_data
from hawkcli.models.calls import convention_for
from hawkcli.models.headmask import headmask_ablation, plan
from hawkcli.models.loading import LoadOptions, load
from hawkcli.profiling import DecoderInputCapture, ProfileConfig, Profiler, answer_loglik, parse_scope, reduce


def naive(loaded, examples, scope) -> torch.Tensor:
    """One full forward (vision tower included) per sample for the baseline and per head."""
    profiler = Profiler(loaded, ProfileConfig(), scope)
    proc, model = loaded.processor, loaded.model
    results = []

    def loglik(inputs, target, visual, head):
        with plan(profiler._plan([head], visual)):
            out = model.model(**inputs, use_cache=False)
        return float(answer_loglik(out.last_hidden_state, model.lm_head, inputs["input_ids"], target)[0])

    with torch.inference_mode(), headmask_ablation(loaded.adapter.text_config()):
        for ex in examples:
            inputs, target = proc.with_answers([ex.image], [ex.question], [ex.answers[0]])
            visual = loaded.adapter.visual_mask(inputs["input_ids"])
            runs = [loglik(inputs, target, visual, u) for u in [None, *scope.units(profiler.heads)]]
            results.append({"base": runs[0], "heads": runs[1:]})
    return results


def forward_times(loaded, examples, repeats: int = 3) -> tuple[float, float]:
    """Median seconds of one full forward and of one decoder-only replay of its captured inputs."""
    proc, model = loaded.processor, loaded.model
    text_model = loaded.adapter.text_model()
    full, dec = [], []
    calls = convention_for(text_model)
    with torch.inference_mode():
        for ex in examples:
            inputs, _ = proc.with_answers([ex.image], [ex.question], [ex.answers[0]])
            capture = DecoderInputCapture()
            handle = text_model.register_forward_pre_hook(capture, with_kwargs=True)
            model.model(**inputs, use_cache=False)
            handle.remove()
            for _ in range(repeats):
                start = time.perf_counter()
                model.model(**inputs, use_cache=False)
                full.append(time.perf_counter() - start)
                start = time.perf_counter()
                text_model(**loaded.adapter.replay_rows(capture.kwargs, calls, torch.tensor([0])), use_cache=False)
                dec.append(time.perf_counter() - start)
    return float(torch.tensor(full).median()), float(torch.tensor(dec).median())


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    ra = a.argsort().argsort().double()
    rb = b.argsort().argsort().double()
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / (ra.norm() * rb.norm()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="default: hawk-demo if shipped, else a random demo-sized model")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=36)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--steps", type=int, default=1, help="attribution gradient points (1: tangent at g = 1)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = args.model
    if model == "wide":
        from hawkcli.demo.checkpoint import CheckpointSpec, build_checkpoint
        from hawkcli.demo.spec import demo_spec

        base = demo_spec()
        spec = CheckpointSpec(model_type="qwen2_5_vl", words=base.words, hidden_size=448, intermediate_size=1024,
                              num_layers=4, num_heads=28, num_kv_heads=4, min_pixels=base.min_pixels,
                              max_pixels=base.max_pixels, seed=0)  # fmt: skip
        model = str(build_checkpoint(tempfile.mkdtemp(prefix="hawk-bench-"), spec))
    elif model is None:
        from hawkcli.models.loading import demo_path

        if (demo_path() / "config.json").exists():
            model = "hawk-demo"
        else:
            from hawkcli.demo.checkpoint import build_checkpoint
            from hawkcli.demo.spec import demo_spec

            model = str(build_checkpoint(tempfile.mkdtemp(prefix="hawk-bench-"), demo_spec()))
    loaded = load(LoadOptions(model=model, device="cpu"))
    data = load_data("synth", args.samples, 0)
    scope = parse_scope("layer0", loaded.adapter.num_layers)
    cfg = ProfileConfig(batch_size=args.batch_size)
    attribution_cfg = ProfileConfig(batch_size=args.batch_size, estimator="attribution", attribution_steps=args.steps)

    # Warm-up so no side pays one-off allocation costs.
    Profiler(loaded, cfg, scope).chunk(data.examples[:1], "exact_match")
    Attributor(loaded, attribution_cfg, scope).chunk(data.examples[:1], "exact_match")

    start = time.perf_counter()
    slow = naive(loaded, data.examples, scope)
    t_naive = time.perf_counter() - start

    def timed(profiler, per_chunk):
        start = time.perf_counter()
        rows = []
        for i in range(0, len(data.examples), per_chunk):
            rows += profiler.chunk(data.examples[i : i + per_chunk], "exact_match")
        return rows, time.perf_counter() - start

    profiler = Profiler(loaded, cfg, scope)
    fast, t_hawk = timed(profiler, max(1, args.batch_size // profiler.rows_per_sample()))
    grads, t_attr = timed(Attributor(loaded, attribution_cfg, scope), max(1, args.batch_size // 4))

    imp_naive, _ = reduce([data], {data.name: dict(enumerate(slow))})
    imp_hawk, _ = reduce([data], {data.name: dict(enumerate(fast))})
    imp_attr, _ = reduce([data], {data.name: dict(enumerate(grads))})
    heads = profiler.heads
    print(f"model {args.model or model}: {heads} heads, {len(data.examples)} synth calib samples, "
          f"{torch.get_num_threads()} threads")  # fmt: skip
    print(f"naive (1 forward per head per sample):   {t_naive:8.2f} s")
    print(f"exact (batched decoder replay):          {t_hawk:8.2f} s   {t_naive / t_hawk:5.1f}x naive")
    print(f"attribution ({args.steps} forward + backward): {t_attr:8.2f} s   {t_naive / t_attr:5.1f}x naive   "
          "(target >= 10x with >= 16 heads)")  # fmt: skip
    print(f"Spearman(exact, naive):       {spearman(imp_naive[0], imp_hawk[0]):.4f}   "
          f"max |difference| {(imp_naive - imp_hawk).abs().max().item():.2e}")  # fmt: skip
    print(f"Spearman(attribution, exact): {spearman(imp_hawk[0], imp_attr[0]):.4f}   (goal >= 0.9 on hawk-demo)")
    print(f"top-5 heads  exact {imp_hawk[0].argsort(descending=True)[:5].tolist()}  "
          f"attribution {imp_attr[0].argsort(descending=True)[:5].tolist()}")  # fmt: skip
    t_full, t_dec = forward_times(loaded, data.examples[:4])
    exact_ceiling = (heads + 1) * t_full / (t_full + heads * t_dec)
    print(f"one forward: {t_full * 1e3:.1f} ms, of which decoder {t_dec * 1e3:.1f} ms (batch 1)")
    print(
        f"if a batched row cost what a batch-1 row does: exact ablation <= {exact_ceiling:.1f}x, "
        f"any method running one forward per sample <= {heads + 1}x"
    )


if __name__ == "__main__":
    main()
