"""`scenes`: free pictures of any size, questions whose answers follow from the objects drawn."""

from __future__ import annotations

import pytest

from hawkcli.data import scenes, synth


def _all(split, n=120):
    return [scenes.sample(split, i) for i in range(n)]


def test_samples_are_pure_functions_of_split_seed_and_index():
    a, b = scenes.sample("train", 5), scenes.sample("train", 5)
    assert (a.id, a.question, a.answer, a.size) == (b.id, b.question, b.answer, b.size)
    assert a.image.tobytes() == b.image.tobytes()
    assert scenes.sample("train", 5, seed=1).id != a.id and scenes.sample("test", 5).id != a.id


@pytest.mark.parametrize("split", ["train", "user", "hard"])
def test_objects_fit_do_not_overlap_and_answers_follow_from_them(split):
    for s in _all(split):
        w, h = s.size
        boxes = [o.box for o in s.objects]
        assert all(0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h for x0, y0, x1, y1 in boxes)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (s.id, a, b)
        referents = [s.objects[i] for i in s.referents]
        if s.task == "colour":
            (o,) = referents
            assert s.answer == o.colour and [p.shape for p in s.objects].count(o.shape) == 1
        elif s.task == "shape":
            (o,) = referents
            assert s.answer == o.shape and [p.colour for p in s.objects].count(o.colour) == 1
        elif s.task == "count":
            assert s.answer == str(len(referents))
        else:
            assert s.answer == ("yes" if referents else "no")
        if s.grey:
            assert s.task != "colour" and "{colour}" not in s.question


def test_the_user_set_is_held_out():
    train = _all("train", 300)
    user = _all("user", 300)
    train_aspects = {round(max(s.size) / min(s.size), 1) for s in train}
    low, high = min(max(s.size) for s in train), max(max(s.size) for s in train)
    for s in user:  # an aspect ratio no training picture has, or a size outside the training range
        assert round(max(s.size) / min(s.size), 1) not in train_aspects or not low <= max(s.size) <= high, s.size
    assert not {s.background for s in user} - {"white"} & {s.background for s in train}
    train_templates = {t for ts in scenes.TEMPLATES["train"].values() for t in ts}
    assert not train_templates & {t for ts in scenes.TEMPLATES["user"].values() for t in ts}
    assert min(min(s.size) for s in user) == 40 and max(max(s.size) for s in user) >= 1024


def test_hard_scenes_are_cluttered_with_distractors():
    hard = _all("hard", 60)
    assert min(len(s.objects) for s in hard) >= 10
    shared = sum(len({o.colour for o in s.objects}) < len(s.objects) for s in hard)
    assert shared == len(hard)


def test_object_tokens_cover_the_box_on_any_grid():
    # a grid picture's object lies in its cell's token, as the 12 × 12 synth layout has it
    s = synth.sample("test", 3, tasks=synth.DATASETS["synth"])
    for o in s.objects:
        assert scenes.object_tokens(o.box, (336, 336), 12, 12) == [o.cell[0] * 12 + o.cell[1]]
    # a banner: 5 × 27 tokens; a box over the right third covers only right-hand columns
    assert scenes.token_grid((1024, 200)) == (5, 27)
    tokens = scenes.object_tokens((700, 0, 1024, 200), (1024, 200), 5, 27)
    assert {t % 27 for t in tokens} == set(range(18, 27)) and len(tokens) == 5 * 9  # centres from 0.685 on
    # smaller than a token: the token under its centre
    assert scenes.object_tokens((10, 10, 14, 14), (336, 336), 12, 12) == [0]
