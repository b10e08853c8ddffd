import pytest
import torch

from hawkcli.errors import HawkError
from hawkcli.methods.base import SelectionContext
from hawkcli.methods.registry import create, method_names


class FakeAdapter:
    """Layer-0 Q/K are the embeddings themselves: enough to test the selection logic in isolation."""

    def layer0_qk(self, query_embeds, key_embeds):
        return query_embeds[None], key_embeds[None]


def ctx(n=10, seed=0):
    g = torch.Generator().manual_seed(3)
    embeds = torch.randn(n + 3, 4, generator=g)
    ids = torch.arange(n + 3)
    return SelectionContext(FakeAdapter(), embeds, ids, torch.arange(n), torch.tensor([n, n + 1]), seed=seed)


def test_registry_lists_builtin_methods():
    assert set(method_names()) == {
        "hawk", "uniform", "none", "random", "fastv", "vispruner", "divprune", "idsel", "dart", "cdpruner", "evs",
        "vidcom2"
    }  # fmt: skip


@pytest.mark.parametrize("name", ["uniform", "random", "hawk", "divprune"])
@pytest.mark.parametrize("k", [1, 3, 10])
def test_exact_count_sorted_and_deterministic(name, k):
    m = create(name, head_weights=torch.ones(1) if name == "hawk" else None)
    a = m.select(ctx(), k)
    assert a.numel() == k and a.tolist() == sorted(set(a.tolist()))
    assert torch.equal(a, m.select(ctx(), k))


def test_random_depends_on_seed():
    m = create("random")
    picks = {tuple(m.select(ctx(seed=s), 3).tolist()) for s in range(5)}
    assert len(picks) > 1


def test_none_keeps_everything():
    assert create("none").select(ctx(), 2).tolist() == list(range(10))


def test_uniform_picks_tokens_aligned_with_the_query():
    c = ctx()
    c.embeds[c.query_pos] = torch.tensor([1.0, 0, 0, 0])
    c.embeds[4] = torch.tensor([9.0, 0, 0, 0])
    assert create("uniform").select(c, 1).tolist() == [4]


def test_unknown_option_and_bad_value():
    with pytest.raises(HawkError, match="no option"):
        create("uniform", gamma=3)
    with pytest.raises(HawkError, match="normalization"):
        create("hawk", normalization="max")


def test_divprune_picks_the_most_isolated_then_farthest():
    from hawkcli.methods.divprune import max_min_diverse

    f = torch.tensor([[1.0, 0.0], [1.0, 0.01], [0.0, 1.0], [-1.0, 0.0]])
    assert max_min_diverse(f, 3).tolist() == [0, 2, 3]
    assert max_min_diverse(f, 1).tolist() == [3]


def test_vispruner_keeps_important_then_one_of_each_duplicate_pair():
    from hawkcli.methods.vispruner import VisPruner

    c = ctx(n=6)
    c.embeds[:6] = torch.tensor(
        [[1.0, 0, 0, 0], [1.0, 0.001, 0, 0], [0, 1.0, 0, 0], [0, 1.0, 0.001, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]]
    )
    c.saliency = torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0, 2.0])
    assert create("vispruner").select(c, 4).tolist() == [1, 3, 4, 5]
    assert VisPruner.Options().important_ratio == 0.5
    assert create("vispruner", important_ratio=1.0).select(c, 2).tolist() == [4, 5]


def test_idsel_suppresses_near_duplicates():
    from hawkcli.methods.idsel import suppressive_selection

    features = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert suppressive_selection(torch.tensor([1.0, 0.99, 0.5]), features, 2, gamma=20).tolist() == [0, 2]
    # without similarity the plain top-2 would have been [0, 1]
    spread = torch.eye(3)
    assert suppressive_selection(torch.tensor([1.0, 0.99, 0.5]), spread, 2, gamma=20).tolist() == [0, 1]


def test_idsel_combines_saliency_and_relevance():
    c = ctx(n=5)
    c.embeds[:5] = torch.eye(4)[[0, 1, 2, 3, 0]] * 0.01  # nearly no text relevance signal
    c.saliency = torch.tensor([0.0, 0.0, 5.0, 0.0, 0.0])
    assert 2 in create("idsel").select(c, 1).tolist()


def test_fastv_needs_the_decoder_attention():
    with pytest.raises(HawkError, match="decoder"):
        create("fastv").select(ctx(), 2)
    with pytest.raises(HawkError, match="layer"):
        create("fastv", layer=0)


def _reference_case(n, seed):
    """Inputs of the hand-traced cases: saliency ranks tokens 0..n-1, features seeded (float64)."""
    g = torch.Generator().manual_seed(seed)
    return torch.linspace(1.0, 0.1, n, dtype=torch.float64), torch.randn(n, 3, generator=g, dtype=torch.float64)


def _vispruner(saliency, features, k, ratio):
    from hawkcli.methods.vispruner import VisPruner

    n = saliency.numel()
    c = SelectionContext(None, features.float(), torch.arange(n), torch.arange(n), torch.tensor([], dtype=torch.long))
    c.saliency = saliency
    return VisPruner(VisPruner.make_options({"important_ratio": ratio})).select(c, k).tolist()


