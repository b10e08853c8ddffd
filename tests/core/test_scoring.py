import math

import pytest
import torch

from hawkcli.core.scoring import hawk_scores, keep_count, select_keep, top_k_sorted


def reference_scores(query, key, weights):
    """DESIGN §2 written as plain loops: per head, mean over text of q·k/√d, L2 over visual, weighted sum."""
    heads, t_len, d = query.shape
    n = key.shape[1]
    w = [float(x) / float(weights.sum()) for x in weights]
    total = [0.0] * n
    for h in range(heads):
        row = []
        for v in range(n):
            s = sum(float(query[h, t] @ key[h, v]) / math.sqrt(d) for t in range(t_len)) / t_len
            row.append(s)
        norm = math.sqrt(sum(x * x for x in row))
        for v in range(n):
            total[v] += w[h] * row[v] / norm
    return torch.tensor(total)


def test_hand_computed_example():
    # One head, head_dim 1: scores are just q·k/1 averaged; L2-normalised.
    q = torch.tensor([[[1.0], [3.0]]])  # mean query = 2
    k = torch.tensor([[[1.0], [-2.0], [0.5]]])
    s = hawk_scores(q, k, torch.tensor([1.0]))
    raw = torch.tensor([2.0, -4.0, 1.0])
    assert torch.allclose(s, raw / raw.norm())
    assert select_keep(s, 0.5).tolist() == [0, 2]


def test_head_weights_select_the_head():
    # Head 0 prefers token 0, head 1 prefers token 2; weights decide.
    q = torch.ones(2, 1, 1)
    k = torch.tensor([[[5.0], [1.0], [0.0]], [[0.0], [1.0], [5.0]]])
    assert select_keep(hawk_scores(q, k, torch.tensor([1.0, 0.0])), 0.3).tolist() == [0]
    assert select_keep(hawk_scores(q, k, torch.tensor([0.0, 1.0])), 0.3).tolist() == [2]
    # weights are normalised: scaling them changes nothing
    a = hawk_scores(q, k, torch.tensor([0.2, 0.6]))
    b = hawk_scores(q, k, torch.tensor([1.0, 3.0]))
    assert torch.allclose(a, b)


def test_matches_reference_loops_with_gqa():
    g = torch.Generator().manual_seed(0)
    kv = torch.randn(2, 30, 8, generator=g)
    key = kv.repeat_interleave(4, dim=0)  # 2 KV heads serving 8 query heads
    query = torch.randn(8, 5, 8, generator=g)
    weights = torch.rand(8, generator=g)
    ours = hawk_scores(query, key, weights)
    ref = reference_scores(query, key, weights)
    assert torch.allclose(ours, ref, atol=1e-5)
    assert select_keep(ours, 0.2).tolist() == select_keep(ref, 0.2).tolist()


@pytest.mark.parametrize("norm", ["softmax", "minmax"])
def test_other_normalisations(norm):
    q = torch.ones(1, 1, 1)
    k = torch.tensor([[[1.0], [2.0], [4.0]]])
    s = hawk_scores(q, k, torch.tensor([1.0]), normalization=norm)
    expected = torch.tensor([1.0, 2.0, 4.0]).softmax(-1) if norm == "softmax" else torch.tensor([0.0, 1 / 3, 1.0])
    assert torch.allclose(s, expected)


def test_unknown_normalisation():
    with pytest.raises(ValueError, match="normalization"):
        hawk_scores(torch.ones(1, 1, 1), torch.ones(1, 2, 1), torch.ones(1), normalization="max")


def test_keep_count_rules():
    assert keep_count(1008, 0.198) == 200
    assert keep_count(1005, 0.2) == 201  # float noise must not add a token
    assert keep_count(10, 0.0001) == 1  # tiny keep still keeps one token
    assert keep_count(10, 1.0) == 10
    assert keep_count(0, 0.5) == 0
    with pytest.raises(ValueError):
        keep_count(10, 0.0)
    with pytest.raises(ValueError):
        keep_count(10, 1.5)


def test_ties_keep_the_earlier_token_and_order_is_original():
    s = torch.tensor([1.0, 3.0, 3.0, 3.0, 0.0])
    assert top_k_sorted(s, 2).tolist() == [1, 2]
    assert select_keep(torch.tensor([0.1, 0.9, 0.5, 0.7]), 0.5).tolist() == [1, 3]


def test_nan_scores_are_zeroed():
    q = torch.tensor([[[float("nan")]]])
    k = torch.ones(1, 3, 1)
    assert torch.equal(hawk_scores(q, k, torch.ones(1)), torch.zeros(3))


def test_scoring_is_importable_without_transformers():
    import subprocess
    import sys

    code = "import sys, hawkcli.core.scoring; assert 'transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
