"""Train hawk-demo from scratch on `synth` train: seeded, checkpointed, resumable.

    python -m hawkcli.demo.train --out runs/hawk-demo --steps 6000          # start
    python -m hawkcli.demo.train --out runs/hawk-demo --steps 9000 --resume # continue
    python -m hawkcli.demo.train --out runs/ft --init-from hawkcli/assets/hawk-demo --scene-share 0.7 \
        --tasks colour,shape,count,exists --fillers 0.25 --steps 6000       # fine-tune on scenes

Every `--save-every` steps the full training state (weights, optimizer, step) is written atomically
to OUT/state.pt, and the weights are exported as a standard checkpoint folder to OUT/model, so a
killed run loses at most one save interval. Batches are a pure function of (seed, step), so a resumed
run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import torch

from hawkcli.data import scenes, synth
from hawkcli.demo.checkpoint import build_checkpoint
from hawkcli.demo.labels import Labelled, from_scene, from_synth
from hawkcli.demo.phrasing import FILLERS
from hawkcli.demo.spec import demo_spec, tiny_spec
from hawkcli.models.families.qwen2_vl import QwenVLInputs


def curriculum_max_objects(step: int, args: argparse.Namespace) -> int:
    # Binding "the triangle" to its colour is learned far faster when images start with few objects.
    return min(args.max_objects, 2 + step // args.curriculum_every)


def _with_filler(question: str, rng: Any) -> str:
    """The question with a word the model does not know (an `<|unk|>`) somewhere in it."""
    words = question.split()
    words.insert(int(rng.integers(len(words) + 1)), str(rng.choice(FILLERS)))
    return " ".join(words)


def batch_samples(step: int, args: argparse.Namespace) -> list[Labelled]:
    """The step's batch: grid pictures from `synth` and, for `--scene-share` of it, `scenes` pictures."""
    import numpy as np

    hi = curriculum_max_objects(step, args)
    rng = np.random.default_rng([args.seed, step, 7])
    out = []
    for j in range(args.batch_size):
        i = step * args.batch_size + j
        if args.train_pool:
            i %= args.train_pool
        if rng.random() < args.scene_share:
            sample = from_scene(scenes.sample("train", i, seed=args.seed, tasks=args.scene_tasks))
        else:
            grid = synth.sample("train", i, seed=args.seed, tasks=args.grid_tasks, min_objects=1, max_objects=hi)
            sample = from_synth(grid)
        if rng.random() < args.fillers:
            sample.question = _with_filler(sample.question, rng)
        out.append(sample)
    return out


