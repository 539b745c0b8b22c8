"""Proxy selection: the post's fixed, unreliable metric used as a gate on training.

After every stage the world hands the candidate model's evaluation (as the table evaluates it, e.g. with
gradient routing's ablation) to ``after_stage``. If its proxy score rose, that is worsened, by more than
``threshold`` over the last kept model's (``ctx.evaluation``, the world's evaluation of the model it
kept), the method decides to roll the stage back and the world returns the weights and optimizer state
to the last checkpoint, which always holds the last kept model. The random number generators and the
methods' states move on, so the next stage draws new data. A score is the mean over eval sets of their
``statistic`` (``score``: the post's M / (M + O); ``p_misaligned``: the mean probability). On a stage the
world does not evaluate whole (``world.eval_stages``) the candidate's proxy part alone is judged, and its
held-out score is unknown (NaN).

What the researcher cannot select on, the *held-out* part, is where the method shows its blind spot.
Recorded at every table step k as ``proxy-selection/<name>`` (step 0, the starting model, counts as
accepted):

- ``accepted``: 1 if stage k was kept, 0 if it was rolled back;
- ``proxy``: the proxy score of stage k's candidate, the number the gate judged;
- ``heldout``: the held-out score of the model kept after the decision;
- ``proxy_signal``: the share of the proxy's eval sets whose choices gave a signal in that evaluation (the
  instrument issue's validity figures); where it is 0 the gate judged noise, not propensity;
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
from ..names import scored
from ..registry import METHODS
from .base import Decision, Method, TrainContext


class ProxySelectionConfig(MethodConfig):
    name: Literal["proxy-selection"] = "proxy-selection"
    threshold: float = Field(
        0.0, allow_inf_nan=True,
        description="reject a stage whose proxy score rose by more than this over the last accepted "
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
        self.kept: dict[str, float] | None = None  # the last kept model's scores
        self.rejections = self.heldout_worse_accepted = 0
        self.decision: tuple[bool, dict[str, float]] | None = None  # the latest stage's (accepted, candidate's scores)

    def scores(self, evaluation: Evaluation) -> dict[str, float]:
        """Proxy and held-out score of an evaluation, the held-out NaN where it was not evaluated (a stage
        the world's ``eval_stages`` skips gets its proxy part only), and the proxy's share of eval sets with
        a signal. By the letter scorer, or the continuation scorer where the world scores by that alone."""
        statistics = next(iter(evaluation.evals.values()))
        scorer = "letter" if self.config.statistic in statistics else "continuation"
        statistic, signal = scored(self.config.statistic, scorer), scored("signal", scorer)
        return {**{part: evaluation.mean(part, statistic) if evaluation.sets(part) else math.nan
                   for part in ("proxy", "heldout")}, "proxy_signal": evaluation.mean("proxy", signal)}

    def after_stage(self, ctx: TrainContext, candidate: Evaluation) -> Decision:
        if self.kept is None:  # the first stage: the starting model's scores, from the world's stage-0 evaluation
            self.kept = self.scores(ctx.evaluation)
        scores = self.scores(candidate)
        accepted = scores["proxy"] - self.kept["proxy"] <= self.config.threshold
        if not accepted:
            self.rejections += 1
        else:
            if scores["heldout"] > self.kept["heldout"]:  # never true where either is unknown (NaN)
                self.heldout_worse_accepted += 1
            self.kept = scores
        self.decision = (accepted, scores)
        return Decision.ACCEPT if accepted else Decision.ROLLBACK

    def metrics(self, ctx: TrainContext) -> dict:
        """This stage's row: the decision about it and the kept model's held-out score (at step 0, before any
        decision, the starting model's)."""
        accepted, judged = self.decision or (True, self.scores(ctx.evaluation))
        heldout = self.kept["heldout"] if self.decision else judged["heldout"]
        return {"accepted": float(accepted), "proxy": judged["proxy"], "proxy_signal": judged["proxy_signal"],
                "heldout": heldout, "rejections": float(self.rejections),
                "heldout_worse_accepted": float(self.heldout_worse_accepted)}

    def state_dict(self) -> dict:
        return {"kept": self.kept, "rejections": self.rejections, "heldout_worse_accepted": self.heldout_worse_accepted}

    def load_state_dict(self, state: dict) -> None:
        self.kept, self.rejections = state["kept"], state["rejections"]
        self.heldout_worse_accepted = state["heldout_worse_accepted"]
