"""Turn (image, question) pairs into model inputs, with or without torchvision: the family-neutral part.

Stock processors of several families refuse to load without torchvision (their video processor needs
it). What they do for images is small and public: render the chat template, run the image processor,
and expand each image placeholder into the family's run of visual tokens. `VLInputs` does the shared
part — chat template, left-padded batching, teacher-forced answers, decoding, preferring the stock
processor whenever it loads — and each family's subclass (in its family file) says how placeholders
expand, what extra tensors the model needs, and where every visual token lies in the picture.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

log = logging.getLogger(__name__)


@dataclass
class ProcessorOptions:
    min_pixels: int | None = None
    max_pixels: int | None = None

    def image_kwargs(self) -> dict[str, int]:
        return {k: v for k, v in (("min_pixels", self.min_pixels), ("max_pixels", self.max_pixels)) if v}


def _messages(question: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]


def count_runs(mask: Any) -> int:
    """Number of runs of consecutive True values in a 1-D bool tensor (one run per image)."""
    shifted = mask.clone()
    shifted[1:] = mask[1:] & ~mask[:-1]
    return int(shifted.sum())


class VLInputs:
    """Builds batched, left-padded model inputs for single-image questions."""

    image_token: ClassVar[str] = ""  # the placeholder the chat template writes for one image
    end_of_turn: ClassVar[str | None] = None  # what closes an answer in teacher-forced inputs (None: eos)
    nested_images: ClassVar[bool] = False  # the stock processor wants one list of images per prompt

    def __init__(self, tokenizer: Any, image_processor: Any, stock: Any | None = None, config: Any = None) -> None:
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.stock = stock
        self.config = config  # the model's config (token counts some families read from it)
        tokenizer.padding_side = "left"
        self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)

    @classmethod
    def from_pretrained(cls, path: str, revision: str | None = None, options: ProcessorOptions | None = None) -> Any:
        from transformers import AutoConfig, AutoProcessor, AutoTokenizer

        kwargs = (options or ProcessorOptions()).image_kwargs()
        config = AutoConfig.from_pretrained(path, revision=revision)
        try:
            stock = AutoProcessor.from_pretrained(path, revision=revision, **kwargs)
            if not hasattr(stock, "image_processor"):
                raise TypeError("not a multimodal processor")
            return cls(stock.tokenizer, stock.image_processor, stock=stock, config=config)
        except (ImportError, AttributeError, TypeError, ValueError) as err:
            # No torchvision (or a processor class that cannot be built here): assemble our own.
            log.debug("stock processor unavailable (%s); using tokenizer + PIL image processor", err)
        tokenizer = AutoTokenizer.from_pretrained(path, revision=revision)
        return cls(tokenizer, cls.load_image_processor(path, revision, **kwargs), config=config)

    # -- what a family defines ------------------------------------------------------------------
    @classmethod
    def load_image_processor(cls, path: str, revision: str | None = None, **kwargs: Any) -> Any:
        """The family's image processor without torchvision (the auto class picks the PIL backend)."""
        from transformers import AutoImageProcessor

        return AutoImageProcessor.from_pretrained(path, revision=revision, **kwargs)

    def expand(self, texts: list[str], vision: Any) -> list[str]:
        """Replace each image placeholder with the visual tokens the stock processor would write."""
        raise NotImplementedError

    def extra(self, input_ids: Any) -> dict[str, Any]:
        """Tensors the model needs besides ids, mask and the image processor's output."""
        return {}

    def vision(self, images: list[Any]) -> dict[str, Any]:
        """The image processor's output for one image per row (what `expand` reads)."""
        return self.image_processor(images=images, return_tensors="pt")

    def model_inputs(self, vision: dict[str, Any]) -> dict[str, Any]:
        """The part of `vision` the model takes as keyword arguments."""
        return dict(vision)

    def image_boxes(self, width: int, height: int) -> list[Any]:
        """The pixel box of every visual token of one image of this size, in token order."""
        raise NotImplementedError

    def layout(self, inputs: Any, row: int, image_sizes: list[tuple[int, int]]) -> list[Any]:
        """`VisualSpan`s of one row: for each of its images, the pixel box of every visual token."""
        from hawkcli.core.geometry import spans

        return spans([self.image_boxes(width, height) for width, height in image_sizes])

    # -- shared ------------------------------------------------------------------------------------
    def prompt(self, question: str) -> str:
        return self.tokenizer.apply_chat_template(_messages(question), tokenize=False, add_generation_prompt=True)

    def __call__(self, images: list[Any], questions: list[str]) -> Any:
        """Model inputs for one image per question, left-padded."""
        if len(images) != len(questions):
            raise ValueError("one image per question")
        return self._encode([self.prompt(q) for q in questions], images)

    def _encode(self, texts: list[str], images: list[Any]) -> Any:
        if self.stock is not None:
            batch = [[im] for im in images] if self.nested_images else images
            return self.stock(text=texts, images=batch, padding=True, return_tensors="pt")
        return self._build(texts, images)

    def with_answers(self, images: list[Any], questions: list[str], answers: list[str]) -> tuple[Any, Any]:
        """Teacher-forced inputs (prompt + answer + end of turn) and a `[B, L]` mask of the answer tokens.

        The end-of-turn token is part of the target: the model must also know when the answer stops.
        """
        import torch

        end = self.end_of_turn if self.end_of_turn is not None else self.tokenizer.eos_token
        texts = [self.prompt(q) + a + end for q, a in zip(questions, answers, strict=True)]
        inputs = self._encode(texts, images)
        target = torch.zeros_like(inputs["input_ids"], dtype=torch.bool)
        for row, answer in enumerate(answers):
            n = len(self.tokenizer(answer + end, add_special_tokens=False)["input_ids"])
            target[row, -n:] = True  # left padding puts every answer at the end of its row
        return inputs, target

    def _build(self, texts: list[str], images: list[Any]) -> Any:
        from transformers import BatchFeature

        vision = self.vision(images)
        enc = self.tokenizer(self.expand(texts, vision), padding=True, return_tensors="pt")
        return BatchFeature({**enc, **self.model_inputs(vision), **self.extra(enc["input_ids"])})

    def images_before(self, input_ids: Any, row: int) -> int:
        """How many images the rows before `row` hold (images are batched in row order)."""
        visual = input_ids == self.image_token_id
        return sum(count_runs(visual[r]) for r in range(row))

    def decode(self, token_ids: Any) -> str:
        return self.tokenizer.decode(token_ids, skip_special_tokens=True).strip()
