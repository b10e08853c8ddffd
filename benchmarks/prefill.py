"""Language-model prefill cost vs keep ratio on a Qwen2.5-VL-shaped model (issue #6 targets).

    python benchmarks/prefill.py [--hidden 1024 --layers 8 --visual 1008] [--device cuda --dtype bfloat16]

Measured side by side in one run: text-decoder prefill time at keep 1.0 / 0.5 / 0.2 / 0.1 (median of
--repeats), the selection + gather overhead (HAWK scoring, `uniform` weights — same cost as a
profile), and the KV-cache bytes after prefill. Targets: prefill(0.2) ≤ 0.30 × prefill(1.0);
overhead ≤ 1 % of unpruned prefill; KV bytes ≤ kept fraction + 5 %.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch
from transformers import AutoModelForImageTextToText

import hawkcli
from hawkcli.demo.checkpoint import CheckpointSpec, build_config, build_tokenizer
from hawkcli.models.calls import convention_for


def build(args: argparse.Namespace):
    spec = CheckpointSpec(
        words=["describe", "the", "image", "what", "is", "shown", "in", "it"],
        hidden_size=args.hidden,
        intermediate_size=args.hidden * 11 // 4,
        num_layers=args.layers,
        num_heads=args.hidden // 64,
        num_kv_heads=max(1, args.hidden // 256),
        vision_depth=1,
        vision_hidden=64,
        vision_heads=2,
        vision_intermediate=128,
        fullatt_block_indexes=(0,),
        init_std=0.02,
    )
    tok = build_tokenizer(spec.words)
    config = build_config(spec, tok)
    config.text_config._attn_implementation = "sdpa"
    torch.manual_seed(0)
    model = AutoModelForImageTextToText.from_config(
        config, dtype=getattr(torch, args.dtype), attn_implementation="sdpa"
    )
    return model.to(args.device).eval(), tok, config


def inputs_for(tok, config, visual: int, device: str, dtype: torch.dtype) -> dict:
    # A grid of 56 × 72 patches merges 2×2 into 1008 tokens, the paper's fixed setting.
    h = 56
    w = visual * 4 // h
    ids = lambda s: tok(s, add_special_tokens=False)["input_ids"]  # noqa: E731
    prefix = ids("<|im_start|>system you are a helpful assistant. <|im_end|> <|im_start|>user <|vision_start|>")
    suffix = ids("<|vision_end|>" + " describe the image what is shown in it" * 3 + " <|im_end|> <|im_start|>assistant")
    image = [config.image_token_id] * (h * w // 4)
    input_ids = torch.tensor([prefix + image + suffix], device=device)
    return {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "pixel_values": torch.randn(h * w, 3 * 2 * 14 * 14, device=device, dtype=dtype),
        "image_grid_thw": torch.tensor([[1, h, w]], device=device),
        "mm_token_type_ids": (input_ids == config.image_token_id).int(),
    }


def measure(model, inputs: dict, method: str, keep: float, profile, repeats: int, device: str) -> tuple:
    """(row stats, median text-decoder prefill ms, median selection ms, KV bytes) of one arm; the first
    of `repeats + 1` runs warms up."""
    lm = model.model.language_model
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    marks: dict[str, float] = {}

    def mark(name: str):
        def hook(*_: object) -> None:  # must return None: a pre-hook's return value replaces the inputs
            sync()
            marks[name] = time.perf_counter()

        return hook

    handles = [lm.register_forward_pre_hook(mark("start")), lm.register_forward_hook(mark("end"))]
    times, overheads = [], []
    for rep in range(repeats + 1):
        with torch.inference_mode(), hawkcli.prune(model, method, keep, profile) as stats:
            out = model(**inputs, use_cache=True, logits_to_keep=1)
        if rep:
            times.append((marks["end"] - marks["start"]) * 1000)
            overheads.append(stats.scoring_ms)
    for handle in handles:
        handle.remove()
    kv = sum(layer.keys.nbytes + layer.values.nbytes for layer in convention_for(lm).output_cache(out).layers)
    return stats.rows[0], statistics.median(times), statistics.median(overheads), kv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--visual", type=int, default=1008)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    args = ap.parse_args()
    model, tok, config = build(args)
    inputs = inputs_for(tok, config, args.visual, args.device, getattr(torch, args.dtype))
    rows = [
        (keep, *measure(model, inputs, "uniform", keep, None, args.repeats, args.device))
        for keep in (1.0, 0.5, 0.2, 0.1)
    ]
    base_ms, base_kv = rows[0][2], rows[0][4]
    n_visual = rows[0][1].visual_tokens
    print(f"machine: {platform.machine()} {platform.processor() or ''} torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {args.device}, dtype {args.dtype}")  # fmt: skip
    print(f"model: text hidden {args.hidden}, {args.layers} layers, {config.text_config.num_attention_heads} heads "
          f"/ {config.text_config.num_key_value_heads} KV; {n_visual} visual of {rows[0][1].prompt_tokens} tokens")  # fmt: skip
    print(
        f"{'keep':>5} {'tokens':>7} {'prefill ms':>11} {'ratio':>6} {'select ms':>10} {'overhead':>9} {'KV MB':>7} {'KV ratio':>9}"
    )
    for keep, row, ms, over, kv in rows:
        print(f"{keep:5.1f} {row.kept_prompt_tokens:7d} {ms:11.1f} {ms / base_ms:6.2f} {over:10.2f} "
              f"{100 * over / base_ms:8.2f}% {kv / 2**20:7.1f} {kv / base_kv:9.2f}")  # fmt: skip
    r02 = next(r for r in rows if r[0] == 0.2)
    print(f"targets: prefill(0.2)/prefill(1.0) = {r02[2] / base_ms:.2f} (≤ 0.30); "
          f"overhead = {100 * max(r[3] for r in rows[1:]) / base_ms:.2f}% of unpruned prefill (≤ 1%); "
          f"KV(0.2) = {r02[4] / base_kv:.2f} (≤ {r02[1].kept_prompt_tokens / r02[1].prompt_tokens + 0.05:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
