"""Per-sample answer scores, each the rule lmms-eval 0.7.3 applies to that benchmark (hawk's own code).

The prediction is the decoded answer, stripped (lmms-eval strips every response before scoring).
`references` are the example's answers: the benchmark's target(s) as its prompt builder made them.

* relaxed_accuracy (chartqa `relaxed_correctness`): a float within 5 % of a non-zero float target,
  "x%" read as x/100 on either side; otherwise a case-insensitive exact match. Nothing else is stripped.
* vqa_accuracy (textvqa): the EvalAI answer processor on both sides, then the mean over the ten
  leave-one-out subsets of min(1, matches / 3).
* anls (docvqa): 1 − edit distance of the lower-cased, space-collapsed strings over the longer *raw*
  length, best reference, zeroed below 0.5.
* exact_match (gqa's built-in metric with ignore_case and ignore_punctuation; also synth and local
  data): lower-cased, every ASCII punctuation character deleted, then equal.
* pope: the lower-cased prediction is exactly "yes" or "no" and equals the answer.
* mme_yes_no (mme `parse_pred_ans`): yes / no read from the first four characters, then equal.
* scienceqa (`sqa_process_results`): the letter alone, or "X. …" with an upper-case X.
* realworldqa: letter answers through the shared multiple-choice extractor, others exact after
  dropping a trailing full stop.
* videomme: the multiple-choice extractor, A–D.
* mvbench (`mcq_acc`): "X. …" or the first standalone A–E letter, on both sides.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence

# The VQA evaluation tables (MMF's EvalAI answer processor, as lmms-eval ships it).
_CONTRACTIONS = {
    "aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've", "couldnt": "couldn't",
    "couldn'tve": "couldn't've", "couldnt've": "couldn't've", "didnt": "didn't", "doesnt": "doesn't",
    "dont": "don't", "hadnt": "hadn't", "hadnt've": "hadn't've", "hadn'tve": "hadn't've", "hasnt": "hasn't",
    "havent": "haven't", "hed": "he'd", "hed've": "he'd've", "he'dve": "he'd've", "hes": "he's",
    "howd": "how'd", "howll": "how'll", "hows": "how's", "Id've": "I'd've", "I'dve": "I'd've", "Im": "I'm",
    "Ive": "I've", "isnt": "isn't", "itd": "it'd", "itd've": "it'd've", "it'dve": "it'd've", "itll": "it'll",
    "let's": "let's", "maam": "ma'am", "mightnt": "mightn't", "mightnt've": "mightn't've",
    "mightn'tve": "mightn't've", "mightve": "might've", "mustnt": "mustn't", "mustve": "must've",
    "neednt": "needn't", "notve": "not've", "oclock": "o'clock", "oughtnt": "oughtn't",
    "ow's'at": "'ow's'at", "'ows'at": "'ow's'at", "'ow'sat": "'ow's'at", "shant": "shan't",
    "shed've": "she'd've", "she'dve": "she'd've", "she's": "she's", "shouldve": "should've",
    "shouldnt": "shouldn't", "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've",
    "somebody'd": "somebodyd", "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've",
    "somebodyll": "somebody'll", "somebodys": "somebody's", "someoned": "someone'd",
    "someoned've": "someone'd've", "someone'dve": "someone'd've", "someonell": "someone'll",
    "someones": "someone's", "somethingd": "something'd", "somethingd've": "something'd've",
    "something'dve": "something'd've", "somethingll": "something'll", "thats": "that's", "thered": "there'd",
    "thered've": "there'd've", "there'dve": "there'd've", "therere": "there're", "theres": "there's",
    "theyd": "they'd", "theyd've": "they'd've", "they'dve": "they'd've", "theyll": "they'll",
    "theyre": "they're", "theyve": "they've", "twas": "'twas", "wasnt": "wasn't", "wed've": "we'd've",
    "we'dve": "we'd've", "weve": "we've", "werent": "weren't", "whatll": "what'll", "whatre": "what're",
    "whats": "what's", "whatve": "what've", "whens": "when's", "whered": "where'd", "wheres": "where's",
    "whereve": "where've", "whod": "who'd", "whod've": "who'd've", "who'dve": "who'd've", "wholl": "who'll",
    "whos": "who's", "whove": "who've", "whyll": "why'll", "whyre": "why're", "whys": "why's",
    "wont": "won't", "wouldve": "would've", "wouldnt": "wouldn't", "wouldnt've": "wouldn't've",
    "wouldn'tve": "wouldn't've", "yall": "y'all", "yall'll": "y'all'll", "y'allll": "y'all'll",
    "yall'd've": "y'all'd've", "y'alld've": "y'all'd've", "y'all'dve": "y'all'd've", "youd": "you'd",
    "youd've": "you'd've", "you'dve": "you'd've", "youll": "you'll", "youre": "you're", "youve": "you've",
}  # fmt: skip
_NUMBERS = {
    "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
_ARTICLES = {"a", "an", "the"}
_PUNCT = [";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"]
_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")
_COMMA_STRIP = re.compile(r"(?<=\d)(\,)+(?=\d)")
_MVBENCH_COMMA = re.compile(r"(\d)(\,)(\d)")  # MVBench's copy of the processor has its own digit-comma rule
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


def _process_punctuation(text: str, comma: re.Pattern = _COMMA_STRIP) -> str:
    out = text
    strip_all = comma.search(text) is not None
    for p in _PUNCT:
        # Punctuation next to a space (or any, in text with a digit comma) goes; inside a word it splits.
        out = out.replace(p, "" if p + " " in text or " " + p in text or strip_all else " ")
    # The reference passes re.UNICODE where `sub` takes its count, so at most 32 full stops go.
    return _PERIOD_STRIP.sub("", out, count=re.UNICODE)


def _process_digits_articles(text: str) -> str:
    words = [_NUMBERS.get(w, w) for w in text.lower().split()]
    return " ".join(_CONTRACTIONS.get(w, w) for w in words if w not in _ARTICLES)


def vqa_normalize(answer: str) -> str:
    """The EvalAI answer processor: case, ',' '?' and "'s", whitespace, punctuation, digits, articles."""
    answer = answer.lower().replace(",", "").replace("?", "").replace("'s", " 's").strip()
    answer = answer.replace("\n", " ").replace("\t", " ").strip()
    return _process_digits_articles(_process_punctuation(answer))


def vqa_accuracy(prediction: str, answers: Sequence[str]) -> float:
    pred = vqa_normalize(prediction)
    refs = [vqa_normalize(a) for a in answers]
    if len(refs) == 1:
        # Not a benchmark case (TextVQA has ten answers; leave-one-out of one is always 0): local data.
        return float(pred == refs[0])
    scores = [min(1.0, sum(r == pred for r in refs[:i] + refs[i + 1 :]) / 3) for i in range(len(refs))]
    return sum(scores) / len(scores)


def _relaxed_float(text: str) -> float | None:
    try:
        return float(text.rstrip("%")) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        return None


def relaxed_accuracy(prediction: str, answers: Sequence[str], tolerance: float = 0.05) -> float:
    p = _relaxed_float(prediction)
    for ref in answers:
        r = _relaxed_float(ref)
        # A zero target is compared as text, as the reference does.
        numeric = p is not None and bool(r)
        if (numeric and abs(p - r) / abs(r) <= tolerance) or (not numeric and prediction.lower() == ref.lower()):
            return 1.0
    return 0.0


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def anls(prediction: str, answers: Sequence[str], tau: float = 0.5) -> float:
    pred = " ".join(prediction.strip().lower().split())
    distances = []
    for ref in answers:
        length = max(len(ref.upper()), len(prediction.upper()))  # raw lengths, as the reference divides
        dist = levenshtein(" ".join(ref.strip().lower().split()), pred)
        distances.append(0.0 if length == 0 else dist / length)
    best = 1 - min(distances) if distances else 0.0
    return 0.0 if best < tau else best


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    pred = prediction.lower().translate(_NO_PUNCTUATION)
    return float(any(pred == a.lower().translate(_NO_PUNCTUATION) for a in answers))


def pope(prediction: str, answers: Sequence[str]) -> float:
    return float(prediction.lower().strip() == answers[0].lower().strip())


def yes_no(prediction: str) -> str:
    """MME's reading of an answer (from Otter): "yes", "no" or "other"."""
    p = prediction.lower().strip().replace(".", "")
    if p in ("yes", "no"):
        return p
    if len(p) == 1:
        return {"y": "yes", "n": "no"}.get(p, "other")
    head = p[:4]
    return "yes" if "yes" in head else "no" if "no" in head else "other"


