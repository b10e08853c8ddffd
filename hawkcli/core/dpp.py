"""Determinantal point processes: the conditional kernel and fast greedy MAP inference (pure tensor maths).

Greedy MAP after Chen, Zhang & Zhou, "Fast Greedy MAP Inference for Determinantal Point Process to
Improve Recommendation Diversity" (NeurIPS 2018), Algorithm 1: an incremental Cholesky factor gives
every candidate's marginal gain d_i^2 = L_ii - ||c_i||^2; pick the largest, update all in O(N k).
"""

from __future__ import annotations

import torch


def conditional_kernel(features: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """`L = diag(q) S diag(q)` with S the cosine similarity of the rows of `features`."""
    unit = torch.nn.functional.normalize(features.double(), dim=-1)
    q = quality.double()
    return q[:, None] * (unit @ unit.T) * q[None, :]


def greedy_map(kernel: torch.Tensor, k: int, fallback: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """`k` indices, in pick order, approximately maximising det(L_S).

    Once no candidate adds volume (d_i^2 <= eps: the kernel's rank is spent, e.g. exact duplicates),
    the rest are taken in descending `fallback` order — where the authors' loop would divide 0/0 and
    could pick an index twice.
    """
    n = kernel.shape[0]
    k = min(k, n)
    cholesky = torch.zeros(k, n, dtype=kernel.dtype, device=kernel.device)
    gain = kernel.diagonal().clone()
    chosen: list[int] = []
    taken = torch.zeros(n, dtype=torch.bool, device=kernel.device)
    for i in range(k):
        j = int(torch.where(taken, torch.full_like(gain, -torch.inf), gain).argmax())  # ties -> lowest index
        if gain[j] <= eps:
            rest = torch.sort(fallback.masked_fill(taken, -torch.inf), descending=True, stable=True).indices
            chosen += rest[: k - i].tolist()
            break
        e = (kernel[j] - cholesky[:i, j] @ cholesky[:i]) / gain[j].sqrt()
        cholesky[i] = e
        gain = gain - e**2
        chosen.append(j)
        taken[j] = True
    return torch.tensor(chosen, dtype=torch.long, device=kernel.device)
