"""L2-SP: a penalty on the distance from the starting parameters, ``weight / 2 * ||theta - theta_0||^2``.

The plainest way to keep what a model was: every step pulls each chosen parameter back towards where
training started, by ``weight * (theta - theta_0)`` in the gradient. It knows nothing about alignment, so
it holds capability back exactly as hard as it holds alignment (in the gradient world, capability c
settles where its pull 1 equals ``weight * c``, at ``c = 1 / weight``); ``parameters`` restricts it to
some tensors. Per replica in toy worlds, over the whole model in a real one (``ctx.replica_sum``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..registry import METHODS
from .base import Method, ParameterFilterConfig, TrainContext, selected_parameters


class L2ToInitialConfig(ParameterFilterConfig):
    name: Literal["l2-to-initial"] = "l2-to-initial"
    weight: float = Field(gt=0, description="strength of the pull back to the starting parameters")


@METHODS.register
class L2ToInitial(Method):
    name = "l2-to-initial"
    Config = L2ToInitialConfig

    def setup(self, ctx: TrainContext) -> None:
        self.anchored = selected_parameters(ctx, self.config.parameters, self.name)
        self.initial = {name: p.detach().clone() for name, p in self.anchored.items()}

    def extra_loss(self, ctx: TrainContext):
        squared = sum(ctx.replica_sum((p - self.initial[name]) ** 2) for name, p in self.anchored.items())
        return self.config.weight / 2 * squared
