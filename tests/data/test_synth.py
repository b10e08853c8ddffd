import numpy as np
import pytest

from hawkcli.data import synth
from hawkcli.data.export import export
from hawkcli.data.loaders import load


def test_deterministic_by_seed_and_index():
    a, b = synth.sample("test", 7), synth.sample("test", 7)
    assert (a.question, a.answer, a.id) == (b.question, b.answer, b.id)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    c = synth.sample("test", 7, seed=1)
    assert (c.question, c.objects) != (a.question, a.objects)


def test_splits_are_disjoint():
    def keys(split):
        return {(s.question, tuple((o.shape, o.colour, o.cell) for o in s.objects)) for s in
                (synth.sample(split, i) for i in range(150))}  # fmt: skip

    train, calib, test = keys("train"), keys("calib"), keys("test")
    assert not (train & test) and not (train & calib) and not (calib & test)


def cell_colour(image, obj):
    """Most saturated pixel colour inside the object's box, snapped to the palette."""
    pixels = np.asarray(image)[obj.box[1] : obj.box[3], obj.box[0] : obj.box[2]].reshape(-1, 3).astype(int)
    background = np.array(synth.BACKGROUND)
    far = pixels[np.abs(pixels - background).sum(1) > 60]
    centre = np.median(far, axis=0)
    return min(synth.COLOURS, key=lambda c: np.abs(np.array(synth.COLOURS[c]) - centre).sum())


@pytest.mark.parametrize("index", range(0, 60))
def test_answers_match_the_rendered_pixels(index):
    s = synth.sample("test", index)
    image = s.image
    assert image.size == (synth.IMAGE_SIZE, synth.IMAGE_SIZE)
    seen = [(cell_colour(image, o), o) for o in s.objects]
    for colour, o in seen:
        assert colour == o.colour  # what is drawn is what the object says
    words = s.question.split()
    if s.task == "colour":
        target = next(o for c, o in seen if o.shape in words)
        assert cell_colour(image, target) == s.answer
    elif s.task == "count":
        colour = next(w for w in words if w in synth.COLOURS)
        assert str(sum(c == colour for c, _ in seen)) == s.answer
    elif s.task == "side":
        target = next(o for _, o in seen if o.shape in words)
        centre_x = (target.box[0] + target.box[2]) / 2
        assert s.answer == ("left" if centre_x < synth.IMAGE_SIZE / 2 else "right")
    elif s.task == "shape":
        colour = next(w for w in words if w in synth.COLOURS)
        assert [o.shape for c, o in seen if c == colour] == [s.answer]
    elif s.task == "exists":
        colour = next(w for w in words if w in synth.COLOURS)
        shape = next(w for w in words if w in synth.SHAPES)
        assert s.answer == ("yes" if any(c == colour and o.shape == shape for c, o in seen) else "no")


def test_enough_visual_tokens_and_small_answer_regions():
    s = synth.sample("test", 0)
    tokens = (synth.IMAGE_SIZE // 28) ** 2
    assert tokens >= 144
    assert all(o.size <= synth.CELL for o in s.objects)  # an object fits in one 2×2-merged token


def test_every_task_and_vocabulary_covered():
    tasks = {synth.sample("test", i).task for i in range(10)}
    assert tasks == set(synth.TASKS)
    vocab = set(synth.vocabulary())
    for i in range(50):
        s = synth.sample("train", i)
        assert set(s.question.split()) <= vocab and s.answer in vocab


def test_export_loads_back_identically(tmp_path):
    data = load("synth:test", 6, 0)
    export(data, tmp_path / "out")
    back = load(str(tmp_path / "out"), 6, 0)
    assert [e.id for e in back.examples] == [e.id for e in data.examples]
    assert [e.question for e in back.examples] == [e.question for e in data.examples]
    assert [e.answers for e in back.examples] == [e.answers for e in data.examples]
    assert [e.task for e in back.examples] == [e.task for e in data.examples]
    for a, b in zip(back.examples, data.examples, strict=True):
        assert np.array_equal(np.asarray(a.image), np.asarray(b.image))


@pytest.mark.parametrize("index", range(40))
def test_targets_are_the_objects_the_question_is_about(index):
    s = synth.sample("train", index)
    found = synth.targets(s)
    if s.task in {"colour", "shape", "side"}:
        assert len(found) == 1
    elif s.task == "count":
        assert str(len(found)) == s.answer
    else:
        assert (len(found) > 0) == (s.answer == "yes")


def test_synth_serves_the_rated_mix_and_synth_full_every_task():
    rated, full = load("synth:test", 12, 0), load("synth-full:test", 12, 0)
    assert {e.task for e in rated.examples} == set(synth.DEFAULT_TASKS)
    assert {e.task for e in full.examples} == set(synth.TASKS)
    # Same split and index, different mix → different sample, so ids (the cache keys) must differ too.
    assert not {e.id for e in rated.examples} & {e.id for e in full.examples}
    assert full.spec.name == "synth-full" and full.split == "test"
