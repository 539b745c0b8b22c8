"""Detector-bias tax (the post's fourth and fifth gradient runs): add ``tax * evasion`` to each replica's loss.

Evading the detector then costs performance. ``evasion`` is what the world says evading its detector
consists of (``DetectorEvasion``): in the gradient world the detector bias b, so every step pulls b down by
lr * tax, against the corrections that push it up, and alignment stops drifting once the tax exceeds the
average penalty pull p * penalty (see ``worlds/gradient.py``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..capabilities import DetectorEvasion
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
    requires = (DetectorEvasion,)

    def extra_loss(self, ctx: TrainContext):
        return self.config.tax * ctx.provider(DetectorEvasion).detector_evasion()