@pytest.mark.parametrize(
    ("n", "seed", "k", "ratio", "kept"),
    [
        # Kept sets of the authors' loop (Theia-4869/VisPruner llava_arch.py L148-183), traced round by round:
        # ex1: 24 -> 16 -> 8 residual tokens in two rounds
        (32, 1, 16, 0.5, [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 14, 15, 19, 23, 27, 31]),
        # ex2: three rounds, the last dropping 2 (R=8, budget 6); A survivors re-ordered by score
        (30, 2, 12, 0.5, [0, 1, 2, 3, 4, 5, 13, 16, 18, 21, 25, 29]),
        # ex3: round 2 drops 5 of A=[8,5,9,13,17,21] and keeps 17 ahead of B
        (24, 3, 11, 0.37, [0, 1, 2, 3, 6, 7, 11, 15, 17, 19, 23]),
    ],
)
def test_vispruner_equals_the_reference_loop(n, seed, k, ratio, kept):
    saliency, features = _reference_case(n, seed)
    assert _vispruner(saliency, features, k, ratio) == kept


def test_vispruner_keeps_exactly_k_where_the_reference_indexing_fails():
    saliency, features = _reference_case(20, 4)
    # odd residual (17) with R//2 - r = 2: the reference raises IndexError; r > len(A): it overflows
    for k, ratio in ((14, 0.25), (14, 0.5), (6, 0.34), (4, 0.0)):
        assert len(_vispruner(saliency, features, k, ratio)) == k
    assert _vispruner(saliency, features, 4, 1.0) == [0, 1, 2, 3]  # no diverse budget: the top-4 by saliency


def test_greedy_map_skips_duplicates_and_weighs_quality_against_diversity():
    import math

    from hawkcli.core.dpp import conditional_kernel, greedy_map

    e1, e2, e3 = torch.eye(3)
    dup = torch.stack([e1, e1, e2, e3])
    # the duplicate adds no volume once its twin is in: d^2 = 0
    assert greedy_map(conditional_kernel(dup, torch.ones(4)), 3, torch.zeros(4)).tolist() == [0, 2, 3]
    # a=(1,0), b at 10 degrees, c=(0,1): after a, gain(b) = 0.9^2 sin^2(10°) = 0.0244 vs gain(c) = q_c^2
    a, b, c = (
        torch.tensor([1.0, 0]),
        torch.tensor([math.cos(math.radians(10)), math.sin(math.radians(10))]),
        e1[:2].flip(0),
    )
    feats = torch.stack([a, b, c])
    assert greedy_map(conditional_kernel(feats, torch.tensor([1.0, 0.9, 0.3])), 2, torch.zeros(3)).tolist() == [0, 2]
    assert greedy_map(conditional_kernel(feats, torch.tensor([1.0, 0.9, 0.1])), 2, torch.zeros(3)).tolist() == [0, 1]
    # rank spent (two distinct directions, k=4): the rest come by fallback order, never twice
    twins = torch.stack([e1, e1, e2, e2])
    assert sorted(greedy_map(conditional_kernel(twins, torch.ones(4)), 4, torch.tensor([0.0, 1, 2, 3])).tolist()) == [
        0,
        1,
        2,
        3,
    ]


def test_cdpruner_prefers_relevant_tokens_among_equally_diverse_ones():
    e = torch.eye(4)
    embeds = torch.cat([e, e[:1] * 5])  # 4 orthogonal visual tokens, then one query token along e0
    c = SelectionContext(None, embeds, torch.arange(5), torch.arange(4), torch.tensor([4]))
    assert create("cdpruner").select(c, 1).tolist() == [0]  # same volume, highest relevance
    assert create("cdpruner", negate=True).select(c, 1).tolist() == [1]  # the authors' sign: least similar
    assert create("cdpruner", theta=0.0).select(c, 4).tolist() == [0, 1, 2, 3]
    with pytest.raises(HawkError, match="theta"):
        create("cdpruner", theta=1.0)


def _angles(degrees, scale=None):
    import math

    rows = torch.tensor([[math.cos(math.radians(d)), math.sin(math.radians(d))] for d in degrees])
    return rows * (torch.tensor(scale)[:, None] if scale is not None else 1)


def test_dart_keeps_the_pivot_and_the_tokens_least_like_it():
    from hawkcli.methods.dart import DartOptions, least_duplicated

    # token 0 has the largest norm (the pivot); cosines to it: 1, .996, -.087, -1, .707, -.707, .087, .982
    feats = _angles([0, 5, 95, 180, 45, 135, 85, 11], [3, 1, 1, 1, 1, 1, 1, 1])
    norms = feats.abs().sum(-1)
    visual, no_text = torch.arange(8), torch.tensor([], dtype=torch.long)
    kept = least_duplicated(feats, norms, visual, no_text, 4, DartOptions(layer=0, pivots=1, text_pivots=0))
    assert kept.tolist() == [0, 2, 3, 5]


def test_dart_splits_the_budget_over_pivots_and_keeps_exactly_k():
    from hawkcli.methods.dart import DartOptions, least_duplicated

    g = torch.Generator().manual_seed(0)
    feats = torch.randn(30, 8, generator=g)
    norms = feats.abs().sum(-1)
    visual, text = torch.arange(24), torch.arange(24, 30)
    for k in (1, 4, 5, 9, 24):
        kept = least_duplicated(feats, norms, visual, text, k, DartOptions(layer=0, pivots=4, text_pivots=2))
        assert kept.numel() == k and kept.tolist() == sorted(set(kept.tolist()))
        pivots = torch.sort(norms[:24], descending=True, stable=True).indices[: min(4, k)]
        assert set(pivots.tolist()) <= set(kept.tolist())
    # a text pivot steers the choice: with it, the tokens least like the text token are preferred
    alone = least_duplicated(feats, norms, visual, text, 6, DartOptions(layer=0, pivots=1, text_pivots=0))
    steered = least_duplicated(feats, norms, visual, text, 6, DartOptions(layer=0, pivots=1, text_pivots=3))
    assert alone.tolist() != steered.tolist()
