"""Turn (images / videos, question) pairs into model inputs, with or without torchvision: the family-neutral part.

Stock processors of several families refuse to load without torchvision (their video processor needs
it). What they do for images is small and public: render the chat template, run the image processor,
and expand each image placeholder into the family's run of visual tokens. `VLInputs` does the shared
part — chat template, left-padded batching, teacher-forced answers, decoding, preferring the stock
processor whenever it loads — and each family's subclass (in its family file) says how placeholders
expand, what extra tensors the model needs, and where every visual token lies in the picture. Families
whose models take video also say how a clip's frames become pixels (`video_vision`) and which frames
their processor samples by default (`frame_indices`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from hawkcli.errors import InputError
from hawkcli.visuals import Visuals, as_visuals

log = logging.getLogger(__name__)


@dataclass
class ProcessorOptions:
    min_pixels: int | None = None
    max_pixels: int | None = None

    def image_kwargs(self) -> dict[str, int]:
        return {k: v for k, v in (("min_pixels", self.min_pixels), ("max_pixels", self.max_pixels)) if v}


def _messages(question: str, visuals: Visuals) -> list[dict[str, Any]]:
    parts = [{"type": "image"}] * len(visuals.images) + [{"type": "video"}] * len(visuals.videos)
    return [{"role": "user", "content": [*parts, {"type": "text", "text": question}]}]


def count_runs(mask: Any) -> int:
    """Number of runs of consecutive True values in a 1-D bool tensor (one run per image)."""
    shifted = mask.clone()
    shifted[1:] = mask[1:] & ~mask[:-1]
    return int(shifted.sum())


class VLInputs:
    """Builds batched, left-padded model inputs for questions about images and videos."""

    image_token: ClassVar[str] = ""  # the placeholder the chat template writes for one image
    video_token: ClassVar[str | None] = None  # the placeholder the chat template writes for one video
    reads_video: ClassVar[bool] = False  # whether hawk builds this family's video inputs
    multi_image: ClassVar[bool] = True  # whether hawk tells several images of one prompt apart
    end_of_turn: ClassVar[str | None] = None  # what closes an answer in teacher-forced inputs (None: eos)
    nested_images: ClassVar[bool] = False  # the stock processor wants one list of images per prompt

    def __init__(self, tokenizer: Any, image_processor: Any, stock: Any | None = None, config: Any = None) -> None:
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.stock = stock
        self.config = config  # the model's config (token counts some families read from it)
        tokenizer.padding_side = "left"
        self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
        self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token) if self.video_token else None

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

    def vision(self, rows: list[list[Any]]) -> dict[str, Any]:
        """The image processor's output for the images of every row, in order (what `expand` reads)."""
        return self.image_processor(images=[im for row in rows for im in row], return_tensors="pt")

    # Frames per second a clip is sampled at when the user does not say (and a frame folder is taken at).
    default_fps: float | None = None

    def video_vision(self, videos: list[Any]) -> dict[str, Any]:
        """Pixels and grids of every video of the batch, in order, as the stock video processor makes them."""
        raise self._no_video()

    def sample_frames(self, total: int, fps: float, sampling: Any) -> list[int]:
        """Which of a clip's `total` frames (at `fps`) the family's processor takes (families that read video)."""
        raise self._no_video()

    def frame_indices(self, total: int, fps: float, sampling: Any) -> list[int]:
        """`sample_frames`, refused in one line before any frame is decoded where hawk reads no video."""
        if not self.reads_video:
            raise self._no_video()
        return self.sample_frames(total, fps, sampling)

    def _family(self) -> str:
        return type(self).__name__.removesuffix("Inputs")

    def _no_video(self) -> InputError:
        return InputError(f"hawk reads no video on {self._family()} models")

    def model_inputs(self, vision: dict[str, Any]) -> dict[str, Any]:
        """The part of `vision` the model takes as keyword arguments."""
        return dict(vision)

    def image_boxes(self, width: int, height: int) -> list[Any]:
        """The pixel box of every visual token of one image of this size, in token order."""
        raise NotImplementedError

    def layout(self, inputs: Any, row: int, visuals: Visuals) -> list[Any]:
        """`VisualSpan`s of one row: for each of its images, the pixel box of every visual token."""
        from hawkcli.core.geometry import spans

        return spans([self.image_boxes(width, height) for width, height in as_visuals(visuals).sizes()])

    # -- shared ------------------------------------------------------------------------------------
    def prompt(self, question: str, visuals: Visuals | None = None) -> str:
        messages = _messages(question, visuals if visuals is not None else Visuals([None]))
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def __call__(self, visuals: list[Any], questions: list[str]) -> Any:
        """Model inputs for each question with its images / videos (a `Visuals`, or one PIL image), left-padded."""
        if len(visuals) != len(questions):
            raise ValueError("one set of visuals per question")
        rows = [as_visuals(v) for v in visuals]
        return self._encode([self.prompt(q, v) for q, v in zip(questions, rows, strict=True)], rows)

    def _check(self, rows: list[Visuals]) -> None:
        if any(row.videos for row in rows) and not self.reads_video:
            raise self._no_video()
        if any(row.count == 0 for row in rows):
            raise InputError("every question needs at least one image or video")
        if not self.multi_image and any(row.count > 1 for row in rows):
            raise InputError(f"hawk reads one image per prompt on {self._family()} models")

    def _encode(self, texts: list[str], rows: list[Visuals]) -> Any:
        self._check(rows)
        if self.stock is not None:
            return self._stock(texts, rows)
        return self._build(texts, rows)

    def _stock(self, texts: list[str], rows: list[Visuals]) -> Any:
        images: list[Any] = (
            [row.images for row in rows] if self.nested_images else [im for r in rows for im in r.images]
        )
        videos = [v for row in rows for v in row.videos]
        kwargs: dict[str, Any] = {}
        if videos:
            kwargs.update(self.stock_video_kwargs(videos))
        return self.stock(
            text=texts,
            images=images if any(r.images for r in rows) else None,
            padding=True,
            return_tensors="pt",
            **kwargs,
        )

    def stock_video_kwargs(self, videos: list[Any]) -> dict[str, Any]:
        """Keyword arguments that hand already-sampled clips to the stock processor."""
        return {}

    def with_answers(self, visuals: list[Any], questions: list[str], answers: list[str]) -> tuple[Any, Any]:
        """Teacher-forced inputs (prompt + answer + end of turn) and a `[B, L]` mask of the answer tokens.

        The end-of-turn token is part of the target: the model must also know when the answer stops.
        """
        import torch

        end = self.end_of_turn if self.end_of_turn is not None else self.tokenizer.eos_token
        rows = [as_visuals(v) for v in visuals]
        texts = [self.prompt(q, v) + a + end for q, v, a in zip(questions, rows, answers, strict=True)]
        inputs = self._encode(texts, rows)
        target = torch.zeros_like(inputs["input_ids"], dtype=torch.bool)
        for row, answer in enumerate(answers):
            n = len(self.tokenizer(answer + end, add_special_tokens=False)["input_ids"])
            target[row, -n:] = True  # left padding puts every answer at the end of its row
        return inputs, target

    def with_continuations(
        self, visuals: list[Any], questions: list[str], continuations: list[str]
    ) -> tuple[Any, list[int]]:
        """Inputs of prompt + continuation (nothing after it), and per row how many trailing tokens the
        continuation became. It is counted in context — tokens of prompt + continuation less those of the
        prompt — because a tokenizer may merge across the seam."""
        rows = [as_visuals(v) for v in visuals]
        prompts = [self.prompt(q, v) for q, v in zip(questions, rows, strict=True)]
        texts = [p + c for p, c in zip(prompts, continuations, strict=True)]

        def count(text: str) -> int:
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

        lengths = [count(t) - count(p) for t, p in zip(texts, prompts, strict=True)]
        return self._encode(texts, rows), lengths

    def _build(self, texts: list[str], rows: list[Any]) -> Any:
        from transformers import BatchFeature

        rows = [as_visuals(v) for v in rows]
        vision = self.vision([r.images for r in rows]) if any(r.images for r in rows) else {}
        videos = [v for r in rows for v in r.videos]
        video = self.video_vision(videos) if videos else {}
        enc = self.tokenizer(self.expand(texts, {**vision, **video}), padding=True, return_tensors="pt")
        model_inputs = self.model_inputs(vision) if vision else {}
        return BatchFeature({**enc, **model_inputs, **video, **self.extra(enc["input_ids"])})

    def images_before(self, input_ids: Any, row: int, token_id: int | None = None) -> int:
        """How many images (or videos, with the video token's id) the rows before `row` hold (they are
        batched in row order)."""
        visual = input_ids == (self.image_token_id if token_id is None else token_id)
        return sum(count_runs(visual[r]) for r in range(row))

    def decode(self, token_ids: Any) -> str:
        return self.tokenizer.decode(token_ids, skip_special_tokens=True).strip()
