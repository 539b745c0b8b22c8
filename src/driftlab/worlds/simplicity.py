"""Does weight decay push a learned goal toward a simpler proxy? (issue 14)

Inputs x on which an intended goal g(x) and a simpler proxy h(x) can disagree; binary labels, one logit.

- ``majority``: k features s in {-1, +1}^k (k odd) and ``distractors`` N(0, 1) inputs; g = [sum(s) > 0],
  h = [s_1 > 0]. Where s_1 agrees with the majority (11/16 of inputs for k = 5) g = h; elsewhere the
  proxy is outvoted.
- ``conjunction``: k features x_i = sign(z)(gap + |z|), z ~ N(0, 1), plus distractors; g = [x_1 > 0 and
  ... and x_k > 0], h = [x_1 > 0]. They disagree where x_1 > 0 and some other x_i < 0 (g = 0, h = 1).
- ``salience``: two features, x_1 = proxy_scale * s_1 and x_2 = s_2 with s_i in {-1, +1}, plus distractors;
  g = [x_2 > 0], h = [x_1 > 0]. Where they agree the label is carried by the direction (proxy_scale, 1), so
  the network that fits that data with the smallest norm reads the larger feature: with proxy_scale < 1 the
  *goal* is the more efficient solution, at 1 neither is (Varma et al.'s critical point).

**The proxy is simpler** in this sense: trained from scratch with SGD and L2 weight decay lambda, the same
network fits h with a smaller weight norm *and* a lower loss on the data where g = h than it fits g, so
h has the lower value of what phase 2 minimises, that loss + lambda/2 |theta|^2 (``tests/test_simplicity.py``
checks it); the salience pair reverses this below proxy_scale 1. The features are exact (+-1, or a gap from
0) so that g and h both fit the agreement data with a margin: noise on the goal features would make the loss
itself prefer h, at any decay.

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
pool of ``alignment_data`` disagreement inputs per replica labelled by the goal, taken in turn. With
``alignment_holdout`` the pool leaves out some disagreement patterns (sign patterns of the goal features),
drawn per replica, and ``heldout_goal_agreement`` is measured on those patterns alone: goal agreement there
is generalisation, not memory.

Seed 003's central case, ``internal``: one more output, trained in phase 1 only, that phase 2's loss never
reads, so it gets no gradient from training (an internal objective with no effect on training behaviour).
Its readout decays by exactly (1 - lr * wd) per step under both SGD with L2 and AdamW (zero gradient: Adam's
update is 0); what it computes can still drift, through the hidden layers that training moves. Recorded:
``internal_agreement`` with its target (on both evaluation sets), ``internal_margin`` (its logit signed by
the target, averaged) and ``internal_norm`` (its readout's weights and bias).

With ``efficiency``, the world also measures which solution is the more efficient on the capability data
(Varma et al. 2023): :func:`fit_goal_and_proxy` fits each from scratch at each decay, and step 0 records
``efficiency_gap`` (the proxy's loss + wd/2 |theta|^2 minus the goal's: positive where the goal is the
cheaper one, so decay has no reason to leave it), ``goal_fit_norm`` and ``proxy_fit_norm``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field, NonNegativeFloat, field_validator, model_validator

from ..config import RecordSchedule, StrictModel, WorldConfig
from ..methods.base import MethodStack, TrainContext, cyclic_batch
from ..registry import WORLDS
from ..slip import slip_from_table
from ..stats import fit_line
from ..table import metric_frame
from .base import Comparison, World

if TYPE_CHECKING:
    import torch

    from ..nets import BatchedMLP

CROSSING = 0.5  # off-distribution goal agreement below this: the model follows the proxy
SLIP_ON_ACCURACY = 0.95  # slip-through (driftlab.slip): crossed while the developer's accuracy reads at least this
CHUNK = 64  # steps of data drawn at once (draws depend on it, so it is fixed)
EVAL_STREAM, INIT_STREAM, ALIGNMENT_STREAM, CAPABILITY_STREAM, POOL_STREAM, HOLDOUT_STREAM, FIT_STREAM = (
    99, 0, 1, 2, 3, 4, 5)
FIT_LR, FIT_CLOCK = 0.3, 6.0  # fits from scratch: SGD at lr 0.3 until lr * wd * steps = 6 (e^-6 of the init left)


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
    pair: Literal["majority", "conjunction", "salience"] = Field("majority", description="the goal and its proxy")
    goal_features: int = Field(
        5, ge=2, description="k, the features the goal reads (the proxy reads the first): the larger, the simpler "
        "the proxy relative to the goal",
    )
    distractors: int = Field(4, ge=0, description="N(0, 1) inputs neither function reads")
    gap: float = Field(0.5, gt=0, description="conjunction: |x_i| >= gap, a margin that keeps the two regions apart")
    proxy_scale: float = Field(
        1.0, gt=0, description="salience: the magnitude of the proxy's feature (the goal's is 1): below 1 the goal "
        "is the more efficient solution on the capability data, at 1 neither is",
    )
    new_skill: bool = Field(False, description="phase 2 also teaches a second output a new function (capability)")
    internal: Literal["off", "goal", "distractor"] = Field(
        "off", description="an internal objective: one more output, trained in phase 1 only and never read by "
        "phase 2's loss (goal: a copy of the goal; distractor: the sign of the last distractor, which nothing "
        "else reads)",
    )
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
    efficiency: bool = Field(
        False, description="also fit the goal and the proxy from scratch at each decay > 0 (2 networks each) and "
        "record which is the more efficient solution on the capability data (efficiency_gap, at step 0)",
    )
    alignment_holdout: int = Field(
        0, ge=0, description="disagreement patterns (signs of the goal features) left out of each replica's "
        "alignment data, drawn per replica: heldout_goal_agreement is measured on them alone",
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
        if info.data.get("pair") == "salience" and k != 2:
            raise ValueError("the salience pair reads two features, the proxy's and the goal's: set goal_features "
                             "to 2")
        return k

    @field_validator("new_skill")
    @classmethod
    def _skill_inputs(cls, new_skill, info):
        if new_skill and info.data.get("distractors", 0) < 2:
            raise ValueError("the new skill reads the first two distractors: set distractors >= 2")
        return new_skill

    @field_validator("internal")
    @classmethod
    def _internal_input(cls, internal, info):
        needed = 1 + 2 * info.data.get("new_skill", False)
        if internal == "distractor" and info.data.get("distractors", 0) < needed:
            raise ValueError(f"the internal objective reads the last distractor, which the new skill must not: set "
                             f"distractors >= {needed}")
        return internal

    @model_validator(mode="after")
    def _replicas_split_evenly(self):
        arms = len(self.capability.weight_decay)
        if self.replicas % arms:
            raise ValueError(f"replicas ({self.replicas}) must split evenly over the {arms} values of "
                             "capability.weight_decay")
        return self

    @model_validator(mode="after")
    def _patterns_left(self):
        patterns = len(Pair.of(self).disagreement_patterns()) if self.alignment_holdout else 1
        if self.alignment_holdout >= patterns:
            raise ValueError(f"alignment_holdout ({self.alignment_holdout}) must leave at least one of the pair's "
                             f"{patterns} disagreement patterns in the alignment data")
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
    proxy_scale: float = 1.0
    internal: str = "off"

    @classmethod
    def of(cls, config: SimplicityConfig) -> Pair:
        return cls(config.pair, config.goal_features, config.distractors, config.gap, config.proxy_scale,
                   config.internal)

    @property
    def dim(self) -> int:
        return self.features + self.distractors

    def labels(self, values):
        """Goal and proxy labels (0/1) of the goal features' values [n, k]; the proxy reads the first."""
        positive = values > 0
        if self.kind == "majority":
            goal = values.sum(1) > 0
        elif self.kind == "conjunction":
            goal = positive.all(1)
        else:
            goal = positive[:, 1]
        return goal.float(), positive[:, 0].float()

    def _draw(self, n: int, generator):
        import torch

        if self.kind == "conjunction":
            z = torch.randn(n, self.features, generator=generator)
            values = torch.sign(z) * (self.gap + z.abs())
        else:
            values = torch.randint(0, 2, (n, self.features), generator=generator).float() * 2 - 1
            if self.kind == "salience":
                values = values * torch.tensor([self.proxy_scale, 1.0])
        x = torch.cat([values, torch.randn(n, self.distractors, generator=generator)], 1)
        return x, *self.labels(values)

    def pattern(self, x):
        """Each input's sign pattern of the goal features, as a binary code [...]."""
        import torch

        return ((x[..., :self.features] > 0).long() << torch.arange(self.features)).sum(-1)

    def disagreement_patterns(self):
        """The codes of the sign patterns on which goal and proxy disagree."""
        import torch

        signs = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=self.features)))
        goal, proxy = self.labels(signs)
        return self.pattern(signs)[goal != proxy]

    def sample(self, n: int, where: str, generator, exclude=None):
        """(x [n, dim], goal labels [n], proxy labels [n]) from distribution ``where``; ``exclude``: pattern
        codes left out."""
        import torch

        if where == "all":
            return self._draw(n, generator)
        parts, have = [], 0
        while have < n:  # rejection sampling
            x, goal, proxy = self._draw(2 * n + 64, generator)
            keep = (goal == proxy) == (where == "on")
            if exclude is not None:
                keep &= ~torch.isin(self.pattern(x), exclude)
            parts.append((x[keep], goal[keep], proxy[keep]))
            have += int(keep.sum())
        x, goal, proxy = (torch.cat(t)[:n] for t in zip(*parts))
        return x, goal, proxy

    def skill(self, x):
        """The new skill's labels: [d_1 * d_2 > 0] for the first two distractors (an XOR the goal never needed)."""
        return (x[..., self.features] * x[..., self.features + 1] > 0).float()

    def internal_labels(self, x, goal):
        """The internal objective's labels: the goal's, or the last distractor's sign."""
        return goal if self.internal == "goal" else (x[..., -1] > 0).float()


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
    off distribution (g != h). ``held_out`` [R, h]: the disagreement patterns each replica's alignment data
    leave out."""

    def __init__(self, pair: Pair, size: int, seed: int, new_skill: bool, held_out=None):
        import torch

        from ..nets import replica_generators

        generator = replica_generators(seed, [0], stream=EVAL_STREAM)[0]
        self.pair, self.new_skill = pair, new_skill
        self.x_on, self.y_on, _ = pair.sample(size, "on", generator)
        self.x_off, self.goal_off, self.proxy_off = pair.sample(size, "off", generator)
        # [R, size]: the off-distribution inputs whose pattern a replica's alignment data leave out
        self.held_out = None if held_out is None else (
            pair.pattern(self.x_off)[None, :, None] == held_out[:, None, :]).any(-1)
        if pair.internal != "off":
            self.internal_target = pair.internal_labels(torch.cat([self.x_on, self.x_off]),
                                                        torch.cat([self.y_on, self.goal_off]))

    def __call__(self, model: BatchedMLP) -> dict[str, np.ndarray]:
        measured = self.measure(model)
        return {name: value.double().numpy() for name, value in measured.items()}

    def measure(self, model: BatchedMLP, full: bool = True) -> dict[str, torch.Tensor]:
        """Per replica: on-distribution loss and accuracy and off-distribution goal agreement; with ``full``
        also proxy agreement, the weight norm, the new skill's accuracy, goal agreement on the held-out
        patterns and the internal objective's figures."""
        import torch

        with torch.no_grad():
            on, off = model(self.x_on)[0], model(self.x_off)[0]
            follows = off[..., 0] > 0
            goal = follows == self.goal_off.bool()
            y = self.y_on.expand_as(on[..., 0])
            measured = {
                "on_loss": mean_bce(on[..., 0], y),
                "on_accuracy": ((on[..., 0] > 0) == y.bool()).double().mean(-1),
                "off_goal_agreement": goal.double().mean(-1),
            }
            if full:
                measured["off_proxy_agreement"] = (follows == self.proxy_off.bool()).double().mean(-1)
                measured["weight_norm"] = model.norm()
                if self.new_skill:
                    measured["skill_accuracy"] = ((on[..., 1] > 0) == self.pair.skill(self.x_on).bool()).double().mean(-1)
                if self.held_out is not None:
                    measured["heldout_goal_agreement"] = (goal & self.held_out).sum(-1) / self.held_out.sum(-1).double()
                if self.pair.internal != "off":
                    measured.update(self.internal(model, torch.cat([on[..., -1], off[..., -1]], 1)))
        return measured

    def internal(self, model: BatchedMLP, logits) -> dict[str, torch.Tensor]:
        """The internal objective (the last output; ``logits`` [R, n] on both sets): agreement with its
        target, the target-signed logit averaged, and the norm of its readout (weights and bias)."""
        sign = 2 * self.internal_target - 1
        readout = model.weights[-1][..., -1].pow(2).sum(1) + model.biases[-1][:, 0, -1].pow(2)
        return {"internal_agreement": ((logits > 0) == self.internal_target.bool()).double().mean(-1),
                "internal_margin": (sign * logits).double().mean(-1), "internal_norm": readout.double().sqrt()}


