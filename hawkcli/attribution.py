"""`hawk profile --estimator attribution`: every head of every layer from one forward + one backward.

Exact ablation needs one decoder pass per (sample, head); this estimator attaches a gate g to each
(sample, layer, head) that mixes the head's output with its output blind to the visual keys
(`models/headgate.py`: g · full + (1 − g) · ablated, so g = 1 is the unablated model and g = 0 the
exact path's ablation at that layer), runs the teacher-forced answer log-likelihood once forward and
once backward per batch, and takes the first-order change when a gate goes 1 -> 0:
ll(g=0) ~ ll(g=1) + (0 - 1) * d ll / d g. This is attribution patching (Nanda 2023; Syed, Rager & Conmy
2023, "Attribution Patching Outperforms Automated Circuit Discovery") with the gate-gradient
head-importance score of Michel, Levy & Neubig (2019, "Are Sixteen Heads Really Better than One?"),
restricted to the visual tokens. The per-sample records have the exact path's form
(`base`, first-order `heads`), so clipping, normalisation, resume and torchrun sharding are shared.
It is an estimate: how far it ranks heads like exact ablation is measured in
`benchmarks/profile_speed.py`.
"""

from __future__ import annotations

from typing import Any

import torch

from hawkcli.data.loaders import Example
from hawkcli.errors import HawkError
from hawkcli.models.calls import convention_for
from hawkcli.models.headgate import GatePlan, gate_plan, headgate_attention
from hawkcli.profiling import (
    HeadEstimator,
    ProfileConfig,
    Scope,
    TeacherForced,
    answer_loglik,
    run_capturing_decoder_inputs,
)


def gate_points(steps: int) -> list[float]:
    """Where the gradient is taken: g = 1 (the tangent) for one step, else the midpoints of [0, 1]
    (a Riemann sum of the path integral from the ablated to the unablated model, all gates together)."""
    return [1.0] if steps <= 1 else [(i + 0.5) / steps for i in range(steps)]


class Attributor(HeadEstimator):
    """Head importance by gate gradients, with the records of the exact path."""

    def __init__(self, loaded: Any, cfg: ProfileConfig, scope: Scope) -> None:
        if cfg.metric != "loglik":
            raise HawkError("--estimator attribution needs --metric loglik (greedy answers have no gradient)")
        super().__init__(loaded, cfg, scope)

    def gradients(self, examples: list[Example]) -> tuple[torch.Tensor, torch.Tensor]:
        """(`base ll [S]`, mean `d ll / d g` over the gate points `[S, layers, H]`), gates on `scope.layers`."""
        batch, device = TeacherForced.build(self.loaded, examples), self.loaded.device
        inputs, ids, target, visual = batch.inputs, batch.ids, batch.target, batch.visual
        shape = (len(examples), len(self.scope.layers), self.heads)
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        for p in trainable:  # gradients are wanted for the gates only: no weight graph, no vision-tower graph
            p.requires_grad_(False)
        try:
            with headgate_attention(self.adapter.text_config()):
                points = gate_points(self.cfg.attribution_steps)
                if points == [1.0]:
                    # One pass: at g = 1 the gated forward is the unablated one, so it also gives the baseline.
                    ll, grad = self._gated(
                        shape, 1.0, visual, lambda: self.adapter.multimodal_model()(**inputs), ids, target
                    )
                    return ll, grad
                replay = self._decoder_replay(inputs)
                with torch.no_grad():
                    base = answer_loglik(replay(), self.model.lm_head, ids, target)  # g = 1 everywhere: no plan
                total = torch.zeros(shape, dtype=torch.float64, device=device)
                for value in points:
                    total += self._gated(shape, value, visual, replay, ids, target)[1]
                return base.double(), total / len(points)
        finally:
            for p in trainable:
                p.requires_grad_(True)

    def _decoder_replay(self, inputs: Any) -> Any:
        """Runs the vision tower once and returns a function that replays the text decoder on its inputs."""
        text_model = self.adapter.text_model()
        with torch.no_grad():
            _, captured = run_capturing_decoder_inputs(self.adapter, inputs)
        rows = torch.arange(inputs["input_ids"].shape[0], device=inputs["input_ids"].device)
        kwargs = self.adapter.replay_rows(captured, convention_for(text_model), rows)
        return lambda: text_model(**kwargs, use_cache=False).last_hidden_state

    def _gated(self, shape: tuple, value: float, visual: Any, forward: Any, ids: Any, target: Any) -> tuple:
        """(ll, d ll / d g) with every gate at `value`."""
        gates = torch.full(shape, value, dtype=torch.float32, device=ids.device, requires_grad=True)
        active = GatePlan({layer: gates[:, i] for i, layer in enumerate(self.scope.layers)}, visual)
        with torch.enable_grad(), gate_plan(active):
            out = forward()
            hidden = out if isinstance(out, torch.Tensor) else out.last_hidden_state
            ll = answer_loglik(hidden, self.model.lm_head, ids, target)
            (grad,) = torch.autograd.grad(ll.sum(), gates)
        return ll.detach().double(), grad.double()

    def chunk(self, examples: list[Example], answer_metric: str) -> list[dict]:
        """`[{"base": ll, "heads": first-order ll with each unit ablated}]`, shaped like the exact path's."""
        base, grad = self.gradients(examples)
        if not self.scope.per_layer:
            grad = grad.sum(1, keepdim=True)  # one unit = a head index in every scoped layer: effects add
        ablated = base[:, None, None] - grad  # ll(g = 0) to first order
        out = []
        for s in range(len(examples)):
            values = ablated[s].reshape(-1).tolist()
            out.append({"base": float(base[s]), "heads": self.scope.shape(values, self.heads)})
        return out
