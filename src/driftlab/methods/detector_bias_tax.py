"""Detector-bias tax (the post's fourth and fifth gradient runs): add ``tax * b`` to each replica's loss.

Evading the detector then costs performance: every step pulls the detector bias b down by lr * tax,
against the corrections that push it up. In the gradient world alignment stops drifting once the tax
exceeds the average penalty pull p * penalty (see ``worlds/gradient.py``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..config import MethodConfig
from ..registry import METHODS
from .base import Method, TrainContext


class DetectorBiasTaxConfig(MethodConfig):
    name: Literal["detector-bias-tax"] = "detector-bias-tax"
    tax: float = Field(ge=0, description="loss added per unit of detector bias (the post uses 0.1 and 0.005)")


@METHODS.register
class DetectorBiasTax(Method):
    name = "detector-bias-tax"
    Config = DetectorBiasTaxConfig
    supports = frozenset({"gradient"})

    def extra_loss(self, ctx: TrainContext):
        return self.config.tax * ctx.parameters["detector_bias"]
