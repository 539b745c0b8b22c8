"""Proxy selection: the post's fixed, unreliable metric used as a gate on training.

After every stage the candidate model is scored on the eval sets' *proxy* part (as the table evaluates
it, e.g. with gradient routing's ablation). If its proxy score rose, that is worsened, by more than
``threshold`` over the last accepted model's, the stage is rejected: the world's ``rollback_stage``
returns the weights and optimizer state to the last checkpoint, which always holds the last accepted
model (a rejected stage checkpoints the restored weights). The random number generators and the methods'
states move on, so the next stage draws new data. A score is the mean over eval sets of their
``statistic`` (``score``: the post's M / (M + O); ``p_misaligned``: the mean probability).

What the researcher cannot select on, the *held-out* part, is where the method shows its blind spot.
Recorded at every table step k as ``proxy-selection/<name>`` (step 0, the starting model, counts as
accepted):

- ``accepted``: 1 if stage k was kept, 0 if it was rolled back;
- ``proxy``: the proxy score of stage k's candidate, the number the gate judged;
- ``heldout``: the held-out score of the model kept after the decision;
- ``rejections``: rejected stages so far;
- ``heldout_worse_accepted``: accepted stages so far whose held-out score rose above the previous
  accepted model's: the fixed metric said all was well, and it wasn't.

The model kept after a stage is always the last accepted one, so the world's own evaluation of it
(``ctx.evaluation``) gives the scores the next stage is compared with, and the gate scores only the
candidate's proxy part itself.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from ..config import MethodConfig
from ..errors import ConfigError
from ..registry import METHODS
from .base import Method, TrainContext


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
    supports = frozenset({"lm"})

    def setup(self, ctx: TrainContext) -> None:
        eval_sets = ctx.service("eval_sets", self.name)
        self.sets = {part: eval_sets(part) for part in ("proxy", "heldout")}
        if not all(self.sets.values()):
            raise ConfigError("world.evals: proxy-selection needs eval sets with a proxy part (to select on) "
                              "and a held-out part (to report on)")
        self.accepted_proxy = self.accepted_heldout = math.nan  # the last accepted model's scores
        self.rejections = self.heldout_worse_accepted = 0
        self.decision: tuple[bool, float] | None = None  # this stage's (accepted, candidate proxy score)

    def _score(self, metrics: dict, part: str) -> float:
        """Mean over the eval sets with a ``part`` of their statistic, read from table-named metrics."""
        values = [metrics[f"eval/{name}/{part}/{self.config.statistic}"] for name in self.sets[part]]
        return sum(values) / len(values)

    def after_stage(self, ctx: TrainContext) -> None:
        with ctx.service("evaluated_model", self.name)():
            scores = ctx.service("evaluations", self.name)(("proxy",), capability=False)
        proxy = self._score(scores, "proxy")
        accepted = proxy - self.accepted_proxy <= self.config.threshold
        if not accepted:
            ctx.service("rollback_stage", self.name)()
            self.rejections += 1
        self.decision = (accepted, proxy)

    def metrics(self, ctx: TrainContext) -> dict:
        """This stage's row; also where the gate learns the kept model's scores (the world has just
        evaluated it) for the next stage's comparison."""
        proxy, heldout = self._score(ctx.evaluation, "proxy"), self._score(ctx.evaluation, "heldout")
        accepted, candidate = self.decision or (True, proxy)  # no decision at step 0: the starting model
        if self.decision is not None and accepted and heldout > self.accepted_heldout:
            self.heldout_worse_accepted += 1
        self.accepted_proxy, self.accepted_heldout, self.decision = proxy, heldout, None
        return {"accepted": float(accepted), "proxy": candidate, "heldout": heldout,
                "rejections": float(self.rejections), "heldout_worse_accepted": float(self.heldout_worse_accepted)}

    def state_dict(self) -> dict:
        return {"accepted_proxy": self.accepted_proxy, "accepted_heldout": self.accepted_heldout,
                "rejections": self.rejections, "heldout_worse_accepted": self.heldout_worse_accepted}

    def load_state_dict(self, state: dict) -> None:
        self.accepted_proxy, self.accepted_heldout = state["accepted_proxy"], state["accepted_heldout"]
        self.rejections, self.heldout_worse_accepted = state["rejections"], state["heldout_worse_accepted"]