class TokenProbe(torch.nn.Module):
    """Training-only auxiliary head: which shape and colour sit in each visual token's cell.

    Supervising the vision tower per token makes "the triangle" findable long before answer-only
    loss alone teaches it (DESIGN §7's trials never got there). The probe is not part of hawk-demo.
    """

    def __init__(self, hidden: int, colours: tuple[str, ...] = tuple(synth.COLOURS)) -> None:
        super().__init__()
        self.colour_names = colours
        self.shape = torch.nn.Linear(hidden, len(synth.SHAPES) + 1)
        self.colour = torch.nn.Linear(hidden, len(colours) + 1)

    def adopt(self, state: dict) -> None:
        """Start from another probe's weights: rows of classes both have (background first, then the
        palette in order); the rest keep their fresh initialisation."""
        with torch.no_grad():
            for name in ("shape", "colour"):
                layer = getattr(self, name)
                weight, bias = state[f"{name}.weight"], state[f"{name}.bias"]
                rows = min(layer.out_features, weight.shape[0])
                layer.weight[:rows] = weight[:rows]
                layer.bias[:rows] = bias[:rows]

    def labels(self, samples: list[Labelled], grids: list[tuple[int, int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Per merged visual token of every sample, in the vision tower's order: the shape and colour of
        the object over it (0: background)."""
        shapes, colours = [], []
        colour_ids = {c: i + 1 for i, c in enumerate(self.colour_names)}
        for s, grid in zip(samples, grids, strict=True):
            shape_row = torch.zeros(grid[0] * grid[1], dtype=torch.long)
            colour_row = torch.zeros_like(shape_row)
            for (shape, colour, _), tokens in zip(s.objects, s.object_tokens(grid), strict=True):
                shape_row[tokens] = synth.SHAPES.index(shape) + 1
                colour_row[tokens] = colour_ids[colour]
            shapes.append(shape_row)
            colours.append(colour_row)
        return torch.cat(shapes), torch.cat(colours)

    def loss(self, features: torch.Tensor, samples: list[Labelled], grids: list[tuple[int, int]]) -> torch.Tensor:
        shapes, colours = self.labels(samples, grids)
        ce = torch.nn.functional.cross_entropy
        return ce(self.shape(features), shapes) + ce(self.colour(features), colours)


class AttentionSupervision:
    """Training-only: one head of one decoder layer learns to look, from the last prompt token, at the
    object(s) the question is about (cross-entropy on its attention mass over the target tokens).

    Answer-only loss leaves a from-scratch model stuck at the answer prior for thousands of steps
    (DESIGN §7 and our first run); pointing one late head at the referent teaches grounding directly.
    The supervised layer is the last one, away from the layers the pruning methods score at (hawk 0,
    fastv K-1 = 1), so no method is handed its own signal.
    """

    def __init__(self, model, layer: int, head: int = 0) -> None:
        self.model, self.layer, self.head = model, layer, head
        self.inputs: dict = {}
        decoder = model.model.language_model.layers[layer]
        decoder.register_forward_pre_hook(self._capture, with_kwargs=True)

    def _capture(self, module, args, kwargs) -> None:
        self.inputs = {"hidden": kwargs.get("hidden_states", args[0] if args else None), **kwargs}

    def loss(
        self, inputs: dict, target_mask: torch.Tensor, samples: list[Labelled], grids: list[tuple[int, int]]
    ) -> torch.Tensor:
        decoder = self.model.model.language_model.layers[self.layer]
        attn = decoder.self_attn
        hidden = self.inputs["hidden"]
        cos, sin = self.inputs["position_embeddings"]
        x = decoder.input_layernorm(hidden)
        b, length, _ = x.shape
        ids = inputs["input_ids"]
        image_token = self.model.config.image_token_id
        rope = sys.modules[type(attn).__module__].apply_rotary_pos_emb
        q = attn.q_proj(x).view(b, length, -1, attn.head_dim).transpose(1, 2)
        k = attn.k_proj(x).view(b, length, -1, attn.head_dim).transpose(1, 2)
        q, k = rope(q, k, cos, sin)
        kv_head = self.head // (q.shape[1] // k.shape[1])
        losses = []
        for row, (s, grid) in enumerate(zip(samples, grids, strict=True)):
            tokens = s.object_tokens(grid)
            cells = sorted({t for i in s.referents for t in tokens[i]})
            if not cells:
                continue
            last_prompt = int(target_mask[row].nonzero()[0]) - 1  # predicts the first answer token
            logits = (k[row, kv_head, : last_prompt + 1] @ q[row, self.head, last_prompt]) * attn.scaling
            valid = inputs["attention_mask"][row, : last_prompt + 1].bool()
            logp = logits.masked_fill(~valid, float("-inf")).log_softmax(-1)
            visual = (ids[row, : last_prompt + 1] == image_token).nonzero().flatten()
            losses.append(-torch.logsumexp(logp[visual[cells]], dim=0))
        return torch.stack(losses).mean() if losses else hidden.sum() * 0


def dense_word_loss(
    logits: torch.Tensor,
    inputs: dict,
    samples: list[Labelled],
    grids: list[tuple[int, int]],
    tokenizer,
    image_token: int,
):
    """Training-only: at each object's visual tokens the model's own output head names the object
    (shape word and colour word, each with half the mass). Grounds the vocabulary in the visual tokens
    through the language model itself, which the answer readout then reuses."""
    logp = logits.float().log_softmax(-1)
    terms = []
    for row, (s, grid) in enumerate(zip(samples, grids, strict=True)):
        visual = (inputs["input_ids"][row] == image_token).nonzero().flatten()
        for (shape, colour, _), tokens in zip(s.objects, s.object_tokens(grid), strict=True):
            pos = visual[tokens]
            words = tokenizer.convert_tokens_to_ids([shape, colour])
            terms.append(-(logp[row, pos, words[0]] + logp[row, pos, words[1]]).mean() / 2)
    return torch.stack(terms).mean()


class _VisionCapture:
    def __init__(self) -> None:
        self.features: torch.Tensor | None = None

    def __call__(self, module, args, output) -> None:
        self.features = output.pooler_output


def token_grids(inputs: dict, merge: int) -> list[tuple[int, int]]:
    """(rows, cols) of merged visual tokens of each image, from the processor's patch grids."""
    return [(int(h) // merge, int(w) // merge) for _, h, w in inputs["image_grid_thw"].tolist()]


def training_inputs(processor: QwenVLInputs, samples: list[Labelled]) -> tuple[dict, torch.Tensor]:
    """Teacher-forced batch; loss on the answer tokens and the end-of-turn token only."""
    inputs, target = processor.with_answers(
        [s.image for s in samples], [s.question for s in samples], [s.answer for s in samples]
    )
    inputs["labels"] = inputs["input_ids"].masked_fill(~target, -100)
    return dict(inputs), target


@torch.no_grad()
def evaluate(
    model, processor: QwenVLInputs, n: int, tasks: tuple[str, ...] = synth.TASKS, batch_size: int = 16
) -> dict[str, float]:
    """Greedy accuracy per task on the first `n` synth test samples."""
    return accuracy(model, processor, [from_synth(synth.sample("test", i, tasks=tasks)) for i in range(n)], batch_size)


@torch.no_grad()
def accuracy(model, processor: QwenVLInputs, samples: list[Labelled], batch_size: int = 16) -> dict[str, float]:
    """Greedy exact-match accuracy per task, and their mean."""
    was_training = model.training
    model.eval()
    correct: dict[str, list[int]] = {}
    for i in range(0, len(samples), batch_size):
        chunk = samples[i : i + batch_size]
        inputs = processor([s.image for s in chunk], [s.question for s in chunk])
        out = model.generate(**inputs, max_new_tokens=3, do_sample=False)
        for s, seq in zip(chunk, out[:, inputs["input_ids"].shape[1] :], strict=True):
            pred = processor.decode(seq)
            correct.setdefault(s.task, []).append(int(pred == s.answer))
    model.train(was_training)
    acc = {t: sum(v) / len(v) for t, v in sorted(correct.items())}
    acc["mean"] = sum(acc.values()) / len(acc)
    return acc


def scene_accuracy(model, processor: QwenVLInputs, split: str, n: int, tasks: tuple[str, ...]) -> dict[str, float]:
    """Greedy accuracy on the first `n` scenes of `split` posing `tasks` (tasks of `scenes.TASKS`)."""
    return accuracy(model, processor, [from_scene(scenes.sample(split, i, tasks=tasks)) for i in range(n)])


def parse_tasks(text: str) -> tuple[str, ...]:
    tasks = tuple(t.strip() for t in text.split(",") if t.strip())
    unknown = [t for t in tasks if t not in synth.TASKS and t not in scenes.TASKS]
    if unknown or not tasks:
        raise argparse.ArgumentTypeError(f"unknown synth task(s) {unknown}; tasks: {', '.join(synth.TASKS)}")
    return tasks


def lr_at(step: int, args: argparse.Namespace) -> float:
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    if args.schedule == "constant":
        return args.lr
    progress = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def atomic_torch_save(obj: object, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def export(model, init_dir: Path, out_dir: Path, meta: dict) -> None:
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    for name in os.listdir(init_dir):
        if name not in {"model.safetensors", "config.json", "generation_config.json"}:
            shutil.copy(init_dir / name, tmp / name)
    (tmp / "training.json").write_text(json.dumps(meta, indent=2))
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("runs/hawk-demo"))
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--schedule", choices=["cosine", "constant"], default="cosine")
    ap.add_argument("--max-objects", type=int, default=10)
    ap.add_argument("--curriculum-every", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--eval-samples", type=int, default=200)
    ap.add_argument("--aux-weight", type=float, default=1.0, help="weight of the per-token probe loss (0: off)")
    ap.add_argument("--dense-weight", type=float, default=1.0, help="weight of the per-object word loss (0: off)")
    ap.add_argument("--attn-weight", type=float, default=1.0, help="weight of the attention supervision (0: off)")
    ap.add_argument(
        "--tasks",
        type=parse_tasks,
        default=synth.TASKS,
        help=f"comma-separated synth tasks to train and evaluate on (default: all of {','.join(synth.TASKS)})",
    )
    ap.add_argument("--size", choices=["demo", "tiny"], default="demo", help="tiny: a test-sized model")
    ap.add_argument("--train-pool", type=int, default=0, help="cycle over this many train samples (0: endless)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument(
        "--init-from", type=Path, help="fine-tune this checkpoint folder (its vocabulary extended by the scenes')"
    )
    ap.add_argument(
        "--init-probe", type=Path, help="a training state whose token probe starts this one (new colours start fresh)"
    )
    ap.add_argument("--scene-share", type=float, default=0.0, help="share of each batch drawn from `scenes`")
    ap.add_argument(
        "--grid-tasks", type=parse_tasks, default=None, help="tasks of the grid pictures (default: --tasks)"
    )
    ap.add_argument("--fillers", type=float, default=0.0, help="share of questions given an unknown filler word")
    args = ap.parse_args(argv)
    # The tasks each generator poses, chosen once: grid pictures (synth) and free ones (scenes).
    args.grid_tasks = args.grid_tasks or tuple(t for t in args.tasks if t in synth.TASKS)
    args.scene_tasks = tuple(t for t in args.tasks if t in scenes.TASKS)
    if args.threads:
        torch.set_num_threads(args.threads)
    from transformers import AutoModelForImageTextToText

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    init_dir = out / "init"
    state_path = out / "state.pt"
    if not (init_dir / "config.json").exists():
        if args.init_from is not None:
            from hawkcli.demo.extend import extend_checkpoint

            extend_checkpoint(args.init_from, init_dir, scenes.vocabulary())
        else:
            spec = demo_spec(args.seed)
            if args.size == "tiny":
                spec = tiny_spec(spec)
            build_checkpoint(init_dir, spec)
    processor = QwenVLInputs.from_pretrained(str(init_dir))
    model = AutoModelForImageTextToText.from_pretrained(str(init_dir), dtype=torch.float32)
    model.train()
    colours = tuple(scenes.COLOURS) if args.scene_share > 0 else tuple(synth.COLOURS)
    probe = TokenProbe(model.config.text_config.hidden_size, colours)
    if args.init_probe is not None and not (args.resume and state_path.exists()):
        probe.adopt(torch.load(args.init_probe, map_location="cpu", weights_only=True)["probe"])
    capture = _VisionCapture()
    model.model.visual.register_forward_hook(capture)
    pointer = AttentionSupervision(model, layer=model.config.text_config.num_hidden_layers - 1)
    params = list(model.parameters()) + list(probe.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    step = 0
    if args.resume and state_path.exists():
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state["model"])
        probe.load_state_dict(state["probe"])
        opt.load_state_dict(state["optimizer"])
        step = int(state["step"])
        print(f"resumed at step {step}", file=sys.stderr)
    elif state_path.exists():
        print(f"{state_path} exists; pass --resume to continue it", file=sys.stderr)
        return 2
    log = (out / "train.log").open("a")
    torch.manual_seed(args.seed)
    started = time.time()
    running = None
    while step < args.steps:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args)
        samples = batch_samples(step, args)
        inputs, target = training_inputs(processor, samples)
        outputs = model(**inputs)
        qa_loss = outputs.loss
        grids = token_grids(inputs, model.config.vision_config.spatial_merge_size)
        dense = (
            dense_word_loss(outputs.logits, inputs, samples, grids, processor.tokenizer, model.config.image_token_id)
            if args.dense_weight
            else torch.zeros(())
        )
        aux = probe.loss(capture.features, samples, grids) if args.aux_weight else torch.zeros(())
        att = pointer.loss(inputs, target, samples, grids) if args.attn_weight else torch.zeros(())
        loss = qa_loss + args.aux_weight * aux + args.attn_weight * att + args.dense_weight * dense
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        running = qa_loss.item() if running is None else 0.98 * running + 0.02 * qa_loss.item()
        record: dict = {
            "step": step,
            "loss": round(qa_loss.item(), 4),
            "avg": round(running, 4),
            "aux": round(aux.item(), 4),
            "att": round(att.item(), 4),
            "dense": round(dense.item(), 4),
        }
        if step % args.eval_every == 0 or step == args.steps:
            record["eval"] = evaluate(model, processor, args.eval_samples, args.grid_tasks)
            if args.scene_share > 0:
                for split in ("test", "user"):
                    record[f"eval_scenes_{split}"] = scene_accuracy(
                        model, processor, split, args.eval_samples, args.scene_tasks
                    )
        record["elapsed_s"] = round(time.time() - started, 1)
        log.write(json.dumps(record) + "\n")
        log.flush()
        if step % args.save_every == 0 or step == args.steps or "eval" in record:
            atomic_torch_save(
                {"model": model.state_dict(), "probe": probe.state_dict(), "optimizer": opt.state_dict(), "step": step},
                state_path,
            )
            meta = {"step": step, "args": {k: str(v) for k, v in vars(args).items()}, "last": record}
            export(model, init_dir, out / "model", meta)
        if "eval" in record:
            print(json.dumps(record), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
