"""Answer metrics of the common VQA benchmarks, from their published definitions.

* relaxed accuracy (ChartQA): numeric answers within 5 % relative error count; others exact match.
* VQA accuracy (VQAv2 / TextVQA): the official answer normaliser; an answer scores
  min(1, matches / 3) against each 9-of-10 subset of the human answers, averaged.
* ANLS (DocVQA): 1 − normalised Levenshtein distance, zeroed below τ = 0.5, best over references.
* exact match (GQA, synth): after lower-casing, trimming and dropping a trailing full stop.
* option letter (multiple choice): the first standalone option letter in the prediction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_CONTRACTIONS = {
    "aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've", "couldnt": "couldn't",
    "didnt": "didn't", "doesnt": "doesn't", "dont": "don't", "hadnt": "hadn't", "hasnt": "hasn't",
    "havent": "haven't", "hed": "he'd", "hes": "he's", "howd": "how'd", "howll": "how'll", "hows": "how's",
    "Im": "I'm", "Ive": "I've", "isnt": "isn't", "itd": "it'd", "itll": "it'll", "lets": "let's",
    "shouldnt": "shouldn't", "thats": "that's", "theres": "there's", "theyre": "they're", "theyve": "they've",
    "wasnt": "wasn't", "werent": "weren't", "whats": "what's", "wheres": "where's", "whos": "who's",
    "wont": "won't", "wouldnt": "wouldn't", "youre": "you're", "youve": "you've",
}  # fmt: skip
_NUMBERS = {
    "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
_ARTICLES = {"a", "an", "the"}
_PUNCT = [";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"]
_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")
_COMMA_STRIP = re.compile(r"(\d)(,)(\d)")


def _process_punctuation(text: str) -> str:
    out = text
    for p in _PUNCT:
        if (p + " " in text or " " + p in text) or re.search(_COMMA_STRIP, text) is not None:
            out = out.replace(p, "")
        else:
            out = out.replace(p, " ")
    return _PERIOD_STRIP.sub("", out)


def _process_digits_articles(text: str) -> str:
    words = []
    for word in text.lower().split():
        word = _NUMBERS.get(word, word)
        if word not in _ARTICLES:
            words.append(_CONTRACTIONS.get(word, word))
    return " ".join(words)


def vqa_normalize(answer: str) -> str:
    """The VQA evaluation normaliser (punctuation, digits, articles, contractions)."""
    answer = answer.replace("\n", " ").replace("\t", " ").strip()
    return _process_digits_articles(_process_punctuation(answer))


def vqa_accuracy(prediction: str, answers: Sequence[str]) -> float:
    pred = vqa_normalize(prediction)
    refs = [vqa_normalize(a) for a in answers]
    if len(refs) == 1:
        return float(pred == refs[0])
    scores = []
    for i in range(len(refs)):
        others = refs[:i] + refs[i + 1 :]
        scores.append(min(1.0, sum(r == pred for r in others) / 3))
    return sum(scores) / len(scores)


def _to_float(text: str) -> float | None:
    text = text.strip().rstrip("%").replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def relaxed_accuracy(prediction: str, answers: Sequence[str], tolerance: float = 0.05) -> float:
    pred = prediction.strip().rstrip(".")
    for ref in answers:
        p, r = _to_float(pred), _to_float(ref)
        if p is not None and r is not None:
            ok = abs(p - r) <= tolerance * abs(r) if r != 0 else p == r
        else:
            ok = pred.lower() == ref.strip().lower()
        if ok:
            return 1.0
    return 0.0


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def anls(prediction: str, answers: Sequence[str], tau: float = 0.5) -> float:
    pred = " ".join(prediction.strip().lower().split())
    best = 0.0
    for ref in answers:
        r = " ".join(ref.strip().lower().split())
        dist = _levenshtein(pred, r) / max(len(pred), len(r), 1)
        best = max(best, 1 - dist if dist < tau else 0.0)
    return best


def _clean(text: str) -> str:
    return text.strip().lower().rstrip(".").strip()


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    return float(any(_clean(prediction) == _clean(a) for a in answers))


def option_letter(prediction: str, answers: Sequence[str]) -> float:
    match = re.search(r"\b([A-Ha-h])\b", prediction.strip())
    letter = match.group(1).upper() if match else ""
    return float(any(letter == a.strip().upper()[:1] for a in answers))


METRICS: dict[str, Callable[[str, Sequence[str]], float]] = {
    "relaxed_accuracy": relaxed_accuracy,
    "vqa_accuracy": vqa_accuracy,
    "anls": anls,
    "exact_match": exact_match,
    "option_letter": option_letter,
}
