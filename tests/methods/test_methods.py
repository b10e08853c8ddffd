import pytest
import torch

from hawkcli.errors import HawkError
from hawkcli.methods.base import SelectionContext
from hawkcli.methods.registry import create, method_names


class FakeAdapter:
    """Layer-0 Q/K are the embeddings themselves: enough to test the selection logic in isolation."""

    def layer0_qk(self, embeds):
        x = embeds[None]
        return x, x


def ctx(n=10, seed=0):
    g = torch.Generator().manual_seed(3)
    embeds = torch.randn(n + 3, 4, generator=g)
    ids = torch.arange(n + 3)
    return SelectionContext(FakeAdapter(), embeds, ids, torch.arange(n), torch.tensor([n, n + 1]), seed=seed)


def test_registry_lists_builtin_methods():
    assert {"hawk", "uniform", "none", "random"} <= set(method_names())


@pytest.mark.parametrize("name", ["uniform", "random", "hawk"])
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
