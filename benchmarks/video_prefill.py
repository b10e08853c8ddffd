"""Video prefill cost, keep 0.2 vs 1.0, on a Qwen2.5-VL-shaped random model with a 16-frame clip.

    python benchmarks/video_prefill.py [--frames 16 --side 32 --hidden 1024 --layers 8] [--device cuda]

One run, side by side: text-decoder prefill time (median of --repeats) for `none` at keep 1.0 and for
uniform / evs / vidcom2 / hawk (uniform head weights) at --keep, each method's selection + gather time,
and the KV-cache bytes after prefill. The clip's 16 frames become 8 temporal steps of side² / 4
merged tokens (2048 visual tokens at the default side 32).
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from prefill import build, measure  # noqa: E402  (same random model and timing as the image benchmark)


def video_inputs(tok, config, frames: int, side: int, device: str, dtype: torch.dtype) -> dict:
    ids = lambda s: tok(s, add_special_tokens=False)["input_ids"]  # noqa: E731
    prefix = ids("<|im_start|>system you are a helpful assistant. <|im_end|> <|im_start|>user <|vision_start|>")
    suffix = ids("<|vision_end|>" + " describe the image what is shown in it" * 3 + " <|im_end|> <|im_start|>assistant")
    steps = frames // 2
    video = [config.video_token_id] * (steps * side * side // 4)
    input_ids = torch.tensor([prefix + video + suffix], device=device)
    g = torch.Generator().manual_seed(0)
    # Consecutive steps share most of their pixels (a slow pan plus noise), as real clips do, so the
    # temporal methods have redundancy to find.
    base = torch.randn(side * side, 3 * 2 * 14 * 14, generator=g)
    pixels = torch.cat([base.roll(s * 7, 0) + 0.1 * torch.randn(base.shape, generator=g) for s in range(steps)])
    return {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "pixel_values_videos": pixels.to(device, dtype),
        "video_grid_thw": torch.tensor([[steps, side, side]], device=device),
        "second_per_grid_ts": torch.tensor([1.0], device=device),
        "mm_token_type_ids": 2 * (input_ids == config.video_token_id).int(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--side", type=int, default=32, help="patches per side of each frame (even)")
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--keep", type=float, default=0.2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    args = ap.parse_args()
    model, tok, config = build(args)
    inputs = video_inputs(tok, config, args.frames, args.side, args.device, getattr(torch, args.dtype))
    heads = torch.ones(config.text_config.num_attention_heads)
    arms = [("none", 1.0)] + [(m, args.keep) for m in ("uniform", "evs", "vidcom2", "hawk")]
    rows = []
    for method, keep in arms:
        profile = heads if method == "hawk" else None
        rows.append((method, keep, *measure(model, inputs, method, keep, profile, args.repeats, args.device)))
    base_ms, base_kv = rows[0][3], rows[0][5]
    print(f"machine: {platform.machine()} {platform.processor() or ''} torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {args.device}, dtype {args.dtype}")  # fmt: skip
    print(f"model: text hidden {args.hidden}, {args.layers} layers; clip: {args.frames} frames -> "
          f"{args.frames // 2} steps x {args.side**2 // 4} tokens = {rows[0][2].visual_tokens} visual of "
          f"{rows[0][2].prompt_tokens} prompt tokens")  # fmt: skip
    print(f"{'method':>8} {'keep':>5} {'tokens':>7} {'prefill ms':>11} {'ratio':>6} {'select ms':>10} {'KV ratio':>9}")
    for method, keep, row, ms, over, kv in rows:
        print(f"{method:>8} {keep:5.2f} {row.kept_prompt_tokens:7d} {ms:11.1f} {ms / base_ms:6.2f} {over:10.2f} "
              f"{kv / base_kv:9.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
