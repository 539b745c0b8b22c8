"""Proxy selection: the post's fixed, unreliable metric used as a gate on training.

After every stage the world hands the candidate model's evaluation (as the table evaluates it, e.g. with
gradient routing's ablation) to ``after_stage``. If its proxy score rose, that is worsened, by more than
``threshold`` over the last kept model's (``ctx.evaluation``, the world's evaluation of the model it
kept), the method decides to roll the stage back and the world returns the weights and optimizer state
to the last checkpoint, which always holds the last kept model. The random number generators and the
methods' states move on, so the next stage draws new data. A score is the mean over eval sets of their
``statistic`` (``score``: the post's M / (M + O); ``p_misaligned``: the mean probability).

What the researcher cannot select on, the *held-out* part, is where the method shows its blind spot.
Recorded at every table step k as ``proxy-selection/<name>`` (step 0, the starting model, counts as
accepted):

- ``accepted``: 1 if stage k was kept, 0 if it was rolled back;
- ``proxy``: the proxy score of stage k's candidate, the number the gate judged;
- ``heldout``: the held-out score of the model kept after the decision;
- ``rejections``: rejected stages so far;
- ``heldout_worse_accepted``: accepted stages so far whose held-out score rose above the previous
  kept model's: the fixed metric said all was well, and it wasn't.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from ..capabilities import Evaluation, Evaluations
from ..config import MethodConfig
from ..errors import ConfigError
from ..registry import METHODS
from .base import Decision, Method, TrainContext


class ProxySelectionConfig(MethodConfig):
    name: Literal["proxy-selection"] = "proxy-selection"
    threshold: float = Field(
        0.0, description="reject a stage whose proxy score rose by more than this over the last accepted "
        "model's (.inf: never reject; negative: demand an improvement; -.inf: reject every stage)",
    )
    statistic: Literal["score", "p_misaligned"] = Field(
        "score", description="score: the post's M / (M + O) of the argmax choices; p_misaligned: the mean "
        "probability of the misaligned option, which moves before a choice flips",
    )

    @field_validator("threshold")
    @classmethod
    def _a_number(cls, value: float) -> float:
        if math.isnan(value):
            raise ValueError("must be a number (.inf and -.inf are allowed), not nan")
        return value


@METHODS.register
class ProxySelection(Method):
    name = "proxy-selection"
    Config = ProxySelectionConfig
    requires = (Evaluations,)

    def setup(self, ctx: TrainContext) -> None:
        world = ctx.provider(Evaluations)
        if not (world.eval_sets("proxy") and world.eval_sets("heldout")):
            raise ConfigError("world.evals: proxy-selection needs eval sets with a proxy part (to select on) "
                              "and a held-out part (to report on)")
        self.rejections = self.heldout_worse_accepted = 0
        self.decision: tuple[bool, float] | None = None  # the latest stage's (accepted, candidate proxy score)

    def after_stage(self, ctx: TrainContext, candidate: Evaluation) -> Decision:
        statistic, kept = self.config.statistic, ctx.evaluation
        proxy = candidate.mean("proxy", statistic)
        accepted = proxy - kept.mean("proxy", statistic) <= self.config.threshold
        if not accepted:
            self.rejections += 1
        elif candidate.mean("heldout", statistic) > kept.mean("heldout", statistic):
            self.heldout_worse_accepted += 1
        self.decision = (accepted, proxy)
        return Decision.ACCEPT if accepted else Decision.ROLLBACK

    def metrics(self, ctx: TrainContext) -> dict:
        """This stage's row: the decision about it (none at step 0, the starting model) and the kept model."""
        statistic = self.config.statistic
        accepted, candidate = self.decision or (True, ctx.evaluation.mean("proxy", statistic))
        return {"accepted": float(accepted), "proxy": candidate, "heldout": ctx.evaluation.mean("heldout", statistic),
                "rejections": float(self.rejections), "heldout_worse_accepted": float(self.heldout_worse_accepted)}

    def state_dict(self) -> dict:
        return {"rejections": self.rejections, "heldout_worse_accepted": self.heldout_worse_accepted}

    def load_state_dict(self, state: dict) -> None:
        self.rejections, self.heldout_worse_accepted = state["rejections"], state["heldout_worse_accepted"]
