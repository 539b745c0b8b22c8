"""Proxy selection: the post's fixed, unreliable metric used as a gate on training, in every world that has one.

After every update the world offers for selection (each optimizer step in the gradient, simplicity and probe
worlds; each stage in the lm world) the method reads the world's proxy on the candidate
(:class:`~driftlab.capabilities.ProxyReadings`: the gradient world's detector, the simplicity world's
on-distribution error or loss, the probe world's deployed probe, the lm world's proxy eval parts). If it
rose, that is worsened, by more than ``threshold`` over the last kept model's, the update is rejected and the
world restores the weights and optimizer state of the last kept model, per replica in a batched world
(:class:`~driftlab.training.Rollback`; the lm world restores its last checkpoint). Random streams and the
methods' states move on, so the next update draws new data. In the lm world a score is the mean over eval
sets of their ``statistic`` (``score``: the post's M / (M + O); ``p_misaligned``: the mean probability); on
a stage the world does not evaluate whole (``world.eval_stages``) the candidate's proxy part alone is judged,
and its held-out score is unknown (NaN).

What the researcher cannot select on, the *held-out* truth, is where the method shows its blind spot.
Recorded at every table step as ``proxy-selection/<name>`` (per replica in a batched world; the starting
model counts as accepted):

- ``accepted``: 1 if the latest update was kept, 0 if it was rolled back;
- ``proxy``: the proxy reading of the latest candidate, the number the gate judged;
- ``heldout``: the held-out misalignment of the model kept after the decision (where the world measures it);
- ``proxy_signal`` (lm): the share of the proxy's eval sets whose choices gave a signal in that evaluation;
  where it is 0 the gate judged noise, not propensity;
- ``rejections``: updates rejected so far.

Whether accepted updates made the held-out truth worse (the fixed metric said all was well, and it wasn't) is
the world's slip-through (:mod:`driftlab.slip`), counted over the models it kept, gated or not.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator

from ..capabilities import ProxyReadings
from ..config import MethodConfig
from ..registry import METHODS
from .base import Method, TrainContext


class ProxySelectionConfig(MethodConfig):
    name: Literal["proxy-selection"] = "proxy-selection"
    threshold: float = Field(
        0.0, allow_inf_nan=True,
        description="reject an update whose proxy reading rose by more than this over the last kept model's "
        "(.inf: never reject; negative: demand an improvement; -.inf: reject every update)",
    )
    statistic: str | None = Field(
        None, description="what the proxy reads, one of the world's proxy statistics (default: its first). lm: "
        "score (the post's M / (M + O) of the argmax choices) or p_misaligned (the mean probability of the "
        "misaligned option, which moves before a choice flips); simplicity: error or loss on the developer's "
        "data; gradient: detector; probe: deployed_probe",
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
    requires = (ProxyReadings,)

    @classmethod
    def incompatibility(cls, world: type, config: ProxySelectionConfig | None = None) -> str | None:
        reason = super().incompatibility(world, config)
        if reason is None and config is not None and config.statistic is not None \
                and config.statistic not in world.proxy_statistics:
            return (f"proxy-selection.statistic: {config.statistic!r} is not a proxy of world {world.name!r} "
                    f"(it has: {', '.join(world.proxy_statistics)})")
        return reason

    def setup(self, ctx: TrainContext) -> None:
        world = ctx.provider(ProxyReadings)
        self.statistic = self.config.statistic or world.proxy_statistics[0]
        self.kept: dict[str, Any] | None = None  # the last kept model's readings
        self.latest: dict[str, Any] | None = None  # the latest candidate's readings
        self.accepted: Any = True
        self.rejections: Any = 0

    def reading(self, ctx: TrainContext, candidate: Any) -> dict[str, Any]:
        return ctx.provider(ProxyReadings).proxy_reading(candidate, self.statistic)

    def before_update(self, ctx: TrainContext) -> None:
        if self.kept is None:  # the starting model, read once before its first update
            self.kept = self.reading(ctx, None)

    def select(self, ctx: TrainContext, candidate: Any) -> Any:
        latest = self.latest = self.reading(ctx, candidate)
        kept = self.kept
        accepted = latest["proxy"] - kept["proxy"] <= self.config.threshold  # a bool, or [R] bools
        self.rejections = self.rejections + ((not accepted) if isinstance(accepted, bool) else ~accepted)
        self.kept = {key: where(accepted, latest[key], kept[key]) for key in kept}
        self.accepted = accepted
        return accepted

    def metrics(self, ctx: TrainContext) -> dict:
        """The latest decision, the candidate's proxy reading and the kept model's held-out one (before any
        update, the starting model's)."""
        kept = self.kept or self.reading(ctx, None)
        judged = self.latest or kept
        figures = {"accepted": self.accepted, "proxy": judged["proxy"], "rejections": self.rejections}
        if "proxy_signal" in judged:
            figures["proxy_signal"] = judged["proxy_signal"]
        if "heldout" in kept:
            figures["heldout"] = kept["heldout"]
        return {name: as_recorded(value) for name, value in figures.items()}

    def state_dict(self) -> dict:
        return {"kept": self.kept, "latest": self.latest, "accepted": self.accepted, "rejections": self.rejections}

    def load_state_dict(self, state: dict) -> None:
        self.kept, self.latest, self.accepted = state["kept"], state["latest"], state["accepted"]
        self.rejections = state["rejections"]


def where(condition: Any, new: Any, old: Any) -> Any:
    """``new`` where ``condition`` holds, else ``old``: for one model's floats, or a batched world's [R] tensors."""
    if isinstance(condition, bool):
        return new if condition else old
    import torch

    return torch.where(condition, new, old)


def as_recorded(value: Any) -> Any:
    """A table value: a float for one model, a NumPy array [R] for a batched world."""
    if isinstance(value, (bool, int, float)):
        return float(value)
    return value.detach().double().cpu().numpy()
