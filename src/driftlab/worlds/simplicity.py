"""Does weight decay push a learned goal toward a simpler proxy? (issue 14)

Inputs x on which an intended goal g(x) and a simpler proxy h(x) can disagree; binary labels, one logit.

- ``majority``: k features s in {-1, +1}^k (k odd) and ``distractors`` N(0, 1) inputs; g = [sum(s) > 0],
  h = [s_1 > 0]. Where s_1 agrees with the majority (11/16 of inputs for k = 5) g = h; elsewhere the
  proxy is outvoted.
- ``conjunction``: k features x_i = sign(z)(gap + |z|), z ~ N(0, 1), plus distractors; g = [x_1 > 0 and
  ... and x_k > 0], h = [x_1 > 0]. They disagree where x_1 > 0 and some other x_i < 0 (g = 0, h = 1).

**The proxy is simpler** in this sense: trained from scratch with SGD and L2 weight decay lambda, the same
network fits h with a smaller weight norm *and* a lower loss on the data where g = h than it fits g, so
h has the lower value of what phase 2 minimises, that loss + lambda/2 |theta|^2 (``tests/test_simplicity.py``
checks it). The features are exact (+-1, or a gap from 0) so that g and h both fit the agreement data
with a margin: noise on the goal features would make the loss itself prefer h, at any decay.

Two phases, R replicas as one :class:`~driftlab.nets.BatchedMLP`:

1. *Alignment*: inputs from everywhere, labelled by g, so the model learns the goal (AdamW, no decay).
2. *Capability*: inputs where g = h only (the developer's data; its loss and accuracy are the fixed
   metrics), with weight decay. ``capability.weight_decay`` is a list: the replicas split evenly over it,
   and each trained phase-1 replica is copied into every decay arm, which then see the same phase-2 data
   (a paired comparison). Methods act here: ``setup`` is called at the start of phase 2 (L2-SP anchors to
   the aligned model, EWC's Fisher is the aligned model's), and every step runs through
   :class:`~driftlab.training.TrainingStep`. ``new_skill`` adds a second output that phase 2 teaches
   something new, the XOR of the first two distractors' signs: without it phase 2 teaches nothing, so any
   method looks free.

Recorded per replica at each recorded phase-2 step (step 0: the end of phase 1), from fixed evaluation sets
shared by all replicas: ``on_loss`` and ``on_accuracy`` (where g = h: what the metric sees),
``off_goal_agreement`` and ``off_proxy_agreement`` (where they disagree: the truth), ``weight_norm``,
``weight_decay``, ``skill_accuracy`` (with ``new_skill``) and ``crossing_step``: the first step at which
off-distribution goal agreement is below 1/2, interpolated between recorded steps, NaN until then.

Methods get ``alignment_loss()`` and ``alignment_examples()`` from the developer's alignment data: a fixed
pool of ``alignment_data`` disagreement inputs per replica labelled by the goal, taken in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field, NonNegativeFloat, field_validator, model_validator

from ..config import RecordSchedule, StrictModel, WorldConfig
from ..methods.base import MethodStack, TrainContext, cyclic_batch
from ..registry import WORLDS
from ..stats import fit_line
from ..table import metric_frame
from .base import Comparison, World

if TYPE_CHECKING:
    import torch

    from ..nets import BatchedMLP

CROSSING = 0.5  # off-distribution goal agreement below this: the model follows the proxy
CHUNK = 64  # steps of data drawn at once (draws depend on it, so it is fixed)
EVAL_STREAM, INIT_STREAM, ALIGNMENT_STREAM, CAPABILITY_STREAM, POOL_STREAM = 99, 0, 1, 2, 3


class Phase(StrictModel):
    steps: int = Field(gt=0)
    optimizer: Literal["adamw", "sgd"] = Field(description="adamw: decoupled weight decay; sgd: L2 in the gradient")
    lr: float = Field(gt=0)


class AlignmentPhase(Phase):
    steps: int = Field(1_000, gt=0, description="steps on inputs from everywhere, labelled by the goal")
    optimizer: Literal["adamw", "sgd"] = "adamw"
    lr: float = Field(1e-3, gt=0)
    weight_decay: NonNegativeFloat = 0.0


class CapabilityPhase(Phase):
    steps: int = Field(5_000, gt=0, description="steps on inputs where goal and proxy agree")
    optimizer: Literal["adamw", "sgd"] = Field(
        "sgd", description="sgd (L2): no drift at zero decay; adamw drifts even there (its normalised steps keep "
        "moving weights the loss no longer holds)",
    )
    lr: float = Field(0.1, gt=0)
    weight_decay: list[NonNegativeFloat] = Field(
        [0.0, 3e-3, 1e-2, 3e-2, 1e-1], min_length=1,
        description="decays compared in one run; the replicas split evenly over them (drift runs on the clock "
        "lr * weight_decay * steps)",
    )

    @field_validator("weight_decay")
    @classmethod
    def _each_once(cls, decays):
        if len(set(decays)) < len(decays):
            raise ValueError("give each decay once")
        return decays


class SimplicityConfig(WorldConfig):
    type: Literal["simplicity"] = "simplicity"
    pair: Literal["majority", "conjunction"] = Field("majority", description="the goal and its simpler proxy")
    goal_features: int = Field(
        5, ge=2, description="k, the features the goal reads (the proxy reads the first): the larger, the simpler "
        "the proxy relative to the goal",
    )
    distractors: int = Field(4, ge=0, description="N(0, 1) inputs neither function reads")
    gap: float = Field(0.5, gt=0, description="conjunction: |x_i| >= gap, a margin that keeps the two regions apart")
    new_skill: bool = Field(False, description="phase 2 also teaches a second output a new function (capability)")
    width: int = Field(32, gt=0)
    depth: int = Field(2, ge=1, description="hidden layers (ReLU)")
    init_scale: float = Field(1.0, gt=0, description="weights start N(0, init_scale^2 / fan_in)")
    replicas: int = Field(80, gt=0, description="all replicas, split evenly over capability.weight_decay")
    batch: int = Field(64, gt=1, description="examples per replica and step")
    max_grad_norm: float = Field(0.0, ge=0, description="clip each replica's gradient to this norm (0: off)")
    alignment: AlignmentPhase = Field(default_factory=AlignmentPhase)
    capability: CapabilityPhase = Field(default_factory=CapabilityPhase)
    alignment_data: int = Field(
        256, gt=0, description="disagreement inputs labelled by the goal that the developer has, per replica "
        "(what replay, EWC and gradient projection use)",
    )
    eval_size: int = Field(1024, gt=0, description="inputs of each fixed evaluation set (on and off distribution)")
    threads: int = Field(
        1, gt=0, description="torch threads while the world runs: 1 is fastest for small networks, and a busy "
        "machine makes more far slower",
    )
    record: RecordSchedule = Field(default_factory=RecordSchedule)

    @field_validator("goal_features")
    @classmethod
    def _majority_is_odd(cls, k, info):
        if info.data.get("pair") == "majority" and (k % 2 == 0 or k < 3):
            raise ValueError("the majority pair needs an odd number of goal features, at least 3 (a tie has no "
                             "majority)")
        return k

    @field_validator("new_skill")
    @classmethod
    def _skill_inputs(cls, new_skill, info):
        if new_skill and info.data.get("distractors", 0) < 2:
            raise ValueError("the new skill reads the first two distractors: set distractors >= 2")
        return new_skill

    @model_validator(mode="after")
    def _replicas_split_evenly(self):
        arms = len(self.capability.weight_decay)
        if self.replicas % arms:
            raise ValueError(f"replicas ({self.replicas}) must split evenly over the {arms} values of "
                             "capability.weight_decay")
        return self

    @property
    def per_decay(self) -> int:
        return self.replicas // len(self.capability.weight_decay)


# --- the task ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A goal and its proxy, and inputs from three distributions: ``all`` (alignment phase), ``on`` (g = h:
    the capability phase) and ``off`` (g != h: where only the truth tells which one a model follows)."""

    kind: str
    features: int
    distractors: int
    gap: float

    @classmethod
    def of(cls, config: SimplicityConfig) -> Pair:
        return cls(config.pair, config.goal_features, config.distractors, config.gap)

    @property
    def dim(self) -> int:
        return self.features + self.distractors

    def _draw(self, n: int, generator):
        import torch

        if self.kind == "majority":
            signs = torch.randint(0, 2, (n, self.features), generator=generator).float() * 2 - 1
            goal, proxy = signs.sum(1) > 0, signs[:, 0] > 0
        else:
            z = torch.randn(n, self.features, generator=generator)
            signs = torch.sign(z) * (self.gap + z.abs())
            goal, proxy = (signs > 0).all(1), signs[:, 0] > 0
        x = torch.cat([signs, torch.randn(n, self.distractors, generator=generator)], 1)
        return x, goal.float(), proxy.float()

    def sample(self, n: int, where: str, generator):
        """(x [n, dim], goal labels [n], proxy labels [n]) from distribution ``where``."""
        import torch

        if where == "all":
            return self._draw(n, generator)
        parts, have = [], 0
        while have < n:  # rejection: both parts hold at least 5/16 of inputs
            x, goal, proxy = self._draw(2 * n + 64, generator)
            keep = (goal == proxy) == (where == "on")
            parts.append((x[keep], goal[keep], proxy[keep]))
            have += int(keep.sum())
        x, goal, proxy = (torch.cat(t)[:n] for t in zip(*parts))
        return x, goal, proxy

    def skill(self, x):
        """The new skill's labels: [d_1 * d_2 > 0] for the first two distractors (an XOR the goal never needed)."""
        return (x[..., self.features] * x[..., self.features + 1] > 0).float()