def mme_yes_no(prediction: str, answers: Sequence[str]) -> float:
    return float(yes_no(prediction) == answers[0].lower().strip().replace(".", ""))


def scienceqa(prediction: str, answers: Sequence[str]) -> float:
    target = answers[0].strip().lower()
    pred = prediction.strip()
    if pred.lower() == target:
        return 1.0
    if len(pred) >= 2 and pred[0].isupper() and pred[1] == ".":
        return float(pred[0].lower() == target)
    return 0.0


_ANSWER_PHRASES = (
    "the answer is", "answer is", "the correct answer is", "correct answer is", "the best answer is",
    "best answer is", "the correct option is", "correct option is", "the best option is", "best option is",
    "the choice is", "choice is", "the correct choice is", "correct choice is", "i choose", "i select",
    "i pick", "my answer is", "my choice is", "옵션", "정답은", "답은", "답:", "答案是", "答案为", "选", "答えは",
)  # fmt: skip
# Marker → rank: the higher wins, and among equals the later position in the answer.
_FORM_RANK = {"start": 10, "end": 9, "phrase": 7, "(X)": 6, "X.": 5, "X:": 4, "X)": 3, "X ": 2, "any": 0}


def choice_letter(response: str, choices: Sequence[str] = "ABCDEFGH") -> str:
    """The option letter an answer gives (lmms-eval's shared extractor), or "" when it gives none."""
    if not response or not response.strip():
        return ""
    text = response.strip()
    for ch in ",.!?;:'\"":
        text = text.strip(ch)
    text = f" {text} "
    found: list[tuple[int, int, str]] = []  # (rank, position, letter)
    for form in ("(X)", "X.", "X:", "X)", "X "):
        for letter in choices:
            marker = form.replace("X", letter)
            if marker in text:
                found.append((_FORM_RANK[form], text.rfind(marker), letter))
    lower = text.lower()
    for phrase in _ANSWER_PHRASES:
        at = lower.find(phrase)
        if at != -1:
            for letter in choices:
                pos = text.find(letter, at + len(phrase))
                if pos != -1:
                    found.append((_FORM_RANK["phrase"], pos, letter))
    core = text.strip()
    for letter in choices:
        if core.startswith(letter) and (len(core) == 1 or not core[1].isalpha()):
            found.append((_FORM_RANK["start"], 0, letter))
        if core.endswith(letter) and (len(core) == 1 or not core[-2].isalpha()):
            found.append((_FORM_RANK["end"], len(text) - 1, letter))
    if not found:
        found = [(_FORM_RANK["any"], text.rfind(letter), letter) for letter in choices if letter in text]
    # Python's sort is stable and the reference sorts (rank, position) descending: ties keep list order.
    found.sort(key=lambda f: (f[0], f[1]), reverse=True)
    return found[0][2] if found else ""


