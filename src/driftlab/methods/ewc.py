"""Elastic weight consolidation: an L2 pull to the start, weighted by how much each parameter matters
to alignment, ``weight / 2 * sum_i F_i (theta_i - theta_0,i)^2``.

``F`` is the diagonal (empirical) Fisher information of the world's alignment signal, estimated once
before training: the mean over ``samples`` draws of the squared gradient of the world's ``alignment_loss()``. A
parameter the alignment signal does not depend on (capability, in the gradient world) gets F = 0 and is
left free. The estimate is only as good as the signal: where the signal passes no gradient (the
gradient world's detector when saturated) it sees nothing to protect. Per replica in toy worlds.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..capabilities import AlignmentLoss
from ..registry import METHODS
from .base import Method, ParameterFilterConfig, TrainContext, selected_parameters


class EwcConfig(ParameterFilterConfig):
    name: Literal["ewc"] = "ewc"
    weight: float = Field(gt=0, description="strength of the Fisher-weighted pull back to the start")
    samples: int = Field(100, gt=0, description="draws of the alignment loss averaged into the Fisher estimate")


def diagonal_fisher(ctx: TrainContext, parameters: dict, samples: int) -> dict:
    """Mean squared gradient of ``alignment_loss()`` over ``samples`` draws, per parameter entry.

    The loss is summed before differentiating: per replica the replicas are independent, so each gets
    its own gradient; a single model's loss is already one number.
    """
    import torch

    alignment_loss = ctx.provider(AlignmentLoss).alignment_loss
    tensors = list(parameters.values())
    fisher = [torch.zeros_like(p) for p in tensors]
    for _ in range(samples):
        grads = torch.autograd.grad(alignment_loss().sum(), tensors, allow_unused=True)
        for total, grad in zip(fisher, grads):
            if grad is not None:
                total.add_(grad.detach() ** 2, alpha=1 / samples)
    return dict(zip(parameters, fisher))


@METHODS.register
class Ewc(Method):
    name = "ewc"
    Config = EwcConfig
    requires = (AlignmentLoss,)

    def setup(self, ctx: TrainContext) -> None:
        self.anchored = selected_parameters(ctx, self.config.parameters, self.name)
        self.initial = {name: p.detach().clone() for name, p in self.anchored.items()}
        self.fisher = diagonal_fisher(ctx, self.anchored, self.config.samples)

    def extra_loss(self, ctx: TrainContext):
        weighted = sum(ctx.replica_sum(self.fisher[name] * (p - self.initial[name]) ** 2)
                       for name, p in self.anchored.items())
        return self.config.weight / 2 * weighted

