"""Qwen2-VL: mRoPE position ids `[3 or 4, B, L]`, visual tokens `<|image_pad|>` / `<|video_pad|>`.

Inputs: the chat template writes `<|vision_start|><|image_pad|><|vision_end|>` per image (and
`<|video_pad|>` per video); the stock processor expands each pad into `grid_t*grid_h*grid_w /
merge_size**2` copies, one per merged 2x2 patch block of the resized picture in raster order (a
video: one block grid per temporal step of `temporal_patch_size` frames), and the model needs
`mm_token_type_ids` (1 image, 2 video) for its mRoPE index. Without torchvision the stock processor
does not load; the PIL image processor plus that expansion gives identical inputs.

Video without torchvision, step for step as the stock `Qwen2VLVideoProcessor` (which needs it):
one `smart_resize` size for the whole clip (the video processor's own pixel bounds; a checkpoint
without `video_preprocessor_config.json` uses its image `preprocessor_config.json`), torch's uint8
bicubic antialiased resize (what torchvision runs on a CPU; PIL's bicubic differs by up to 22 grey
levels), mean/std fused with the 1/255 rescale, the last frame repeated up to a multiple of the
temporal patch, patches in the order (t, h/m, w/m, m, m, C, temporal, p, p). Qwen2.5-VL also needs
`second_per_grid_ts` = temporal patch / sampled fps for its temporal positions.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch

from hawkcli.core.geometry import Segment, VisualSpan, chain, grid_boxes
from hawkcli.errors import InputError
from hawkcli.models.base import VLMAdapter
from hawkcli.models.processing import VLInputs, count_runs
from hawkcli.models.registry import register

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class VideoSettings:
    """The stock Qwen2-VL video processor's defaults, overridden by what the checkpoint's processor
    config says. `fps` is what qwen-vl-utils samples at when nobody says (the stock class has none)."""

    shortest_edge: int = 128 * 28 * 28
    longest_edge: int = 768 * 28 * 28
    patch_size: int = 14
    temporal_patch_size: int = 2
    merge_size: int = 2
    fps: float = 2.0
    min_frames: int = 4
    max_frames: int = 768
    image_mean: tuple[float, ...] = CLIP_MEAN
    image_std: tuple[float, ...] = CLIP_STD
    rescale_factor: float = 1 / 255

    @classmethod
    def read(cls, path: str, revision: str | None = None) -> VideoSettings:
        from transformers.utils import cached_file

        found = None
        for name in ("video_preprocessor_config.json", "preprocessor_config.json"):  # the stock fallback order
            try:
                found = cached_file(path, name, revision=revision, _raise_exceptions_for_missing_entries=False)
            except OSError:
                found = None
            if found:
                break
        if not found:
            return cls()
        return cls.parse(json.loads(Path(found).read_text()))

    @classmethod
    def parse(cls, raw: dict) -> VideoSettings:
        size = raw.get("size") or {}
        values = {
            **{f.name: raw.get(f.name) for f in fields(cls)},
            "shortest_edge": raw.get("min_pixels") or size.get("shortest_edge"),
            "longest_edge": raw.get("max_pixels") or size.get("longest_edge"),
        }
        kinds = {f.name: type(getattr(cls(), f.name)) for f in fields(cls)}
        return cls(**{k: kinds[k](v) for k, v in values.items() if v is not None})

    def pixels(self, frames: list[Any]) -> tuple[torch.Tensor, list[int]]:
        """`pixel_values_videos` rows and the `[t, h, w]` grid of one clip (PIL frames of one size)."""
        import numpy as np
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

        x = torch.from_numpy(np.stack([np.asarray(f.convert("RGB")) for f in frames])).permute(0, 3, 1, 2)
        p, m, t = self.patch_size, self.merge_size, self.temporal_patch_size
        h, w = smart_resize(x.shape[2], x.shape[3], p * m, self.shortest_edge, self.longest_edge)
        if (h, w) != tuple(x.shape[2:]):
            x = torch.nn.functional.interpolate(x, (h, w), mode="bicubic", align_corners=False, antialias=True)
        mean = torch.tensor(self.image_mean) * (1.0 / self.rescale_factor)
        std = torch.tensor(self.image_std) * (1.0 / self.rescale_factor)
        x = x.to(torch.float32).sub_(mean[:, None, None]).div_(std[:, None, None])
        if pad := -x.shape[0] % t:
            x = torch.cat([x, x[-1:].expand(pad, -1, -1, -1)])
        gt, gh, gw = x.shape[0] // t, h // p, w // p
        x = x.view(gt, t, 3, gh // m, m, p, gw // m, m, p).permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
        return x.reshape(gt * gh * gw, 3 * t * p * p), [gt, gh, gw]


def sample_indices(
    total: int, fps: float, settings: VideoSettings, want_fps: float | None, frames: int | None
) -> list[int]:
    """The stock `Qwen2VLVideoProcessor.sample_frames`: a multiple of the temporal patch, uniformly spaced."""
    t = settings.temporal_patch_size
    if frames is not None:
        n = round(frames / t) * t
    else:
        cap = math.floor(min(settings.max_frames, total) / t) * t
        n = total / fps * (want_fps or settings.fps)
        n = math.floor(min(max(n, settings.min_frames), cap, total) / t) * t
    if n > total:
        raise InputError(f"cannot sample {n} frames from a clip of {total}")
    if n <= 0:
        return list(range(total))  # shorter than one temporal patch: every frame (the last one is repeated)
    return torch.arange(0, total, total / n).int().tolist()


class QwenVLInputs(VLInputs):
    image_token = "<|image_pad|>"
    video_token = "<|video_pad|>"
    end_of_turn = "<|im_end|>"
    reads_video = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.video = VideoSettings()  # the checkpoint's own, once from_pretrained has read them

    @classmethod
    def from_pretrained(cls, path: str, revision: str | None = None, options: Any = None) -> Any:
        proc = super().from_pretrained(path, revision, options)
        proc.video = VideoSettings.read(path, revision)
        return proc

    @classmethod
    def load_image_processor(cls, path: str, revision: str | None = None, **kwargs: Any) -> Any:
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

        return Qwen2VLImageProcessorPil.from_pretrained(path, revision=revision, **kwargs)

    @property
    def default_fps(self) -> float:
        return self.video.fps

    def sample_frames(self, total: int, fps: float, sampling: Any) -> list[int]:
        return sample_indices(total, fps, self.video, sampling.fps, sampling.frames)

    def video_vision(self, videos: list[Any]) -> dict[str, Any]:
        made = [self.video.pixels(v.frames) for v in videos]
        out = {
            "pixel_values_videos": torch.cat([px for px, _ in made]),
            "video_grid_thw": torch.tensor([g for _, g in made]),
        }
        out.update(self.video_timing(videos))
        return out

    def video_timing(self, videos: list[Any]) -> dict[str, Any]:
        """Extra per-video tensors the model's temporal positions need (none on Qwen2-VL)."""
        return {}

    def stock_video_kwargs(self, videos: list[Any]) -> dict[str, Any]:
        import numpy as np
        from transformers.video_utils import VideoMetadata

        metadata = [
            VideoMetadata(v.total_frames, v.source_fps, *v.size, frames_indices=list(v.indices)) for v in videos
        ]
        return {
            "videos": [np.stack([np.asarray(f) for f in v.frames]) for v in videos],
            "video_metadata": metadata,
            "do_sample_frames": False,
            "cap_pixels_per_frame": False,
        }

    def expand(self, texts: list[str], vision: Any) -> list[str]:
        merge = self.image_processor.merge_size**2
        counts = {
            token: iter((vision[key].prod(-1) // merge).tolist()) if key in vision else iter(())
            for token, key in ((self.image_token, "image_grid_thw"), (self.video_token, "video_grid_thw"))
        }
        expanded = []
        for text in texts:
            # Expand each placeholder in order, exactly as the stock processor's replace_*_token does.
            for token, left in counts.items():
                parts = text.split(token)
                text = parts[0] + "".join(token * next(left) + part for part in parts[1:])
            expanded.append(text)
        return expanded

    def extra(self, input_ids: Any) -> dict[str, Any]:
        video = (input_ids == self.video_token_id).int()
        return {"mm_token_type_ids": (input_ids == self.image_token_id).int() + 2 * video}

    def layout(self, inputs: Any, row: int, visuals: Any) -> list[Any]:
        # A merged token is a merge x merge block of patches of the *resized* picture (aspect kept), in
        # raster order, so the grid maps straight onto the original one; a video repeats it per step.
        from hawkcli.visuals import as_visuals

        visuals = as_visuals(visuals)
        merge, ids = self.image_processor.merge_size, inputs["input_ids"]
        parts = []
        first = self.images_before(ids, row)
        grids = inputs.get("image_grid_thw", torch.zeros(0, 3))
        for i, ((_, h, w), image) in enumerate(zip(grids[first:].tolist(), visuals.images, strict=False)):
            parts.append(VisualSpan(i, 0, tuple(grid_boxes(h // merge, w // merge, (0, 0, *image.size)))))
        first = self.images_before(ids, row, self.video_token_id)
        t_size = self.video.temporal_patch_size
        grids = inputs.get("video_grid_thw", torch.zeros(0, 3))
        for j, ((t, h, w), video) in enumerate(zip(grids[first:].tolist(), visuals.videos, strict=False)):
            boxes = tuple(grid_boxes(h // merge, w // merge, (0, 0, *video.size)))
            for step in range(t):
                frames = tuple(f for f in range(step * t_size, (step + 1) * t_size) if f < len(video.frames))
                parts.append(VisualSpan(len(visuals.images) + j, 0, boxes, "video", frames))
        return chain(parts)


@register
class Qwen2VLAdapter(VLMAdapter):
    model_types = ("qwen2_vl",)
    family = "Qwen2-VL"
    query_ends_at_eos = True  # <|im_end|>
    aliases = {"qwen2-vl-2b": "Qwen/Qwen2-VL-2B-Instruct", "qwen2-vl-7b": "Qwen/Qwen2-VL-7B-Instruct"}
    inputs_class = QwenVLInputs
    has_saliency = True

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id, self.config.video_token_id)

    def image_end_ids(self) -> tuple[int, ...]:
        return (self.config.vision_end_token_id,)

    def video_token_ids(self) -> tuple[int, ...]:
        return (self.config.video_token_id,)

    def segment_hooks(self, sink: list) -> list[Any]:
        # The tower is called once for all images of the batch, then once for all videos (generate()
        # may call it before the model's forward, which then gets no grids at all).
        def on_visual(module: Any, args: tuple, kwargs: dict) -> None:
            sink.append(kwargs.get("grid_thw", args[1] if len(args) > 1 else None))

        return [self.model.model.visual.register_forward_pre_hook(on_visual, with_kwargs=True)]

    def segments(self, input_ids: torch.Tensor, sink: list) -> list[list[Segment]]:
        ids = self.visual_token_ids()
        present = [kind for kind, tok in zip(("image", "video"), ids, strict=True) if (input_ids == tok).any()]
        if not present or len(sink) < len(present):
            return super().segments(input_ids, [])  # no grids recorded: one segment per run
        grids = dict(zip(present, sink[-len(present) :], strict=True))
        # generate() repeats each row for beams or samples after the tower ran: repeats share their grids.
        tok = ids[0] if present[0] == "image" else ids[1]
        runs = sum(count_runs(input_ids[r] == tok) for r in range(input_ids.shape[0]))
        factor = max(1, runs // max(1, len(grids[present[0]])))
        distinct = super().segments(input_ids[::factor], [grids])
        return [distinct[b // factor] for b in range(input_ids.shape[0])]

    def run_segments(self, kind: str, index: int, number: int, start: int, length: int, sink: list) -> list[Segment]:
        if not sink:
            return super().run_segments(kind, index, number, start, length, sink)
        # A video's tokens run step by step: t, then the h x w merged grid in raster order.
        merge = self.config.vision_config.spatial_merge_size
        t, h, w = sink[0][kind][number].tolist()
        steps = t if kind == "video" else 1
        per = length // steps
        return [Segment(kind, index, s, start + s * per, per, (h // merge, w // merge)) for s in range(steps)]

    def default_position_ids(self, batch: int, length: int, device: Any) -> torch.Tensor:
        # What the text model builds itself for a fresh sequence: 0..L-1 on every mRoPE row (T, H, W).
        return torch.arange(length, device=device).expand(3, batch, length)

    def vision_shape(self) -> Any:
        from hawkcli.core.flops import VisionShape

        v = self.config.vision_config
        dim = getattr(v, "embed_dim", None) or v.hidden_size
        return VisionShape(
            depth=v.depth,
            hidden=dim,
            intermediate=int(dim * v.mlp_ratio),
            patch_dim=v.in_channels * v.temporal_patch_size * v.patch_size**2,
            merge=v.spatial_merge_size,
            out_hidden=self.text_config().hidden_size,
            gated_mlp=False,
            window_patches=0,
        )

    def vision_patches(self, inputs: Any) -> int | None:
        grids = [inputs[k] for k in ("image_grid_thw", "video_grid_thw") if inputs.get(k) is not None]
        return int(sum(g.prod(-1).sum() for g in grids))

    # -- vision-side saliency (VisPruner / ID-Selection) --------------------------------------------
    def _vision_order(self, grid_thw: torch.Tensor) -> torch.Tensor | None:
        """Index that puts merge units from vision-block order back into raster order (None: already raster)."""
        return None

    def vision_saliency_hooks(self, sink: list[torch.Tensor], method: str) -> list[Any]:
        """Hooks that append, per vision-tower call, the attention each merged token *receives* in the
        last vision block (head mean, column sum within its attention span, mean over the merge unit),
        in raster order of the merged tokens."""
        visual = self.model.model.visual
        last = visual.blocks[-1].attn
        rope = sys.modules[type(last).__module__].apply_rotary_pos_emb_vision
        merge_unit = self.config.vision_config.spatial_merge_size**2
        grid: dict[str, torch.Tensor] = {}

        def on_visual(module: Any, args: tuple, kwargs: dict) -> None:
            grid["thw"] = kwargs.get("grid_thw", args[1] if len(args) > 1 else None)

        def on_attention(module: Any, args: tuple, kwargs: dict) -> None:
            hidden = kwargs.get("hidden_states", args[0] if args else None)
            cu = kwargs.get("cu_seqlens", args[1] if len(args) > 1 else None).tolist()
            cos, sin = kwargs["position_embeddings"]
            n = hidden.shape[0]
            q, k, _ = module.qkv(hidden).reshape(n, 3, module.num_heads, -1).permute(1, 0, 2, 3).unbind(0)
            q, k = rope(q, k, cos, sin)
            received = torch.zeros(n, dtype=torch.float32, device=hidden.device)
            for start, end in zip(cu[:-1], cu[1:], strict=True):
                qs, ks = q[start:end].float().transpose(0, 1), k[start:end].float().transpose(0, 1)
                for h in range(qs.shape[0]):  # one head at a time keeps memory at span² floats
                    probs = (qs[h] @ ks[h].T * module.scaling).softmax(-1)
                    received[start:end] += probs.sum(0) / qs.shape[0]
            units = received.view(-1, merge_unit).mean(-1)
            order = self._vision_order(grid["thw"])
            sink.append(units if order is None else units[order.to(units.device)])

        return [
            visual.register_forward_pre_hook(on_visual, with_kwargs=True),
            last.register_forward_pre_hook(on_attention, with_kwargs=True),
        ]