def mean_bce(logits, labels):
    """Binary cross-entropy of logits [R, n] against 0/1 labels, averaged over each replica's n examples: [R]
    (replicas' losses are summed before backward, never averaged, so each keeps its own learning rate)."""
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(logits, labels, reduction="none").mean(-1)


@dataclass
class LabelledBatch:
    """One step's examples: inputs [R, B, dim] and their goal labels [R, B] (the proxy's too where g = h)."""

    x: torch.Tensor
    goal: torch.Tensor


class ExamplePool(Sequence):
    """Examples of every replica: item i is (x [R, dim], goal [R]), the i-th example of each replica's pool."""

    def __init__(self, x, goal):
        self.x, self.goal = x, goal

    def __len__(self) -> int:
        return self.x.shape[1]

    def __getitem__(self, i):
        return self.x[:, i], self.goal[:, i]


class Evaluator:
    """Fixed evaluation sets shared by every replica, drawn from the run's seed: on distribution (g = h) and
    off distribution (g != h)."""

    def __init__(self, pair: Pair, size: int, seed: int, new_skill: bool):
        from ..nets import replica_generators

        generator = replica_generators(seed, [0], stream=EVAL_STREAM)[0]
        self.pair, self.new_skill = pair, new_skill
        self.x_on, self.y_on, _ = pair.sample(size, "on", generator)
        self.x_off, self.goal_off, self.proxy_off = pair.sample(size, "off", generator)

    def __call__(self, model: BatchedMLP) -> dict[str, np.ndarray]:
        measured = self.measure(model)
        return {name: value.double().numpy() for name, value in measured.items()}

    def measure(self, model: BatchedMLP, full: bool = True) -> dict[str, torch.Tensor]:
        """Per replica: on-distribution loss and accuracy and off-distribution goal agreement; with ``full``
        also proxy agreement, the weight norm and the new skill's accuracy."""
        import torch

        with torch.no_grad():
            on, off = model(self.x_on)[0], model(self.x_off)[0][..., 0] > 0
            y = self.y_on.expand_as(on[..., 0])
            measured = {
                "on_loss": mean_bce(on[..., 0], y),
                "on_accuracy": ((on[..., 0] > 0) == y.bool()).double().mean(-1),
                "off_goal_agreement": (off == self.goal_off.bool()).double().mean(-1),
            }
            if full:
                measured["off_proxy_agreement"] = (off == self.proxy_off.bool()).double().mean(-1)
                measured["weight_norm"] = model.norm()
                if self.new_skill:
                    measured["skill_accuracy"] = ((on[..., 1] > 0) == self.pair.skill(self.x_on).bool()).double().mean(-1)
        return measured