def realworldqa(prediction: str, answers: Sequence[str]) -> float:
    target = answers[0].strip()
    if target.upper() in ("A", "B", "C", "D"):
        return float(choice_letter(prediction, "ABCD") == target.upper())
    return float(prediction.lower().strip().rstrip(".") == target.lower())


def videomme(prediction: str, answers: Sequence[str]) -> float:
    return float(choice_letter(prediction, "ABCD").lower() == answers[0].lower())


def _mvbench_reading(answer: str) -> str:
    head = re.match(r"^([A-E])\.\s*(.+)$", answer.strip(), re.IGNORECASE)
    if head:
        return head.group(1).upper()
    text = answer.replace("\n", " ").replace("\t", " ").strip()
    text = _process_punctuation(text, _MVBENCH_COMMA)
    text = text.strip("'").strip('"').strip(")").strip("(").strip().lower()
    letter = re.search(r"\b([A-E])\b", text, re.IGNORECASE)
    return letter.group(1).upper() if letter else text


def mvbench(prediction: str, answers: Sequence[str]) -> float:
    return float(_mvbench_reading(prediction) == _mvbench_reading(answers[0]))


METRICS: dict[str, Callable[[str, Sequence[str]], float]] = {
    "relaxed_accuracy": relaxed_accuracy,
    "vqa_accuracy": vqa_accuracy,
    "anls": anls,
    "exact_match": exact_match,
    "pope": pope,
    "mme_yes_no": mme_yes_no,
    "scienceqa": scienceqa,
    "realworldqa": realworldqa,
    "videomme": videomme,
    "mvbench": mvbench,
}
