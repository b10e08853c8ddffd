"""EVS dissimilarity, VidCom2 uniqueness and the exact budget split, on cases small enough to check by hand."""

from __future__ import annotations

import math

import pytest
import torch

from hawkcli.core.temporal import apportion, evs_dissimilarity, vidcom2_frame_shares, vidcom2_uniqueness


def test_evs_scores_change_since_the_previous_step():
    steps = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [2.0, 0.0]]])
    # step 1: token 0 unchanged (0), token 1 turned 90° (1); step 2: token 0 turned (1), token 1 same direction (0)
    assert evs_dissimilarity(steps).tolist() == [[255.0, 255.0], [0.0, 1.0], [1.0, 0.0]]
    assert evs_dissimilarity(steps[:1]).tolist() == [[255.0, 255.0]]


def kernel(x, c):
    d2 = sum((a - b) ** 2 for a, b in zip(x, c, strict=True))
    return sum(math.exp(-d2 / (2 * a)) for a in (1 / 8, 1 / 4, 1 / 2, 1, 2))


def test_vidcom2_uniqueness_follows_its_definition():
    g = torch.Generator().manual_seed(0)
    steps = torch.randn(3, 4, 6, generator=g)
    frame_score, similarity = vidcom2_uniqueness(steps)
    # By the definition, one token at a time: lowest-variance half of the channels, unit tokens.
    flat = steps.reshape(12, 6)
    var = [float(flat[:, c].var(unbiased=False)) for c in range(6)]
    keep = sorted(sorted(range(6), key=lambda c: var[c])[:3])
    unit = [[v / math.sqrt(sum(w * w for w in tok)) for v in tok] for tok in flat[:, keep].tolist()]
    video_mean = [sum(t[c] for t in unit) / 12 for c in range(3)]
    for t in range(3):
        frame = unit[4 * t : 4 * t + 4]
        frame_mean = [sum(tok[c] for tok in frame) / 4 for c in range(3)]
        v = [kernel(tok, video_mean) for tok in frame]
        assert frame_score[t].item() == pytest.approx(-sum(v) / 4, rel=1e-5)
        for p, tok in enumerate(frame):
            assert similarity[t, p].item() == pytest.approx(v[p] + kernel(tok, frame_mean), rel=1e-5)


def test_vidcom2_gives_the_odd_frame_out_the_larger_share():
    shares = vidcom2_frame_shares(torch.tensor([-3.0, -3.0, -1.0]), base=0.25)
    # softmax(s/0.01) puts all mass on step 2: 0.25·(1 + 1 − 1/3) capped at 1, the others 0.25·(1 − 1/3)
    torch.testing.assert_close(shares, torch.tensor([0.25 * 2 / 3, 0.25 * 2 / 3, 0.25 * 5 / 3]))


@pytest.mark.parametrize(
    ("weights", "total", "caps", "expected"),
    [
        ([1.0, 1.0, 1.0], 7, [5, 5, 5], [3, 2, 2]),  # ties: the earlier part takes the remainder
        ([8.0, 1.0, 1.0], 9, [4, 9, 9], [4, 3, 2]),  # the capped part's excess goes to the others
        ([0.0, 0.0], 3, [2, 2], [2, 1]),
        ([2.5, 0.5], 3, [3, 3], [3, 0]),
    ],
)
def test_apportion_sums_exactly_within_caps(weights, total, caps, expected):
    got = apportion(weights, total, caps)
    assert got == expected and sum(got) == total and all(g <= c for g, c in zip(got, caps, strict=True))