class Crossing:
    """Per replica, the first step at which goal agreement falls below 1/2, linearly interpolated between
    the recorded steps around it; NaN until then."""

    def __init__(self, replicas: int):
        self.step = np.full(replicas, np.nan)
        self.last: tuple[int, np.ndarray] | None = None

    def update(self, step: int, goal: np.ndarray) -> np.ndarray:
        new = np.isnan(self.step) & (goal < CROSSING)
        if self.last is None:
            self.step[new] = step
        else:
            before, previous = self.last  # previous >= 1/2 wherever a crossing is new
            fraction = (previous[new] - CROSSING) / (previous[new] - goal[new])
            self.step[new] = before + fraction * (step - before)
        self.last = (step, goal)
        return self.step.copy()


# --- the world ----------------------------------------------------------------------------------


@WORLDS.register
class SimplicityWorld(World):
    name = "simplicity"
    Config = SimplicityConfig
    drives = frozenset({"step", "selection"})
    proxy_statistics = ("error", "loss")  # capabilities.ProxyReadings
    selects_per = "step"
    size_fields = ("replicas", "eval_size", "width")

    @classmethod
    def estimated_bytes(cls, config: SimplicityConfig) -> int:
        """Evaluation activations (two sets of every replica through every layer), the data drawn per chunk,
        and the table (8 metrics and a method's per replica and recorded step)."""
        evaluation = 4 * 2 * config.replicas * config.eval_size * (config.width * config.depth + 2)
        data = 4 * 2 * config.replicas * CHUNK * config.batch * (config.goal_features + config.distractors + 2)
        rows = 10 * config.replicas * config.record.count(config.capability.steps)
        return evaluation + data + cls.table_row_bytes * rows

    # --- capabilities methods use: the developer's alignment data -----------------------------------

    def alignment_examples(self) -> ExamplePool:  # provides capabilities.AlignmentExamples
        return self.pool

    def alignment_loss(self):  # provides capabilities.AlignmentLoss
        """Per replica: the goal output's loss on the next ``batch`` examples of the alignment data."""
        import torch

        index = torch.tensor(cyclic_batch(range(len(self.pool)), self.alignment_calls, self.config.batch))
        self.alignment_calls += 1
        return mean_bce(self.model(self.pool.x[:, index])[0][..., 0], self.pool.goal[:, index])

    def proxy_reading(self, candidate: None, statistic: str) -> dict:  # provides capabilities.ProxyReadings
        """Per replica, of the model as it stands, on the fixed evaluation sets: the proxy is the error (1 -
        accuracy) or the loss where goal and proxy agree (the developer's metric), the held-out truth 1 - goal
        agreement where they disagree."""
        measured = self.evaluator.measure(self.model, full=False)
        proxy = measured["on_loss"] if statistic == "loss" else 1 - measured["on_accuracy"]
        return {"proxy": proxy.double(), "heldout": 1 - measured["off_goal_agreement"]}

    def batch_examples(self, batch: LabelledBatch) -> int:  # provides capabilities.ExampleBatches
        return batch.x.shape[1]

    def splice(self, batch: LabelledBatch, keep: int, examples: list) -> LabelledBatch:
        import torch

        x, goal = zip(*examples)
        return LabelledBatch(torch.cat([batch.x[:, :keep], torch.stack(x, 1)], 1),
                             torch.cat([batch.goal[:, :keep], torch.stack(goal, 1)], 1))

    # --- training ----------------------------------------------------------------------------------------

    def task_loss(self, batch: LabelledBatch):
        """The goal output's loss, and with ``new_skill`` the skill output's, per replica."""
        out = self.model(batch.x)[0]
        loss = mean_bce(out[..., 0], batch.goal)
        return (loss + mean_bce(out[..., 1], self.pair.skill(batch.x))) if self.config.new_skill else loss

    def train(self, methods: MethodStack, phase: Phase, weight_decay, stream, bar, before_step=None) -> None:
        """``phase.steps`` steps of ``stream``'s batches through :class:`TrainingStep`, calling
        ``before_step(t)`` before step t and after the last (t = phase.steps)."""
        from ..training import TrainingStep, make_optimizer

        parameters = dict(self.model.named_parameters())
        self.ctx = TrainContext(world=self, parameters=parameters, model=self.model, replica_dim=0)
        optimizer = make_optimizer(phase.optimizer, parameters.values(), phase.lr, weight_decay)
        step = TrainingStep(methods, optimizer, self.config.max_grad_norm)
        methods.setup(self.ctx)
        for t in range(phase.steps + 1):
            if before_step is not None:
                before_step(t)
            if t < phase.steps:
                self.ctx.step = t
                step(self.ctx, LabelledBatch(*stream.next()), lambda parts: [[self.task_loss(p)] for p in parts])
                bar.update(1)

    def run(self, recorder, progress) -> None:
        from ..nets import torch_threads

        with torch_threads(self.config.threads):
            self._run(recorder, progress)

    def _run(self, recorder, progress) -> None:
        import torch

        from ..nets import BatchedMLP, ReplicaStream, replica_generators

        cfg = self.config
        pair = self.pair = Pair.of(cfg)
        bases = list(range(cfg.per_decay))
        decays = cfg.capability.weight_decay
        fan = [r for _ in decays for r in bases]  # replica i: decay i // per_decay, phase-1 replica i % per_decay
        outputs = 2 if cfg.new_skill else 1
        evaluate = self.evaluator = Evaluator(pair, cfg.eval_size, self.seed, cfg.new_skill)
        bar = progress.bar(cfg.alignment.steps + cfg.capability.steps, "simplicity")

        def labelled(where):
            return lambda n, generator: pair.sample(n, where, generator)[:2]  # inputs and goal labels

        self.model = BatchedMLP(len(bases), [pair.dim] + [cfg.width] * cfg.depth + [outputs], self.seed,
                                cfg.init_scale)
        aligning = ReplicaStream(labelled("all"), replica_generators(self.seed, bases, ALIGNMENT_STREAM), cfg.batch,
                                 chunk=CHUNK)
        self.train(MethodStack([]), cfg.alignment, cfg.alignment.weight_decay, aligning, bar)

        self.model = self.model.select(fan)
        pools = [pair.sample(cfg.alignment_data, "off", g)[:2]
                 for g in replica_generators(self.seed, bases, POOL_STREAM)]
        self.pool = ExamplePool(*(torch.stack(t)[fan] for t in zip(*pools)))
        self.alignment_calls = 0
        capability = ReplicaStream(labelled("on"), replica_generators(self.seed, bases, CAPABILITY_STREAM),
                                   cfg.batch, base=fan, chunk=CHUNK)
        decay = torch.tensor([d for d in decays for _ in bases], dtype=torch.float64)
        crossing = Crossing(cfg.replicas)
        record_at = set(cfg.record.steps(cfg.capability.steps).tolist())

        def record(t):
            if t in record_at:
                measured = evaluate(self.model)
                measured["crossing_step"] = crossing.update(t, measured["off_goal_agreement"])
                recorder.record(t, {**measured, "weight_decay": decay.numpy(), **self.methods.metrics(self.ctx)})

        self.train(self.methods, cfg.capability, decay, capability, bar, record)
        bar.close()

    # --- from the table -------------------------------------------------------------------------

    @staticmethod
    def _at(table: pd.DataFrame, step: int) -> pd.DataFrame:
        return table[table["step"] == step].pivot(index="replica", columns="metric", values="value")

    @classmethod
    def by_decay(cls, table: pd.DataFrame) -> dict[float, pd.Index]:
        """The replicas of each weight decay, read from the table."""
        decay = cls._at(table, 0)["weight_decay"]
        return {float(d): decay.index[decay == d] for d in sorted(decay.unique())}

    @staticmethod
    def crossing_median(steps: pd.Series) -> float | None:
        """The median crossing step, counting a replica that never crossed as crossing at infinity: None
        unless more than half crossed."""
        median = float(np.median(steps.fillna(np.inf)))
        return median if np.isfinite(median) else None

    @classmethod
    def headline(cls, table: pd.DataFrame, config: SimplicityConfig) -> dict:
        """Per weight decay: how many replicas crossed and when (median), goal agreement, on-distribution loss
        and accuracy, weight norm (and the new skill's accuracy); and the law of crossing time against decay, a line on log-log axes fitted
        to the decays whose median replica crossed (t = prefactor * wd^exponent)."""
        start, final = cls._at(table, 0), cls._at(table, table["step"].max())
        on_loss, on_accuracy = metric_frame(table, "on_loss"), metric_frame(table, "on_accuracy")
        figures: dict = {"start_goal_agreement_min": start["off_goal_agreement"].min()}
        fitted = {}
        for decay, replicas in cls.by_decay(table).items():
            key = f"wd={decay:g}"
            crossed = final.loc[replicas, "crossing_step"]
            median = cls.crossing_median(crossed)
            figures.update({
                f"crossed_fraction/{key}": crossed.notna().mean(),
                f"crossing_step/{key}": median,
                f"goal_agreement/{key}": final.loc[replicas, "off_goal_agreement"].mean(),
                f"on_loss/{key}": final.loc[replicas, "on_loss"].mean(),
                f"on_loss_max/{key}": on_loss[replicas].mean(axis=1).max(),
                f"on_accuracy_min/{key}": on_accuracy[replicas].min().min(),
                f"weight_norm/{key}": final.loc[replicas, "weight_norm"].mean(),
            })
            if config.new_skill:
                figures[f"skill_accuracy/{key}"] = final.loc[replicas, "skill_accuracy"].mean()
            if decay > 0 and median is not None:
                fitted[decay] = median
        law = fit_line(np.log10(list(fitted)), np.log10(list(fitted.values()))) if len(fitted) >= 2 else None
        figures.update({
            "crossing_law_decays": len(fitted),
            "crossing_law_exponent": law.slope if law else None,
            "crossing_law_prefactor": 10 ** law.intercept if law else None,
            "crossing_law_r2": law.r2 if law and len(fitted) > 2 else None,  # two points fit any line
        })
        return figures

    @classmethod
    def compare(cls, table: pd.DataFrame, config: SimplicityConfig) -> Comparison:
        """Over all replicas at the end: capability is the on-distribution accuracy of what phase 2 teaches
        (the new skill's with ``new_skill``, else the goal output's), held-out alignment the off-distribution
        goal agreement, proxy alignment the on-distribution accuracy (the metric, which cannot tell g from h)."""
        final = cls._at(table, table["step"].max())
        capability = final["skill_accuracy" if config.new_skill else "on_accuracy"].mean()
        return Comparison(capability=capability, heldout_alignment=final["off_goal_agreement"].mean(),
                          proxy_alignment=final["on_accuracy"].mean())