@dataclass(frozen=True)
class Fits:
    """Networks fitted from scratch to the goal and to the proxy at one decay: per function, [fits] values of
    the weight norm, the on-distribution loss and the off-distribution proxy agreement (which function a fit
    implements)."""

    decay: float
    norm: dict[str, np.ndarray]
    loss: dict[str, np.ndarray]
    follows_proxy: dict[str, np.ndarray]

    def objective(self, function: str) -> np.ndarray:
        """What phase 2 minimises, on-distribution loss + wd/2 |theta|^2, of the fits to ``function``."""
        return self.loss[function] + self.decay / 2 * self.norm[function] ** 2

    @property
    def gap(self) -> float:
        """The efficiency gap: the proxy's objective minus the goal's (means over fits); positive where the
        goal is the more efficient solution on the capability data."""
        return float(self.objective("proxy").mean() - self.objective("goal").mean())


def fit_goal_and_proxy(pair: Pair, sizes: Sequence[int], decays: Sequence[float], evaluator: Evaluator, seed: int,
                       fits: int = 2, batch: int = 128, init_scale: float = 1.0) -> list[Fits]:
    """Varma et al.'s efficiency, measured: for each decay > 0, ``fits`` networks learn the goal and as many
    the proxy (paired: the same inits and inputs), from scratch on inputs from everywhere with SGD and L2 decay
    until lr * wd * steps = FIT_CLOCK, and are scored on ``evaluator``'s fixed sets."""
    import torch
    import torch.nn.functional as F

    from ..methods.base import MethodStack
    from ..nets import BatchedMLP, ReplicaStream, replica_generators
    from ..training import TrainingStep, make_optimizer

    decays = [d for d in decays if d > 0]
    arms = [(d, function, k) for d in decays for function in ("goal", "proxy") for k in range(fits)]
    model = BatchedMLP(len(arms), sizes, seed, init_scale, replica_ids=[k for *_, k in arms])
    parameters = dict(model.named_parameters())
    to_goal = torch.tensor([function == "goal" for _, function, _ in arms])
    stream = ReplicaStream(lambda n, g: pair.sample(n, "all", g), replica_generators(seed, fits, FIT_STREAM), batch,
                           base=[k for *_, k in arms], chunk=CHUNK)
    decay = torch.tensor([d for d, *_ in arms], dtype=torch.float64)
    step = TrainingStep(MethodStack([]), make_optimizer("sgd", parameters.values(), FIT_LR, decay))
    ctx = TrainContext(world=None, parameters=parameters, model=model, replica_dim=0)

    def loss(parts):
        x, goal, proxy = parts[0]
        return [[F.binary_cross_entropy_with_logits(model(x)[0][..., 0], torch.where(to_goal[:, None], goal, proxy),
                                                    reduction="none").mean(-1)]]

    for _ in range(math.ceil(FIT_CLOCK / (FIT_LR * min(decays)))):
        step(ctx, stream.next(), loss)
    measured = {name: values.reshape(len(decays), 2, fits) for name, values in evaluator(model).items()}
    return [Fits(d, *({"goal": measured[name][i, 0], "proxy": measured[name][i, 1]}
                      for name in ("weight_norm", "on_loss", "off_proxy_agreement")))
            for i, d in enumerate(decays)]


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
        and the table (up to 12 metrics and a method's per replica and recorded step)."""
        evaluation = 4 * 2 * config.replicas * config.eval_size * (config.width * config.depth + 2)
        data = 4 * 2 * config.replicas * CHUNK * config.batch * (config.goal_features + config.distractors + 2)
        rows = 14 * config.replicas * config.record.count(config.capability.steps)
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

    def task_loss(self, batch: LabelledBatch, aligning: bool = False):
        """The goal output's loss; in phase 2 (not ``aligning``) with ``new_skill`` the skill output's too, so
        the skill is new when phase 2 starts; while ``aligning`` (phase 1 only) the internal objective's, the
        last output: phase 2's loss never reads it. Per replica."""
        out = self.model(batch.x)[0]
        loss = mean_bce(out[..., 0], batch.goal)
        if self.config.new_skill and not aligning:
            loss = loss + mean_bce(out[..., 1], self.pair.skill(batch.x))
        if aligning and self.pair.internal != "off":
            loss = loss + mean_bce(out[..., -1], self.pair.internal_labels(batch.x, batch.goal))
        return loss

    def train(self, methods: MethodStack, phase: Phase, weight_decay, stream, bar, aligning: bool = False,
              before_step=None) -> None:
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
                step(self.ctx, LabelledBatch(*stream.next()),
                     lambda parts: [[self.task_loss(p, aligning)] for p in parts])
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
        outputs = 1 + cfg.new_skill + (cfg.internal != "off")
        held_out = None  # per aligned replica, the disagreement patterns its alignment data leave out
        if cfg.alignment_holdout:
            patterns = pair.disagreement_patterns()
            held_out = torch.stack([patterns[torch.randperm(len(patterns), generator=g)[:cfg.alignment_holdout]]
                                    for g in replica_generators(self.seed, bases, HOLDOUT_STREAM)])
        self.held_out = None if held_out is None else held_out[fan]  # per replica
        evaluate = self.evaluator = Evaluator(pair, cfg.eval_size, self.seed, cfg.new_skill, self.held_out)
        bar = progress.bar(cfg.alignment.steps + cfg.capability.steps, "simplicity")

        def labelled(where):
            return lambda n, generator: pair.sample(n, where, generator)[:2]  # inputs and goal labels

        self.model = BatchedMLP(len(bases), [pair.dim] + [cfg.width] * cfg.depth + [outputs], self.seed,
                                cfg.init_scale)
        everywhere = ReplicaStream(labelled("all"), replica_generators(self.seed, bases, ALIGNMENT_STREAM), cfg.batch,
                                   chunk=CHUNK)
        self.train(MethodStack([]), cfg.alignment, cfg.alignment.weight_decay, everywhere, bar, aligning=True)

        self.model = self.model.select(fan)
        excluded = [None] * len(bases) if held_out is None else held_out
        pools = [pair.sample(cfg.alignment_data, "off", g, exclude)[:2]
                 for g, exclude in zip(replica_generators(self.seed, bases, POOL_STREAM), excluded)]
        self.pool = ExamplePool(*(torch.stack(t)[fan] for t in zip(*pools)))
        self.alignment_calls = 0
        capability = ReplicaStream(labelled("on"), replica_generators(self.seed, bases, CAPABILITY_STREAM),
                                   cfg.batch, base=fan, chunk=CHUNK)
        decay = torch.tensor([d for d in decays for _ in bases], dtype=torch.float64)
        crossing = Crossing(cfg.replicas)
        record_at = set(cfg.record.steps(cfg.capability.steps).tolist())
        efficiency = self.efficiency(decay.numpy()) if cfg.efficiency and any(decays) else {}

        def record(t):
            if t in record_at:
                measured = evaluate(self.model)
                measured["crossing_step"] = crossing.update(t, measured["off_goal_agreement"])
                if t == 0:
                    measured.update(efficiency)
                recorder.record(t, {**measured, "weight_decay": decay.numpy(), **self.methods.metrics(self.ctx)})

        self.train(self.methods, cfg.capability, decay, capability, bar, before_step=record)
        bar.close()

    def efficiency(self, decay: np.ndarray) -> dict[str, np.ndarray]:
        """Per replica, of its decay (NaN at 0): the efficiency gap and the fitted goal and proxy networks'
        weight norms (:func:`fit_goal_and_proxy`, the world's architecture, scored on its evaluation sets)."""
        cfg, pair = self.config, replace(self.pair, internal="off")
        sizes = [pair.dim] + [cfg.width] * cfg.depth + [1]
        fits = {f.decay: f for f in fit_goal_and_proxy(pair, sizes, np.unique(decay).tolist(),
                                                       Evaluator(pair, cfg.eval_size, self.seed, False), self.seed,
                                                       init_scale=cfg.init_scale)}

        def per_replica(figure):
            return np.array([figure(fits[d]) if d > 0 else np.nan for d in decay])

        return {"efficiency_gap": per_replica(lambda f: f.gap),
                "goal_fit_norm": per_replica(lambda f: f.norm["goal"].mean()),
                "proxy_fit_norm": per_replica(lambda f: f.norm["proxy"].mean())}

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
        and accuracy, weight norm (and where configured: the new skill's accuracy, goal agreement on the held-out
        patterns, the efficiency gap and fitted norms, the internal objective's agreement and readout norm over
        its start); and the law of crossing time against decay, a line on log-log axes fitted to the decays
        whose median replica crossed (t = prefactor * wd^exponent); slip-through over all replicas (crossed while
        the on-distribution accuracy read at least 0.95)."""
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
            if config.alignment_holdout:
                heldout = final.loc[replicas, "heldout_goal_agreement"]
                figures[f"heldout_goal_agreement/{key}"] = heldout.mean()
                figures[f"heldout_crossed_fraction/{key}"] = (heldout < CROSSING).mean()
            if config.efficiency and decay > 0:
                figures.update({f"{name}/{key}": start.loc[replicas, name].mean()
                                for name in ("efficiency_gap", "goal_fit_norm", "proxy_fit_norm")})
            if config.internal != "off":
                figures[f"internal_agreement/{key}"] = final.loc[replicas, "internal_agreement"].mean()
                figures[f"internal_norm_ratio/{key}"] = (final.loc[replicas, "internal_norm"]
                                                         / start.loc[replicas, "internal_norm"]).mean()
            if decay > 0 and median is not None:
                fitted[decay] = median
        law = fit_line(np.log10(list(fitted)), np.log10(list(fitted.values()))) if len(fitted) >= 2 else None
        figures.update({
            "crossing_law_decays": len(fitted),
            "crossing_law_exponent": law.slope if law else None,
            "crossing_law_prefactor": 10 ** law.intercept if law else None,
            "crossing_law_r2": law.r2 if law and len(fitted) > 2 else None,  # two points fit any line
        })
        figures.update(slip_from_table(metric_frame(table, "off_goal_agreement"), on_accuracy, CROSSING,
                                       SLIP_ON_ACCURACY))
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
