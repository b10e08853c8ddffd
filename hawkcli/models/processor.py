"""Turn (image, question) pairs into model inputs, with or without torchvision.

The stock Qwen2-VL/Qwen2.5-VL processors refuse to load without torchvision (their video processor
needs it). What they do for images is small and public: render the chat template, run the image
processor, and expand each `<|image_pad|>` into `grid_t*grid_h*grid_w / merge_size**2` copies. We do
exactly that with the PIL image processor when the stock processor cannot be built, and use the stock
processor whenever it loads, so GPU users with torchvision get bit-identical inputs either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class ProcessorOptions:
    min_pixels: int | None = None
    max_pixels: int | None = None


def _messages(question: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]


class VLProcessor:
    """Builds batched, left-padded model inputs for single-image questions."""

    def __init__(self, tokenizer: Any, image_processor: Any, stock: Any | None = None) -> None:
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.stock = stock
        tokenizer.padding_side = "left"
        self.image_token = "<|image_pad|>"
        self.video_token = "<|video_pad|>"
        self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
        self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)

    @classmethod
    def from_pretrained(
        cls, path: str, revision: str | None = None, options: ProcessorOptions | None = None
    ) -> VLProcessor:
        from transformers import AutoProcessor, AutoTokenizer

        options = options or ProcessorOptions()
        pixel_kwargs = {k: v for k, v in (("min_pixels", options.min_pixels), ("max_pixels", options.max_pixels)) if v}
        try:
            stock = AutoProcessor.from_pretrained(path, revision=revision, **pixel_kwargs)
            if not hasattr(stock, "image_processor"):
                raise TypeError("not a multimodal processor")
            return cls(stock.tokenizer, stock.image_processor, stock=stock)
        except (ImportError, AttributeError, TypeError, ValueError) as err:
            # No torchvision (or a processor class that cannot be built here): assemble our own.
            log.debug("stock processor unavailable (%s); using tokenizer + PIL image processor", err)
        tokenizer = AutoTokenizer.from_pretrained(path, revision=revision)
        return cls(tokenizer, load_image_processor(path, revision, **pixel_kwargs))

    def prompt(self, question: str) -> str:
        return self.tokenizer.apply_chat_template(_messages(question), tokenize=False, add_generation_prompt=True)

    def __call__(self, images: list[Any], questions: list[str]) -> Any:
        """Model inputs (`input_ids`, `attention_mask`, `pixel_values`, `image_grid_thw`, `mm_token_type_ids`)."""
        if len(images) != len(questions):
            raise ValueError("one image per question")
        texts = [self.prompt(q) for q in questions]
        if self.stock is not None:
            return self.stock(text=texts, images=images, padding=True, return_tensors="pt")
        return self._build(texts, images)

    def with_answers(self, images: list[Any], questions: list[str], answers: list[str]) -> tuple[Any, Any]:
        """Teacher-forced inputs (prompt + answer + end of turn) and a `[B, L]` mask of the answer tokens.

        The end-of-turn token is part of the target: the model must also know when the answer stops.
        """
        import torch

        end = "<|im_end|>"
        texts = [self.prompt(q) + a + end for q, a in zip(questions, answers, strict=True)]
        inputs = self._build(texts, images)
        target = torch.zeros_like(inputs["input_ids"], dtype=torch.bool)
        for row, answer in enumerate(answers):
            n = len(self.tokenizer(answer + end, add_special_tokens=False)["input_ids"])
            target[row, -n:] = True  # left padding puts every answer at the end of its row
        return inputs, target

    def _build(self, texts: list[str], images: list[Any]) -> Any:
        from transformers import BatchFeature

        vision = self.image_processor(images=images, return_tensors="pt")
        merge = self.image_processor.merge_size**2
        counts = iter((vision["image_grid_thw"].prod(-1) // merge).tolist())
        expanded = []
        for text in texts:
            # Expand each placeholder in order, exactly as the stock processor's replace_image_token does.
            parts = text.split(self.image_token)
            out = parts[0]
            for part in parts[1:]:
                out += self.image_token * next(counts) + part
            expanded.append(out)
        enc = self.tokenizer(expanded, padding=True, return_tensors="pt")
        ids = enc["input_ids"]
        mm = (ids == self.image_token_id).int() + 2 * (ids == self.video_token_id).int()
        return BatchFeature({**enc, **vision, "mm_token_type_ids": mm})

    def decode(self, token_ids: Any) -> str:
        return self.tokenizer.decode(token_ids, skip_special_tokens=True).strip()


def load_image_processor(path: str, revision: str | None = None, **kwargs: Any) -> Any:
    """The Qwen2-VL image processor; the PIL backend needs neither torchvision nor a GPU."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    return Qwen2VLImageProcessorPil.from_pretrained(path, revision=revision, **kwargs)
