"""Profile speed: hawk's batched replay vs the naive one-forward-per-head-per-sample loop.

    python benchmarks/profile_speed.py [--model hawk-demo] [--samples 32] [--batch-size 32]

Both compute the same quantity (teacher-forced answer log-likelihood with head h's view of the
visual tokens removed, relative drop vs the unablated model) on the same model and samples, in one
run, and print both wall times, their ratio and the Spearman correlation of the importance vectors.
Targets (issue #5): ratio ≥ 10×, Spearman ≥ 0.99.

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

from hawkcli.data.loaders import load as load_data
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
            runs = [loglik(inputs, target, visual, h) for h in [None, *range(profiler.heads)]]
            results.append({"base": runs[0], "heads": runs[1:]})
    return results


def forward_times(loaded, examples, repeats: int = 3) -> tuple[float, float]:
    """Median seconds of one full forward and of one decoder-only replay of its captured inputs."""
    proc, model = loaded.processor, loaded.model
    text_model = loaded.adapter.text_model()
    full, dec = [], []
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
                text_model(**capture.kwargs, use_cache=False)
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
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = args.model
    if model is None:
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

    # Warm-up so neither side pays one-off allocation costs.
    Profiler(loaded, ProfileConfig(batch_size=args.batch_size), scope).chunk(data.examples[:1], "exact_match")

    start = time.perf_counter()
    slow = naive(loaded, data.examples, scope)
    t_naive = time.perf_counter() - start

    profiler = Profiler(loaded, ProfileConfig(batch_size=args.batch_size), scope)
    per_chunk = max(1, args.batch_size // profiler.rows_per_sample())
    start = time.perf_counter()
    fast = []
    for i in range(0, len(data.examples), per_chunk):
        fast += profiler.chunk(data.examples[i : i + per_chunk], "exact_match")
    t_hawk = time.perf_counter() - start

    imp_naive, _ = reduce([data], {data.name: dict(enumerate(slow))})
    imp_hawk, _ = reduce([data], {data.name: dict(enumerate(fast))})
    rho = spearman(imp_naive[0], imp_hawk[0])
    heads = profiler.heads
    print(f"model {model}: {heads} heads, {len(data.examples)} synth calib samples, {torch.get_num_threads()} threads")
    print(f"naive (1 forward per head per sample): {t_naive:8.2f} s")
    print(f"hawk  (batched decoder replay):        {t_hawk:8.2f} s")
    print(f"speed-up: {t_naive / t_hawk:.1f}x   (target >= 10x)")
    print(f"Spearman(importance naive, hawk): {rho:.4f}   (target >= 0.99)")
    print(f"max |importance difference|: {(imp_naive - imp_hawk).abs().max().item():.2e}")
    t_full, t_dec = forward_times(loaded, data.examples[:4])
    exact_ceiling = (heads + 1) * t_full / (t_full + heads * t_dec)
    print(f"one forward: {t_full * 1e3:.1f} ms, of which decoder {t_dec * 1e3:.1f} ms (batch 1)")
    print(
        f"if a batched row cost what a batch-1 row does: exact ablation <= {exact_ceiling:.1f}x, "
        f"any method running one forward per sample <= {heads + 1}x"
    )


if __name__ == "__main__":
    main()
