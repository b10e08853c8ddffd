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
    assert set(method_names()) == {"hawk", "uniform", "none", "random", "fastv", "vispruner", "divprune", "idsel"}


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
