import torch

from hawkcli.core.ablation import causal_allowed, headmask, to_additive


def test_causal_allowed_with_offset():
    m = causal_allowed(1, 2, 4)[0, 0]
    assert m.tolist() == [[True, True, True, False], [True, True, True, True]]


def test_headmask_hides_visual_keys_of_ablated_heads_only():
    allowed = causal_allowed(1, 4, 4)
    visual = torch.tensor([[False, True, True, False]])
    ablate = torch.tensor([[True, False]])
    m = headmask(allowed, ablate, visual)
    assert m.shape == (1, 2, 4, 4)
    assert torch.equal(m[0, 1], allowed[0, 0])  # untouched head
    # ablated head: text query 3 sees keys 0 and 3 only; visual query 2 still sees itself
    assert m[0, 0, 3].tolist() == [True, False, False, True]
    assert m[0, 0, 2].tolist() == [True, False, True, False]


def test_decode_keys_beyond_prompt_are_never_visual():
    allowed = causal_allowed(1, 1, 5)
    m = headmask(allowed, torch.tensor([[True]]), torch.tensor([[False, True, False]]))
    assert m[0, 0, 0].tolist() == [True, False, True, True, True]


def test_additive_form():
    add = to_additive(torch.tensor([True, False]), torch.float32)
    assert add[0] == 0 and add[1] == torch.finfo(torch.float32).min
