"""hawk-demo's tokenizer meets a person's phrasing: variants become the trained words, unknown words `<|unk|>`."""

from __future__ import annotations

import pytest

from hawkcli.data import scenes
from hawkcli.demo.checkpoint import build_tokenizer
from hawkcli.demo.phrasing import FILLERS, normalize, normalizer


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("What color is the Triangle?", "what colour is the triangle?"),
        ("How many Circles are there?", "how many circle are there?"),
        ("are there any crosses ?", "are there any cross ?"),
        ("Is there a gray star in the picture?", "is there a grey star in the image?"),
        ("which COLOUR is the diamond", "which colour is the diamond"),
        ("colorful", "colorful"),  # whole words only
    ],
)
def test_variants_normalise_to_trained_words(said, meant):
    assert normalize(said) == meant


def test_punctuation_splits_and_unknown_words_are_unk():
    tok = build_tokenizer(scenes.vocabulary(), normalizer())
    said = tok("What color is the triangle, please?")["input_ids"]
    meant = tok("what colour is the triangle , <|unk|> ?")["input_ids"]
    assert said == meant
    assert tok.convert_tokens_to_ids("<|unk|>") in said
    assert not set(FILLERS) & set(scenes.vocabulary())  # fillers stay unknown: training teaches to skip them


def test_the_shipped_tokenizer_normalises_and_the_model_answers_the_variant():
    from transformers import AutoTokenizer

    import hawkcli
    from hawkcli.data import synth
    from hawkcli.models.loading import demo_path

    tok = AutoTokenizer.from_pretrained(demo_path())
    assert tok("What color is the Cross?")["input_ids"] == tok("what colour is the cross ?")["input_ids"]
    s = synth.sample("test", 0, tasks=synth.DATASETS["synth"])
    session = hawkcli.load("hawk-demo", method="none", keep=1.0)
    said, meant = session.generate([hawkcli.Prompt("What color is the Cross?", images=[s.image]),
                                    hawkcli.Prompt(s.question, images=[s.image])])  # fmt: skip
    assert said.text == meant.text == s.answer == "yellow"
