"""InternVL3 (`internvl`, the `-hf` checkpoints): InternViT tiles + pixel shuffle + a Qwen2 decoder.

Inputs (transformers 5.24, `processing_internvl.py`, GotOcr2 image processing): the image is cut into
the cols x rows tile grid (1-12 tiles) whose aspect ratio is closest to the picture's, after resizing
it to (cols*S, rows*S), aspect not kept; with more than one tile a thumbnail of the whole picture is
appended last. The chat template writes `<IMG_CONTEXT>` per image and the processor turns it into
`<img>` + `<IMG_CONTEXT>` x (image_seq_length x tiles) + `</img>`. Within a tile the vision tower sees a
CLS token and (S/14)^2 patches; CLS is dropped and a 0.5 pixel shuffle leaves g x g tokens in raster
order, token (r, c) covering the 2x2 patches (2r..2r+1, 2c..2c+1). The stock processor needs
torchvision (its video processor), so hawk builds the same inputs from the PIL image processor.

Query: after the last image to the end of the user turn (`<|im_end|>`).
Saliency (VisPruner / ID-Selection): the CLS row of the feature layer's attention (head mean) over
the patches, averaged over each token's 2x2 block, tiles in prompt order.
"""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.core.geometry import Box, grid_boxes
from hawkcli.errors import HawkError
from hawkcli.models.base import VLMAdapter
from hawkcli.models.processing import VLInputs
from hawkcli.models.registry import register


def tile_grid(width: int, height: int, tile: int, min_tiles: int, max_tiles: int) -> tuple[int, int]:
    """(cols, rows) the GotOcr2 image processor cuts an image into."""
    from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import get_optimal_tiled_canvas

    return get_optimal_tiled_canvas((height, width), (tile, tile), min_tiles, max_tiles)


class InternVLInputs(VLInputs):
    image_token = "<IMG_CONTEXT>"
    end_of_turn = "<|im_end|>"

    def vision(self, rows: list[list[Any]]) -> dict[str, Any]:
        # The stock processor always tiles (crop_to_patches), whatever the checkpoint's preprocessor says.
        images = [im for row in rows for im in row]
        return self.image_processor(images=images, crop_to_patches=True, return_tensors="pt")

    def model_inputs(self, vision: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in vision.items() if k != "num_patches"}

    def expand(self, texts: list[str], vision: Any) -> list[str]:
        tiles = iter(
            vision["num_patches"].tolist() if hasattr(vision["num_patches"], "tolist") else vision["num_patches"]
        )
        run = self.config.image_seq_length
        out = []
        for text in texts:
            parts = text.split(self.image_token)
            expanded = parts[0]
            for part in parts[1:]:
                expanded += f"<img>{self.image_token * (run * next(tiles))}</img>" + part
            out.append(expanded)
        return out

    def image_boxes(self, width: int, height: int) -> list[Box]:
        ip = self.image_processor
        cols, rows = tile_grid(width, height, ip.size["height"], ip.min_patches, ip.max_patches)
        side = int(self.config.image_seq_length**0.5)
        regions = [
            (c * width / cols, r * height / rows, (c + 1) * width / cols, (r + 1) * height / rows)
            for r in range(rows)
            for c in range(cols)
        ]
        if len(regions) > 1:
            regions.append((0, 0, width, height))  # the thumbnail
        return [box for region in regions for box in grid_boxes(side, side, region)]


@register
class InternVLAdapter(VLMAdapter):
    model_types = ("internvl",)
    family = "InternVL3"
    query_ends_at_eos = True  # <|im_end|>
    inputs_class = InternVLInputs
    has_saliency = True
    aliases = {f"internvl3-{size}": f"OpenGVLab/InternVL3-{size.upper()}-hf" for size in ("1b", "2b", "8b")}

    def visual_token_ids(self) -> tuple[int, ...]:
        return (self.config.image_token_id,)

    def vision_shape(self) -> Any:
        block = round(1 / self.config.downsample_ratio)  # pixel shuffle: block² patches -> one token
        d = self.config.vision_config.hidden_size * block**2
        return self.tower_shape(
            merge=block, projector=(d, self.text_config().hidden_size, self.text_config().hidden_size)
        )

    def vision_saliency_hooks(self, sink: list[torch.Tensor], method: str) -> list[Any]:
        if self.config.vision_feature_select_strategy != "default" or not isinstance(
            self.config.vision_feature_layer, int
        ):
            raise HawkError(f"method {method} on {self.family} needs one feature layer with the CLS token dropped")
        attention = self.model.model.vision_tower.encoder.layer[self.config.vision_feature_layer].attention
        block = round(1 / self.config.downsample_ratio)

        def on_attention(module: Any, args: tuple, kwargs: dict) -> None:
            hidden = kwargs.get("hidden_states", args[0] if args else None)  # layernorm_before applied
            tiles, n, _ = hidden.shape
            q = module.q_norm(module.q_proj(hidden[:, :1])).view(tiles, 1, module.num_heads, module.head_dim)
            k = module.k_norm(module.k_proj(hidden)).view(tiles, n, module.num_heads, module.head_dim)
            probs = (q.transpose(1, 2).float() @ k.transpose(1, 2).float().transpose(-1, -2) * module.scale).softmax(-1)
            cls = probs.mean(1)[:, 0, 1:]  # [tiles, patches], CLS column dropped
            side = int((n - 1) ** 0.5)
            grid = cls.view(tiles, side // block, block, side // block, block)
            sink.append(grid.mean((2, 4)).reshape(-1))

        return [attention.register_forward_pre_hook(on_attention, with_kwargs=True)]
