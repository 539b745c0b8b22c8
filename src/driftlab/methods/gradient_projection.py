"""Gradient projection (PCGrad): remove from the task gradient its component that conflicts with the
gradient of the alignment signal.

After backward, the method computes h, the gradient of the world's ``alignment_loss()``, and for each
parameter tensor (``scope: tensor``, as in PCGrad and selective-generalization work) or for the whole
model at once (``scope: model``) whose task gradient g has a negative inner product with h, replaces g
by ``g - (g.h / |h|^2) h``: the step then no longer worsens the alignment loss to first order. A
gradient that does not conflict is left untouched. Inner products are per replica in toy worlds
(``ctx.replica_sum``). Where the alignment signal passes no gradient (h = 0: the gradient world's
detector when saturated) nothing is projected, which is the fixed metric's blind spot.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..capabilities import AlignmentLoss
from ..registry import METHODS
from .base import Method, ParameterFilterConfig, TrainContext, selected_parameters


class GradientProjectionConfig(ParameterFilterConfig):
    name: Literal["gradient-projection"] = "gradient-projection"
    scope: Literal["tensor", "model"] = Field(
        "tensor", description="tensor: project each parameter tensor on its own (PCGrad); model: the whole "
        "gradient as one vector",
    )


@METHODS.register
class GradientProjection(Method):
    name = "gradient-projection"
    Config = GradientProjectionConfig
    requires = (AlignmentLoss,)

    def setup(self, ctx: TrainContext) -> None:
        self.projected = selected_parameters(ctx, self.config.parameters, self.name)
        self.projected_steps = 0  # steps on which some gradient was projected (per replica in toy worlds)

    def transform_gradients(self, ctx: TrainContext) -> None:
        import torch

        tensors = [p for p in self.projected.values() if p.grad is not None]
        alignment_loss = ctx.provider(AlignmentLoss).alignment_loss
        aligned = torch.autograd.grad(alignment_loss().sum(), tensors, allow_unused=True)
        pairs = [(p.grad, h) for p, h in zip(tensors, aligned) if h is not None]  # None: h = 0 there
        dots = [ctx.replica_sum(g * h) for g, h in pairs]
        norms = [ctx.replica_sum(h * h) for _, h in pairs]
        if self.config.scope == "model":
            dots, norms = [sum(dots)] * len(pairs), [sum(norms)] * len(pairs)
        projected = False
        for (g, h), dot, norm in zip(pairs, dots, norms):
            # A conflict has |h| > 0; where |h|^2 underflows so far that g.h / |h|^2 overflows, h counts as 0
            # (a saturated alignment loss: nothing to protect), instead of filling g with inf.
            coefficient = dot / norm
            conflict = (dot < 0) & coefficient.isfinite()
            g.sub_(ctx.spread(torch.where(conflict, coefficient, 0.0), g) * h)
            projected = projected | conflict
        self.projected_steps = self.projected_steps + projected

    def metrics(self, ctx: TrainContext) -> dict:
        """How often it acted: a count per replica (toy worlds), or one count."""
        steps = self.projected_steps
        if isinstance(steps, int):
            return {"projected_steps": float(steps)}
        return {"projected_steps": steps.item() if steps.dim() == 0 else steps.cpu().numpy().astype(float)}

    def state_dict(self) -> dict:
        return {"projected_steps": self.projected_steps}

    def load_state_dict(self, state: dict) -> None:
        self.projected_steps = state["projected_steps"]
