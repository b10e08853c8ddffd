"""Idefics3 and SmolVLM (`idefics3`, `smolvlm`): SigLIP tiles + pixel-shuffle connector + a Llama decoder.

Real SmolVLM v1 checkpoints (256M / 500M / 2.2B Instruct) are `idefics3` models; SmolVLM2 is `smolvlm`.
Inputs (transformers 5.24, `processing_idefics3.py`): the image is resized so its longest edge is
`size.longest_edge`, each side rounded up to a multiple of the tile `M` (the vision image size), cut
into rows x cols tiles in raster order, and the whole image squashed to M x M is appended last. The
prompt gets, per tile, `<fake_token_around_image><row_r_col_c>` + N `<image>` tokens (a newline after
each tile row), then `\\n<fake_token_around_image><global-img>` + N `<image>` + `<fake_token_around_image>`;
an unsplit image is only the global part. N = (M / patch)^2 / scale^2. Within a tile, token k covers
the (k // g, k % g) cell of side scale x patch pixels, g = M / patch / scale.
The text decoder is `model.model.text_model`. SmolVLM's stock processor needs torchvision (its video
processor) and `num2words`; hawk's own input path needs neither.

Query: the text after the last image up to the end of the user turn (`<end_of_utterance>`, the eos).
Saliency (VisPruner / ID-Selection): SigLIP has no CLS token, so (our reading, as for Qwen) the
attention each patch receives in the last vision layer, head mean, averaged over each token's
scale x scale patch block.
"""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.core.geometry import Box
from hawkcli.models.base import VLMAdapter
from hawkcli.models.processing import VLInputs
from hawkcli.models.registry import register

FAKE, GLOBAL = "<fake_token_around_image>", "<global-img>"


def tile_boxes(width: int, height: int, rows: int, cols: int, tile: int, cell: int) -> list[Box]:
    """Boxes of every token of one image: its rows x cols tiles in raster order, then the global tile."""
    per_side = tile // cell
    regions = [(c * tile, r * tile, cols * tile, rows * tile) for r in range(rows) for c in range(cols)]
    regions.append((0, 0, tile, tile))  # the global image, the whole picture squashed to one tile
    boxes = []
    for x_off, y_off, span_w, span_h in regions if rows * cols > 1 else regions[-1:]:
        sx, sy = width / span_w, height / span_h
        for k in range(per_side * per_side):
            i, j = divmod(k, per_side)
            x0, y0 = x_off + j * cell, y_off + i * cell
            boxes.append((round(x0 * sx), round(y0 * sy), round((x0 + cell) * sx), round((y0 + cell) * sy)))
    return boxes


class Idefics3Inputs(VLInputs):
    multi_image = False  # each tile is its own run of <image> tokens; grouping tiles by image is not built yet
    image_token = "<image>"
    end_of_turn = "<end_of_utterance>"
    nested_images = True

    def tokens_per_tile(self) -> int:
        v = self.config.vision_config
        return (v.image_size // v.patch_size) ** 2 // self.config.scale_factor**2

    def vision(self, rows: list[list[Any]]) -> dict[str, Any]:
        return self.image_processor(images=rows, return_row_col_info=True, return_tensors="pt")

    def model_inputs(self, vision: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in vision.items() if k not in ("rows", "cols")}

    def image_string(self, rows: int, cols: int) -> str:
        run = self.image_token * self.tokens_per_tile()
        if rows == 0 and cols == 0:
            return f"{FAKE}{GLOBAL}{run}{FAKE}"
        grid = "".join(
            "".join(f"{FAKE}<row_{r + 1}_col_{c + 1}>{run}" for c in range(cols)) + "\n" for r in range(rows)
        )
        return f"{grid}\n{FAKE}{GLOBAL}{run}{FAKE}"

    def expand(self, texts: list[str], vision: Any) -> list[str]:
        out = []
        for text, rows, cols in zip(texts, vision["rows"], vision["cols"], strict=True):
            parts = text.split(self.image_token)
            expanded = parts[0]
            for part, r, c in zip(parts[1:], rows, cols, strict=True):
                expanded += self.image_string(r, c) + part
            out.append(expanded)
        return out

    def image_boxes(self, width: int, height: int) -> list[Box]:
        from PIL import Image

        tile = self.image_processor.max_image_size["longest_edge"]
        cell = self.config.vision_config.patch_size * self.config.scale_factor
        # The tile grid depends only on the size: ask the image processor itself.
        info = self.image_processor(images=[[Image.new("RGB", (width, height))]], return_row_col_info=True)
        return tile_boxes(width, height, info["rows"][0][0], info["cols"][0][0], tile, cell)


@register
class Idefics3Adapter(VLMAdapter):
    model_types = ("idefics3", "smolvlm")
    family = "Idefics3 / SmolVLM"
    query_ends_at_eos = True  # <end_of_utterance> on the instruct checkpoints
    aliases = {
        "smolvlm-256m": "HuggingFaceTB/SmolVLM-256M-Instruct",
        "smolvlm-500m": "HuggingFaceTB/SmolVLM-500M-Instruct",
        "smolvlm-2.2b": "HuggingFaceTB/SmolVLM-Instruct",
    }
    inputs_class = Idefics3Inputs
    has_saliency = True

    def text_model(self) -> Any:
        return self.model.model.text_model

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id,)

    def vision_shape(self) -> Any:
        s = self.config.scale_factor  # pixel shuffle, then one bias-free linear
        return self.tower_shape(
            merge=s, projector=(self.config.vision_config.hidden_size * s**2, self.text_config().hidden_size)
        )

    def vision_saliency_hooks(self, sink: list[torch.Tensor], method: str) -> list[Any]:
        """Per tile: attention each patch receives in the last vision layer (head mean), then the mean over
        each token's scale x scale patch block, tokens in raster order; tiles in prompt order."""
        attention = self.model.model.vision_model.encoder.layers[-1].self_attn
        scale = self.config.scale_factor

        def on_attention(module: Any, args: tuple, kwargs: dict) -> None:
            hidden = kwargs.get("hidden_states", args[0] if args else None)  # [tiles, patches, d]
            tiles, n, _ = hidden.shape
            q = module.q_proj(hidden).view(tiles, n, module.num_heads, module.head_dim).transpose(1, 2)
            k = module.k_proj(hidden).view(tiles, n, module.num_heads, module.head_dim).transpose(1, 2)
            probs = (q.float() @ k.float().transpose(-1, -2) * module.scale).softmax(-1)  # [tiles, H, n, n]
            received = probs.mean(1).sum(1)  # [tiles, n]
            side = int(n**0.5)
            grid = received.view(tiles, side // scale, scale, side // scale, scale)
            sink.append(grid.mean((2, 4)).reshape(-1))

        return [attention.register_forward_pre_hook(on_attention, with_kwargs=True)]
