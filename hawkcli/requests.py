"""What the library is asked: a prompt (text with its images and videos) and how to generate an answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hawkcli.errors import InputError


@dataclass
class Prompt:
    """One question with its visuals, shown images first, then videos, then the text.

    images: PIL images or image file paths. videos: clip files or frame folders (sampled as the model's
    family samples them, or as the session's `fps` / `frames` say), `hawkcli.video.Video`s, or lists of
    PIL frames (taken as they are, one frame per second unless `fps` is given)."""

    text: str
    images: list[Any] = field(default_factory=list)
    videos: list[Any] = field(default_factory=list)

    @classmethod
    def from_messages(cls, messages: list[dict[str, Any]]) -> Prompt:
        """A prompt from one chat-style user turn: `[{"role": "user", "content": [{"type": "image",
        "image": PIL or path}, {"type": "video", "video": path or frames}, {"type": "text", "text": "…"}]}]`
        (`url` is read where `image` / `video` is missing; a plain string content is the text)."""
        users = [m for m in messages if m.get("role") == "user"]
        others = {m.get("role") for m in messages} - {"user"}
        if len(users) != 1 or others:
            raise InputError("a prompt is one user message (system and assistant turns are not supported)")
        content = users[0].get("content")
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
        prompt = cls("")
        texts = []
        for part in parts:
            kind = part.get("type")
            if kind == "text":
                texts.append(str(part.get("text", "")))
            elif kind in ("image", "video"):
                value = part.get(kind, part.get("url"))
                if value is None:
                    raise InputError(f"a {kind} part needs a {kind!r} (or 'url') value")
                (prompt.images if kind == "image" else prompt.videos).append(value)
            else:
                raise InputError(f"unsupported message part type {kind!r} (use text, image or video)")
        prompt.text = "\n".join(texts)
        return prompt


def as_prompt(value: Prompt | list[dict[str, Any]]) -> Prompt:
    return value if isinstance(value, Prompt) else Prompt.from_messages(value)


@dataclass
class GenerationConfig:
    """Decoding settings. `temperature` 0 decodes greedily; `until` cuts an answer before the first of
    these strings (generation itself still stops at the end-of-turn token or `max_new_tokens`)."""

    max_new_tokens: int = 128
    temperature: float = 0.0
    top_p: float | None = None
    num_beams: int = 1
    do_sample: bool | None = None  # None: sample exactly when temperature > 0
    until: tuple[str, ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise InputError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")
        if self.num_beams < 1:
            raise InputError(f"num_beams must be at least 1, got {self.num_beams}")
        if self.temperature < 0:
            raise InputError(f"temperature must be >= 0, got {self.temperature}")
        if isinstance(self.until, str):
            self.until = (self.until,)
        self.until = tuple(u for u in self.until if u)

    @property
    def sampling(self) -> bool:
        return self.temperature > 0 if self.do_sample is None else bool(self.do_sample)

    def generate_kwargs(self, pad_token_id: int | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "pad_token_id": pad_token_id,
            "num_beams": self.num_beams,
        }
        if self.sampling:
            kwargs.update(do_sample=True, temperature=self.temperature or 1.0, top_p=self.top_p)
        else:
            # Checkpoints ship sampling defaults in generation_config.json; greedy must not inherit them.
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        return kwargs

    def cut(self, text: str) -> str:
        for stop in self.until:
            text = text.split(stop)[0]
        return text.strip()
