"""How hawk-demo's tokenizer meets a person's phrasing: case, punctuation, spelling and plural variants
are normalised to the words the model was trained on; anything else becomes `<|unk|>`, which training
teaches the model to look past (filler words are inserted into training questions as unknown words).

The word-level tokenizer lower-cases, maps the variants below with whole-word regex replacements (🤗
tokenizers `normalizers.Replace`, applied after `Lowercase`), and splits on whitespace and punctuation,
so "Triangle?" is "triangle" "?".
"""

from __future__ import annotations

from typing import Any

from hawkcli.data import scenes

# variant → the trained word (whole words, after lower-casing)
VARIANTS: dict[str, str] = {
    "color": "colour", "colors": "colour", "colours": "colour", "coloured": "colour", "colored": "colour",
    "gray": "grey", "picture": "image", "photo": "image", "pic": "image", "photograph": "image",
    **{plural: shape for shape, plural in scenes.PLURALS.items()},
}  # fmt: skip

# Words a person adds that carry nothing for these questions; inserted into training questions so the
# model learns that an unknown word (`<|unk|>`) changes nothing. Never in the vocabulary.
FILLERS = ("please", "hey", "exactly", "here", "now", "actually", "just", "really", "quickly", "this", "kindly")


def normalizer() -> Any:
    from tokenizers import Regex, normalizers

    rules = [normalizers.Replace(Regex(rf"\b{variant}\b"), word) for variant, word in VARIANTS.items()]
    return normalizers.Sequence([normalizers.Lowercase(), *rules])


def normalize(text: str) -> str:
    """What the tokenizer's normaliser makes of `text` (for tests and explanations)."""
    return normalizer().normalize_str(text)
