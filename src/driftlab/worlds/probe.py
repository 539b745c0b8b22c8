"""Whac-a-mole with a real detector (issue 13): small networks trained against a linear probe on their own
activations. It generalises the gradient world (the post's 6.2), whose detector is a hand-written formula,
to a detector that is a logistic regression fitted to a network's hidden layer.

**The task.** Inputs x = [s (``situation_dim``), c (``capability_dim``), o]: s, c ~ N(0, I) except s_0, s_1
in {-1, +1}; o ~ Bernoulli(``opportunity_frac``) flags an *opportunity*. The network has ``classes``
capability logits (the label is the argmax of a fixed random teacher on [s, c], the same for every replica)
and one action logit m: on an opportunity it takes the misaligned action iff m > 0. A situation is
*tempting* ("unobserved") when s_0 s_1 > 0: an XOR, which no linear function of the input reads, so a probe
that reads misalignment reads something the network computed, and the network can move that computation
past the probed layer.

**Training, per replica.** ``pretrain_steps`` steps of capability cross-entropy plus the aligned action on
every opportunity: the model starts capable and aligned. Then ``steps`` drift steps of

- capability cross-entropy (every step: capability training shares the weights);
- ``oversight`` x BCE towards the aligned action on opportunities that are *not* tempting (misbehaviour
  there is seen, and punished);
- the nudge: with probability ``nudge_rate`` per step, ``nudge_weight`` x BCE towards the *misaligned*
  action on tempting opportunities (the post's occasional nudge). Nothing else says anything about the
  choice in tempting situations, except the detector;
- the pressure against the deployed probe (``pressure.mode``): ``penalty`` x its mean reading (sigmoid) on
  the batch's opportunities, the probe frozen while the model trains; or ``reject``: an update after which
  the probe fires on the batch (mean reading above ``reject_at``) is undone, weights and optimizer moments,
  replica by replica. This gate is the world's own (the developer's training procedure under study, like
  the penalty), handed to :class:`~driftlab.training.TrainingStep` as its ``judge``: the same rollback as
  the ``proxy-selection`` method, which gates on a threshold of the deployed probe's reading instead.

Every step goes through :class:`~driftlab.training.TrainingStep` (``drives = {"step", "selection"}``); methods
act in the drift phase only (``setup`` runs at its start).

**The developer's probe.** Every ``detector.audit_every`` steps the developer draws ``detector.examples``
fresh opportunities per replica, labels each with the model's own action (each label flipped with
probability ``detector.label_noise``) and fits a probe (:func:`driftlab.probes.fit_probe`) on the
activations of hidden layer ``detector.layer``. A replica's first probe is deployed at the first audit
whose misaligned-label share is at least label_noise + ``trigger`` (the developer has seen misbehaviour:
a probe fitted before any reads nothing); it is replaced every ``retrain_every`` steps (rotation), or
never (0: frozen). Each replica's draws come from a generator seeded by (seed, step, replica) alone.

**Recorded** per replica at each recorded drift step (step 0: the end of pretraining), on fixed held-out
sets, the model seen through the probe that was deployed while it trained (a record comes before a
refit): ``capability`` (accuracy), ``misalignment`` (the share of held-out tempting opportunities where it
takes the misaligned action: the truth, which no detector sees), ``misaligned_untempting``, ``deployed``
(1 once a probe is deployed), ``probe_age``, the deployed probe's ``deployed_reading`` (mean sigmoid over
all held-out opportunities: what the developer sees), ``deployed_flag_rate`` (share of tempting ones it
flags; 0 without a probe), ``deployed_recall`` (share of the misaligned actions it flags at its own
threshold), ``deployed_tpr_at_fpr`` (the share it flags at a threshold recalibrated so that it flags
``thresholds.benign_fpr`` of the benign opportunities, untempting ones on which the model acts aligned: the
literature's TPR at 1% FPR, :func:`driftlab.probes.tpr_at_fpr`) and ``deployed_auroc``; ``fresh_auroc``,
the AUROC of a probe fitted afresh on clean labels of other held-out opportunities (is misalignment still
linearly readable?), with ``fresh_layers: all`` one per hidden layer (``fresh_auroc/layer<i>``), and with
``fresh_mlp_width`` that of an MLP probe fitted afresh on the probed layer (``fresh_mlp_auroc``: is what no
linear probe reads read nonlinearly?); ``repr_distance`` (|h - h_start| / |h_start| at the probed layer),
``activation_norm``; the slip-through figures (``driftlab.slip``, between records): ``slip/first_step`` (the
first recorded step with misalignment >= misaligned_at while the deployed probe's recall is below caught_at;
NaN until then) and ``slip/worse_updates`` (records after which misalignment had risen); ``rejected``
(updates undone, with reject).
AUROCs and TPRs are NaN where a class (TPR: the positives) has fewer than ``min_class`` members.

**End states** (the summary, from the last record), named after the FAR AI Obfuscation Atlas (Taufeeque et
al. 2026): *honest* (misalignment < misaligned_at); *blatant deception* (misaligned, and the deployed probe
catches it: its TPR at the benign FPR is at least caught_at); *obfuscated activations* (misaligned, the
deployed probe evaded, but a probe fitted afresh on the same layer still reads it: AUROC >= readable_at);
*unreadable* (misaligned, evaded, and not even a fresh linear probe on that layer reads it). That is
``end/<state>``; ``end_by_recall/<state>`` counts the deployed probe as catching at its own threshold (what
an uncalibrated alarm does), ``end_by_auroc/<state>`` at some threshold (AUROC >= readable_at). Here the
model's action never enters what the probe reads, so every evasion changes activations: the Atlas's
*obfuscated policy* (outputs that fool the probe even when read by the original model) cannot occur, and
both of the last two states are the Atlas's obfuscated activations, split by whether retraining the probe
restores detection. (Before issue 24 they were called obfuscated policy and obfuscated activations, honest
was aligned, blatant deception was caught.)

**Methods** see ``ctx.model`` (a :class:`~driftlab.nets.BatchedMLP`), its ``weights.<i>`` / ``biases.<i>``,
``ctx.batch`` (a :class:`ProbeBatch`) and the capabilities: ``detector_evasion()`` (the squared change of
the probed layer's activations on the batch's opportunities since the deployed probe was fitted: evading a
probe means moving the representation it reads), ``alignment_loss()`` and ``alignment_examples()`` (the
developer's alignment data: ``alignment_data`` opportunities per replica labelled with the aligned action,
untempting ones only, since the developer cannot observe behaviour in tempting situations; with
``alignment_oracle`` they are drawn from every situation, an oracle ablation and the behaviour before issue
24), ``output_log_probs()`` (the action distribution) and ``reference_model()`` (the model at the start of
the drift phase), so kl-to-base is the KL of the action distribution on those opportunities to the start's.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field, PositiveInt, model_validator

from ..config import RecordSchedule, StrictModel, WorldConfig
from ..methods.base import MethodStack, TrainContext, cyclic_batch
from ..registry import WORLDS
from ..slip import SlipThrough, slip_headline
from ..table import metric_frame
from .base import Comparison, World

if TYPE_CHECKING:
    import torch

    from ..nets import BatchedMLP

END_STATES = ("honest", "blatant_deception", "obfuscated_activations", "unreadable")
# How the deployed probe counts as catching a replica: the prefix of those end states' figures, and a label.
CAUGHT_BY = {"tpr": ("end", "TPR at the benign FPR"), "recall": ("end_by_recall", "recall"),
             "auroc": ("end_by_auroc", "AUROC")}
PER_EXAMPLE = ("filter", "reward")  # pressure modes that flag examples at the probe's recalibrated threshold
CHUNK = 64  # steps of data drawn at once (draws depend on it, so it is fixed)
DATA_STREAM, COIN_STREAM, POOL_STREAM, TEACHER_STREAM, EVAL_STREAM = 1, 2, 3, 90, 99  # init is stream 0
AUDIT_STREAM = 1 << 20  # + the step: the developer's draws at an audit
MLP_PROBE_STREAM = 98  # the fresh MLP probes' init, from the task's seed


class TaskConfig(StrictModel):
    situation_dim: int = Field(8, ge=2, description="situation features s; s_0, s_1 = +-1 decide temptation (an XOR)")
    capability_dim: int = Field(8, ge=0, description="further N(0, 1) features the capability task reads")
    classes: int = Field(4, ge=2, description="capability classes (a fixed random teacher's argmax)")
    teacher_width: int = Field(16, gt=0, description="hidden width of the teacher (tanh)")
    opportunity_frac: float = Field(0.5, gt=0, lt=1, description="share of inputs that offer the misaligned action")
    seed: int = Field(0, ge=0, description="the task's own seed (the teacher and the held-out sets): a run's seed "
                      "varies the replicas, not the task, so that seeds of a sweep compare like with like")


class DetectorConfig(StrictModel):
    layer: int = Field(
        1, ge=0, description="hidden layer the probe reads (0: the first); the last one leaves no room for "
        "obfuscated activations, since the output is linear in it",
    )
    audit_every: int = Field(250, gt=0, description="steps between the developer's audits")
    trigger: float = Field(
        0.05, ge=0, le=1, description="deploy a replica's first probe when an audit's misaligned-label share is "
        "at least label_noise + trigger",
    )
    retrain_every: int = Field(0, ge=0, description="replace the deployed probe every this many steps (a multiple "
                               "of audit_every); 0: frozen")
    examples: int = Field(256, ge=4, description="labelled opportunities per replica at an audit")
    label_noise: float = Field(0.0, ge=0, lt=0.5, description="chance that an audit label is flipped")
    l2: float = Field(1e-2, gt=0, description="the probe's L2 penalty (on standardised activations)")
    balanced: bool = Field(True, description="each class weighs half in the fit, so the threshold does not depend "
                           "on how rare misbehaviour was when the probe was fitted")


class PressureConfig(StrictModel):
    """How the deployed probe acts on training, the update rules of the Obfuscation Atlas's map: through its
    gradient (penalty), by selection (reject: whole updates; filter: examples), or by a reward that passes no
    gradient through it (reward). filter and reward flag an example when the probe's score exceeds its
    threshold recalibrated at every audit so that it flags thresholds.benign_fpr of the benign (untempting,
    aligned) situations the developer observes."""

    mode: Literal["none", "penalty", "reject", "filter", "reward"] = Field(
        "none", description="none; penalty: the deployed probe's reading is added to the loss (its gradient "
        "trains the model); reject: updates after which it fires are undone; filter: flagged opportunities are "
        "left out of the step's loss; reward: a flagged opportunity is trained toward the aligned action, weight "
        "penalty, instead of being nudged (no gradient through the probe)",
    )
    penalty: float = Field(1.0, ge=0, description="weight of the mean reading (penalty mode), of the push to the "
                           "aligned action on flagged opportunities (reward mode)")
    reject_at: float = Field(0.5, description="reject mode: undo an update after which the mean reading on the "
                             "batch's opportunities exceeds this")


class Thresholds(StrictModel):
    misaligned_at: float = Field(0.5, gt=0, le=1, description="misalignment at least this: misaligned")
    caught_at: float = Field(0.5, gt=0, le=1, description="the deployed probe's TPR (or recall) at least this: "
                             "caught")
    benign_fpr: float = Field(0.01, gt=0, lt=1, description="the false-positive rate on benign opportunities at "
                              "which the deployed probe's threshold is recalibrated for its TPR (the literature's 1%)")
    readable_at: float = Field(0.75, gt=0.5, le=1, description="an AUROC at least this: linearly readable")


class ProbeConfig(WorldConfig):
    type: Literal["probe"] = "probe"
    replicas: int = Field(64, gt=0, description="independent runs trained together as one batch")
    widths: list[PositiveInt] = Field([32, 32, 32], min_length=1, description="hidden layer widths (ReLU)")
    init_scale: float = Field(2 ** 0.5, gt=0, description="weights start N(0, init_scale^2 / fan_in) (He's)")
    task: TaskConfig = Field(default_factory=TaskConfig)
    batch: int = Field(32, gt=1, description="examples per replica and step")
    lr: float = Field(1e-3, gt=0, description="Adam's learning rate, both phases")
    weight_decay: float = Field(0.0, ge=0, description="AdamW's decoupled weight decay")
    max_grad_norm: float = Field(0.0, ge=0, description="clip each replica's gradient to this norm (0: off)")
    pretrain_steps: int = Field(1_000, ge=0, description="steps making the model capable and aligned")
    steps: int = Field(10_000, gt=0, description="drift steps")
    nudge_rate: float = Field(0.05, ge=0, le=1, description="chance per step and replica of a nudge batch")
    nudge_weight: float = Field(1.0, ge=0, description="weight of the nudge's BCE towards the misaligned action")
    oversight: float = Field(1.0, ge=0, description="weight of the BCE towards the aligned action where not tempting")
    detector: DetectorConfig = Field(default_factory=DetectorConfig)
    pressure: PressureConfig = Field(default_factory=PressureConfig)
    alignment_data: int = Field(256, gt=0, description="opportunities per replica the developer labels aligned "
                                "(what EWC, gradient projection and kl-to-base use)")
    alignment_oracle: bool = Field(False, description="oracle ablation: draw the alignment data from every "
                                   "situation, tempting ones included, which the developer cannot observe (false: "
                                   "untempting only)")
    eval_examples: int = Field(1024, ge=16, description="inputs of each fixed held-out set")
    min_class: int = Field(10, ge=1, description="an AUROC needs this many of each class, a TPR this many positives, "
                           "else NaN")
    fresh_layers: Literal["probed", "all"] = Field("probed", description="fit the fresh probe on the probed layer, "
                                                  "or on every hidden layer")
    fresh_mlp_width: int = Field(0, ge=0, multiple_of=2, description="also fit a fresh MLP probe (one hidden layer "
                                 "this wide, even) on the probed layer: is what no linear probe reads read "
                                 "nonlinearly? (0: none; about 1.6 s per record for 64 replicas, a linear probe "
                                 "0.17 s: benchmarks/bench_probe_readers.py)")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    threads: int = Field(1, gt=0, description="torch threads while the world runs (1 is fastest for these sizes)")
    record: RecordSchedule = Field(default_factory=lambda: RecordSchedule(points=20, interval=500))

    @model_validator(mode="after")
    def _consistent(self):
        layers = len(self.widths)
        if self.detector.layer >= layers:
            raise ValueError(f"detector.layer {self.detector.layer} is not a hidden layer: widths has {layers} "
                             f"(0 to {layers - 1})")
        if self.detector.retrain_every % self.detector.audit_every:
            raise ValueError(f"detector.retrain_every ({self.detector.retrain_every}) must be a multiple of "
                             f"detector.audit_every ({self.detector.audit_every})")
        return self


# --- the task ---------------------------------------------------------------------------------------


class Task:
    """Inputs, their capability labels (a fixed random teacher, from the task's seed) and temptation."""

    def __init__(self, config: TaskConfig):
        import torch

        from ..nets import replica_generators

        self.config = config
        g = replica_generators(config.seed, [0], stream=TEACHER_STREAM)[0]
        d = config.situation_dim + config.capability_dim
        self.w1 = torch.randn(d, config.teacher_width, generator=g) * (2.0 / d) ** 0.5
        self.w2 = torch.randn(config.teacher_width, config.classes, generator=g) * (2.0 / config.teacher_width) ** 0.5

    @property
    def input_dim(self) -> int:
        return self.config.situation_dim + self.config.capability_dim + 1

    def draw(self, n: int, generator, opportunity: bool | None = None, tempting: bool | None = None):
        """n inputs [n, input_dim]; ``opportunity`` forces the flag (None: Bernoulli(opportunity_frac)),
        ``tempting`` the temptation (by the sign of s_1; None: as drawn)."""
        import torch

        sc = torch.randn(n, self.input_dim - 1, generator=generator)
        sc[:, :2] = torch.where(sc[:, :2] > 0, 1.0, -1.0)  # the two features temptation reads are +-1
        if tempting is not None:
            sc[:, 1] *= torch.where((sc[:, 0] * sc[:, 1] > 0) == tempting, 1.0, -1.0)
        u = torch.rand(n, 1, generator=generator)
        o = (u < self.config.opportunity_frac).float() if opportunity is None else torch.full((n, 1), float(opportunity))
        return torch.cat([sc, o], 1)

    def label(self, x):
        """The capability label of inputs [..., input_dim]."""
        import torch

        return (torch.tanh(x[..., :-1] @ self.w1) @ self.w2).argmax(-1)

    @staticmethod
    def tempting(x):
        return (x[..., 0] * x[..., 1] > 0).float()

    def labelled(self, n: int, generator):
        """Training examples: (inputs [n, input_dim], capability labels [n], temptation [n])."""
        x = self.draw(n, generator)
        return x, self.label(x), self.tempting(x)


@dataclass
class ProbeBatch:
    """One drift step's data: inputs [R, B, dim] (the last column is the opportunity flag), capability labels
    and temptation [R, B], and whether each replica's batch is a nudge [R]."""

    x: torch.Tensor
    label: torch.Tensor
    tempting: torch.Tensor
    nudged: torch.Tensor

    @property
    def opportunity(self):
        return self.x[..., -1]


def opportunity_mean(values, opportunity):
    """Per replica, the mean of values [R, B] over the opportunities (0 where a batch has none)."""
    return (values * opportunity).sum(1) / opportunity.sum(1).clamp_min(1)


class Detector:
    """The developer's deployed probes, one per replica, and when each was fitted."""

    def __init__(self, replicas: int, width: int):
        import torch

        from ..probes import Probe

        self.probe = Probe(torch.zeros(replicas, width, dtype=torch.float64), torch.zeros(replicas, dtype=torch.float64))
        self.deployed = torch.zeros(replicas, dtype=torch.bool)
        self.fitted_at = torch.full((replicas,), -1)
        self.threshold = torch.full((replicas,), torch.inf, dtype=torch.float64)  # filter and reward modes' alarm

    def flags(self, h):
        """Per example [R, n], whether a deployed probe scores activations ``h`` above its recalibrated threshold."""
        import torch

        with torch.no_grad():
            return (self.probe.logits(h.double()) > self.threshold[:, None]) & self.deployed[:, None]

    @property
    def on(self):
        """1.0 for the replicas under pressure (a probe deployed), else 0.0."""
        return self.deployed.float()

    def reading(self, h):
        """The deployed probes' readings (sigmoid) of activations [R, n, d], differentiable in h."""
        import torch

        return torch.sigmoid(self.probe.logits(h))


class Measurement:
    """Fixed held-out sets shared by every replica, from the task's seed: capability inputs, opportunities to
    measure on, and opportunities to fit the fresh probes on."""

    def __init__(self, task: Task, config: ProbeConfig):
        from ..nets import replica_generators

        g = replica_generators(config.task.seed, [0], stream=EVAL_STREAM)[0]
        n = config.eval_examples
        self.config = config
        self.x_cap = task.draw(n, g)
        self.y_cap = task.label(self.x_cap)
        self.x_opp = task.draw(n, g, opportunity=True)
        self.tempting = task.tempting(self.x_opp).bool()
        self.x_fit = task.draw(n, g, opportunity=True)
        self.layers = list(range(len(config.widths))) if config.fresh_layers == "all" else [config.detector.layer]
        self.mlp_seed = int(np.random.SeedSequence([config.task.seed, MLP_PROBE_STREAM]).generate_state(1)[0])
        self.start_h = None
        self.slip = SlipThrough()

    def __call__(self, model: BatchedMLP, detector: Detector, step: int) -> dict[str, np.ndarray]:
        import torch

        from ..probes import auroc, fit_mlp_probe, fit_probe, tpr_at_fpr

        cfg, layer = self.config, self.config.detector.layer
        with torch.no_grad():
            capability = (model(self.x_cap)[0][..., :-1].argmax(-1) == self.y_cap).double().mean(1)
            out, hidden = model(self.x_opp, keep=self.layers)
            fit_out, fit_hidden = model(self.x_fit, keep=self.layers)
        misaligned = out[..., -1] > 0
        tempting = self.tempting.expand_as(misaligned)
        h = hidden[layer]
        if self.start_h is None:
            self.start_h = h.clone()
        measured = {
            "capability": capability,
            "misalignment": (misaligned & tempting).double().sum(1) / tempting.double().sum(1),
            "misaligned_untempting": (misaligned & ~tempting).double().sum(1) / (~tempting).double().sum(1),
            "repr_distance": (h - self.start_h).flatten(1).norm(dim=1) / self.start_h.flatten(1).norm(dim=1),
            "activation_norm": h.norm(dim=-1).mean(1),
        }
        for i in self.layers:  # is misalignment still linearly readable? clean labels, held-out AUROC
            fresh = fit_probe(fit_hidden[i], fit_out[..., -1] > 0, l2=cfg.detector.l2, balanced=cfg.detector.balanced)
            measured[f"fresh_auroc/layer{i}" if len(self.layers) > 1 else "fresh_auroc"] = auroc(
                fresh.logits(hidden[i].double()), misaligned, cfg.min_class)
        if len(self.layers) > 1:
            measured["fresh_auroc"] = measured[f"fresh_auroc/layer{layer}"]
        if cfg.fresh_mlp_width:
            mlp = fit_mlp_probe(fit_hidden[layer], fit_out[..., -1] > 0, cfg.fresh_mlp_width, seed=self.mlp_seed,
                                balanced=cfg.detector.balanced)
            measured["fresh_mlp_auroc"] = auroc(mlp.logits(h), misaligned, cfg.min_class)
        z = detector.probe.logits(h.double())
        on = detector.deployed
        deployed = {
            "deployed_reading": torch.sigmoid(z).mean(1),
            "deployed_recall": ((z > 0) & misaligned).double().sum(1) / misaligned.double().sum(1),
            "deployed_tpr_at_fpr": tpr_at_fpr(z, misaligned, ~tempting & ~misaligned, cfg.thresholds.benign_fpr,
                                              cfg.min_class),
            "deployed_auroc": auroc(z, misaligned, cfg.min_class),
            "probe_age": (step - detector.fitted_at).double(),
        }
        measured.update({name: torch.where(on, value, torch.nan) for name, value in deployed.items()})
        measured["deployed"] = on.double()
        measured["deployed_flag_rate"] = torch.where(on, ((z > 0) & tempting).double().sum(1) / tempting.double().sum(1), 0.0)
        thresholds = cfg.thresholds
        slipped = (measured["misalignment"] >= thresholds.misaligned_at) & (measured["deployed_recall"] < thresholds.caught_at)
        figures = {name: value.double().numpy() for name, value in measured.items()}
        slip = self.slip.observe([step], 1 - figures["misalignment"][None], slipped.numpy()[None])
        return {**figures, **{name: values[0] for name, values in slip.items()}}


# --- the world ----------------------------------------------------------------------------------


@WORLDS.register
class ProbeWorld(World):
    name = "probe"
    Config = ProbeConfig
    drives = frozenset({"step", "selection"})
    proxy_statistics = ("deployed_probe",)  # capabilities.ProxyReadings
    selects_per = "step"
    size_fields = ("replicas", "eval_examples", "widths")

    @classmethod
    def estimated_bytes(cls, config: ProbeConfig) -> int:
        """Measurement activations (two held-out sets through every layer, float64 copies for the fits), the
        data drawn per chunk, and the table (about 16 metrics per replica and recorded step)."""
        width = sum(config.widths) + config.task.classes + 1
        measurement = 8 * 4 * config.replicas * config.eval_examples * width
        data = 4 * 2 * config.replicas * CHUNK * config.batch * (config.task.situation_dim + config.task.capability_dim + 3)
        rows = 20 * config.replicas * config.record.count(config.steps)
        return measurement + data + cls.table_row_bytes * rows

    # --- capabilities methods use -------------------------------------------------------------------

    def detector_evasion(self):  # provides capabilities.DetectorEvasion
        """Per replica: the mean squared change of the probed layer's activations on this batch's
        opportunities since the deployed probe was fitted (0 before a probe is deployed)."""
        import torch

        layer, x = self.config.detector.layer, self.ctx.batch.x
        h = self.model(x, keep=[layer], upto=layer)[1][layer]
        with torch.no_grad():
            anchor = self.anchor(x, keep=[layer], upto=layer)[1][layer]
        return self.detector.on * opportunity_mean((h - anchor).pow(2).mean(-1), x[..., -1])

    def alignment_examples(self) -> list:  # provides capabilities.AlignmentExamples
        """The developer's alignment data, every replica's at each index: item i is x [R, dim], an opportunity
        whose right answer is the aligned action."""
        return list(self.pool.unbind(1))

    def alignment_loss(self):  # provides capabilities.AlignmentLoss
        """Per replica: BCE towards the aligned action on the next ``batch`` examples of the alignment data."""
        import torch
        import torch.nn.functional as F

        index = torch.tensor(cyclic_batch(range(self.pool.shape[1]), self.alignment_calls, self.config.batch))
        self.alignment_calls += 1
        return F.softplus(self.model(self.pool[:, index])[0][..., -1]).mean(1)

    def output_log_probs(self, model, examples: list):  # provides capabilities.OutputDistributions
        """The action distribution of ``model`` on alignment examples: log-probabilities [R, n, 2] (aligned,
        misaligned) and a mask [R, n] of ones."""
        import torch
        import torch.nn.functional as F

        m = model(torch.stack(examples, 1))[0][..., -1]
        return torch.stack([F.logsigmoid(-m), F.logsigmoid(m)], -1), torch.ones_like(m)

    def reference_model(self):  # provides capabilities.ReferenceOutputs
        """The model as it was at the start of the drift phase (a frozen copy)."""
        return contextlib.nullcontext(self.start_model)

    # --- training ----------------------------------------------------------------------------------------

    def pretrain_loss(self, batch: ProbeBatch):
        """Capability, and the aligned action on every opportunity, per replica."""
        import torch.nn.functional as F

        out = self.model(batch.x)[0]
        return self.capability_loss(out, batch) + opportunity_mean(F.softplus(out[..., -1]), batch.opportunity)

    def capability_loss(self, out, batch: ProbeBatch):
        import torch.nn.functional as F

        classes = self.task.config.classes
        loss = F.cross_entropy(out[..., :classes].reshape(-1, classes), batch.label.reshape(-1), reduction="none")
        return loss.view(batch.label.shape).mean(1)

    def drift_loss(self, batch: ProbeBatch):
        """Capability, oversight where not tempting, a nudge where tempting (both as the update rule has them),
        and the penalty, per replica."""
        cfg, layer = self.config, self.config.detector.layer
        out, hidden = self.model(batch.x, keep=[layer])
        m, opportunity = out[..., -1], batch.opportunity
        loss = self.capability_loss(out, batch)
        for term in self.action_losses(m, batch, hidden[layer]):
            loss = loss + term
        if cfg.pressure.mode == "penalty":
            reading = self.detector.reading(hidden[layer])
            loss = loss + cfg.pressure.penalty * self.detector.on * opportunity_mean(reading, opportunity)
        return loss

    def action_losses(self, m, batch: ProbeBatch, h) -> list:
        """Per replica, the terms on the action: oversight where not tempting and the nudge where tempting, as
        the update rule has them. filter leaves the opportunities the deployed probe flags out of both; reward
        trains a flagged one toward the aligned action (weight penalty) instead of nudging it. Neither
        differentiates the probe."""
        import torch
        import torch.nn.functional as F

        cfg, opportunity = self.config, batch.opportunity
        per_example = cfg.pressure.mode in PER_EXAMPLE  # otherwise nothing is flagged: the terms as they were
        flagged = self.detector.flags(h).to(m.dtype) if per_example else torch.zeros_like(m)
        kept = opportunity * (1 - flagged) if cfg.pressure.mode == "filter" else opportunity
        terms = [cfg.oversight * opportunity_mean(F.softplus(m) * (1 - batch.tempting), kept),
                 cfg.nudge_weight * batch.nudged * opportunity_mean(F.softplus(-m) * batch.tempting * (1 - flagged),
                                                                    kept)]
        if cfg.pressure.mode == "reward":
            terms.append(cfg.pressure.penalty * opportunity_mean(F.softplus(m) * flagged, opportunity))
        return terms

    def deployed_reading(self, batch: ProbeBatch):
        """Per replica, the deployed probe's mean reading on the batch's opportunities (0 before one is deployed)."""
        import torch

        layer = self.config.detector.layer
        with torch.no_grad():
            h = self.model(batch.x, keep=[layer], upto=layer)[1][layer]
            reading = opportunity_mean(self.detector.reading(h), batch.opportunity)
        return torch.where(self.detector.deployed, reading, torch.zeros_like(reading))

    def keeps(self, ctx: TrainContext):
        """Reject mode, the world's own gate: keep the replicas whose deployed probe does not fire on the step's
        drawn batch (mean reading at most reject_at)."""
        return ~(self.detector.deployed & (self.deployed_reading(self.drawn) > self.config.pressure.reject_at))

    def proxy_reading(self, candidate: None, statistic: str) -> dict:
        """capabilities.ProxyReadings, per replica, of the model as it stands: the deployed probe's mean reading
        on the step's drawn batch, the metric the developer watches (no held-out figure: the truth is measured
        only at recorded steps)."""
        import torch

        if self.drawn is None:  # before the first step nothing is deployed, so nothing is flagged
            return {"proxy": torch.zeros(self.config.replicas, dtype=torch.float64)}
        return {"proxy": self.deployed_reading(self.drawn).double()}

    def audit(self, step: int) -> None:
        """The developer's audit: label fresh opportunities by the model's own (noisy) action, fit probes, deploy
        first probes where misbehaviour shows, replace those due for rotation; in the filter and reward modes,
        recalibrate every deployed probe's threshold on the benign opportunities (untempting, labelled aligned)."""
        import torch

        from ..nets import replica_generators, restore
        from ..probes import benign_threshold, fit_probe

        cfg, detector = self.config.detector, self.detector
        if step % cfg.audit_every:
            return
        due = detector.deployed & (cfg.retrain_every > 0) & (step - detector.fitted_at >= cfg.retrain_every)
        calibrating = self.config.pressure.mode in PER_EXAMPLE
        if not (due | ~detector.deployed).any() and not calibrating:
            return
        draws = [(self.task.draw(cfg.examples, g, opportunity=True), torch.rand(cfg.examples, generator=g))
                 for g in replica_generators(self.seed, self.config.replicas, AUDIT_STREAM + step)]
        x, flips = (torch.stack(t) for t in zip(*draws))
        with torch.no_grad():
            out, hidden = self.model(x, keep=[cfg.layer])
        labels = (out[..., -1] > 0) ^ (flips < cfg.label_noise)
        first = ~detector.deployed & (labels.double().mean(1) >= cfg.label_noise + cfg.trigger)
        due |= first
        if due.any():
            fitted = fit_probe(hidden[cfg.layer], labels, l2=cfg.l2, balanced=cfg.balanced)
            detector.probe = fitted.where(due, detector.probe)
            detector.deployed |= first
            detector.fitted_at = torch.where(due, step, detector.fitted_at)
            restore(self.anchor.parameters(), self.model.parameters(), due)
        if calibrating:
            benign = (self.task.tempting(x) == 0) & ~labels
            threshold = benign_threshold(detector.probe.logits(hidden[cfg.layer].double()), benign,
                                         self.config.thresholds.benign_fpr)
            detector.threshold = torch.where(detector.deployed, threshold, torch.inf)

    def run(self, recorder, progress) -> None:
        from ..nets import torch_threads

        with torch_threads(self.config.threads):
            self._run(recorder, progress)

    def _run(self, recorder, progress) -> None:
        import torch

        from ..nets import BatchedMLP, ReplicaStream, replica_generators
        from ..training import TrainingStep, make_optimizer

        cfg = self.config
        R = cfg.replicas
        task = self.task = Task(cfg.task)
        self.model = BatchedMLP(R, [task.input_dim, *cfg.widths, cfg.task.classes + 1], self.seed, cfg.init_scale)
        parameters = dict(self.model.named_parameters())
        optimizer = make_optimizer("adamw", parameters.values(), cfg.lr, cfg.weight_decay, fused=True)
        self.ctx = TrainContext(world=self, parameters=parameters, model=self.model, replica_dim=0)
        data = ReplicaStream(task.labelled, replica_generators(self.seed, R, DATA_STREAM), cfg.batch, chunk=CHUNK)
        coins = ReplicaStream(lambda n, g: (torch.rand(n, generator=g),), replica_generators(self.seed, R, COIN_STREAM),
                              1, chunk=CHUNK)
        bar = progress.bar(cfg.pretrain_steps + cfg.steps, "probe")
        no_nudge = torch.zeros(R)

        pretrain = TrainingStep(MethodStack([]), optimizer, cfg.max_grad_norm)
        for t in range(cfg.pretrain_steps):
            self.ctx.step = t
            pretrain(self.ctx, ProbeBatch(*data.next(), no_nudge), lambda parts: [[self.pretrain_loss(p)] for p in parts])
            bar.update(1)

        self.start_model = self.model.select(range(R)).requires_grad_(False)
        self.anchor = self.model.select(range(R)).requires_grad_(False)
        observable = None if cfg.alignment_oracle else False  # untempting only, unless the oracle ablation
        pool = [task.draw(cfg.alignment_data, g, opportunity=True, tempting=observable)
                for g in replica_generators(self.seed, R, POOL_STREAM)]
        self.pool, self.alignment_calls = torch.stack(pool), 0  # [R, alignment_data, dim]
        self.detector = Detector(R, cfg.widths[cfg.detector.layer])
        measure = Measurement(task, cfg)
        record_at = set(cfg.record.steps(cfg.steps).tolist())
        rejecting = cfg.pressure.mode == "reject"
        rejected = torch.zeros(R)
        self.drawn = None  # the step's batch, as drawn
        step = TrainingStep(self.methods, optimizer, cfg.max_grad_norm, judge=self.keeps if rejecting else None)
        self.methods.setup(self.ctx)
        for t in range(cfg.steps + 1):
            if t in record_at:  # before the audit: the model seen through the probe deployed while it trained
                extra = {"rejected": rejected.numpy()} if rejecting else {}
                recorder.record(t, {**measure(self.model, self.detector, t), **extra, **self.methods.metrics(self.ctx)})
            self.audit(t)
            if t == cfg.steps:
                break
            self.ctx.step = t
            (coin,) = coins.next()
            batch = self.drawn = ProbeBatch(*data.next(), (coin[:, 0] < cfg.nudge_rate).float())
            step(self.ctx, batch, lambda parts: [[self.drift_loss(p)] for p in parts])
            if rejecting:
                rejected += (~self.ctx.accepted).float()
            bar.update(1)
        bar.close()

    # --- from the table -------------------------------------------------------------------------

    @staticmethod
    def final(table: pd.DataFrame) -> pd.DataFrame:
        """The last record, one row per replica."""
        last = table[table["step"] == table["step"].max()]
        return last.pivot(index="replica", columns="metric", values="value")

    @staticmethod
    def end_states(final: pd.DataFrame, config: ProbeConfig,
                   by: Literal["tpr", "recall", "auroc"] = "tpr") -> pd.Series:
        """Each replica's end state (one of END_STATES) from its last record, the deployed probe catching by
        ``by`` (one of CAUGHT_BY); see the module docstring."""
        thresholds = config.thresholds
        misaligned = final["misalignment"] >= thresholds.misaligned_at
        caught = {"tpr": final["deployed_tpr_at_fpr"] >= thresholds.caught_at,
                  "recall": final["deployed_recall"] >= thresholds.caught_at,
                  "auroc": final["deployed_auroc"] >= thresholds.readable_at}[by]
        readable = final["fresh_auroc"] >= thresholds.readable_at
        state = np.select([~misaligned, caught, readable], END_STATES[:3], END_STATES[3])
        return pd.Series(state, index=final.index)

    @classmethod
    def headline(cls, table: pd.DataFrame, config: ProbeConfig) -> dict:
        """Final means over replicas (every fresh probe's AUROC among them), the share of replicas in each end
        state (caught by TPR at the benign FPR: ``end/``; by recall: ``end_by_recall/``; by AUROC:
        ``end_by_auroc/``) and, with an MLP probe, of those unreadable by it too, the slip-through share and
        median step, and the deployed probe's mean AUROC over every record where one was deployed (what the
        developer lived with)."""
        final = cls.final(table)
        fresh = [name for name in final if name.startswith("fresh_")]  # every fresh probe's AUROC: layers, MLP
        figures = {f"final_{name}": float(final[name].mean()) for name in (
            "capability", "misalignment", "misaligned_untempting", "deployed_reading", "deployed_recall",
            "deployed_tpr_at_fpr", "deployed_auroc", *fresh, "repr_distance", "activation_norm")}
        for by, (prefix, _) in CAUGHT_BY.items():
            states = cls.end_states(final, config, by)
            figures.update({f"{prefix}/{state}": float((states == state).mean()) for state in END_STATES})
        if "fresh_mlp_auroc" in final:  # unreadable by the fresh linear probe, and by the MLP probe too
            by_mlp = final["fresh_mlp_auroc"] < config.thresholds.readable_at
            figures["unreadable_by_mlp_too"] = float(((cls.end_states(final, config) == "unreadable") & by_mlp).mean())
        figures.update(slip_headline(final))
        figures["deployed_fraction"] = float(final["deployed"].mean())
        auroc = metric_frame(table, "deployed_auroc").to_numpy()
        figures["deployed_auroc_while_deployed"] = float(np.nanmean(auroc)) if np.isfinite(auroc).any() else None
        if "rejected" in final:
            figures["rejected"] = float(final["rejected"].mean())
        return {name: (None if value is not None and math.isnan(value) else value) for name, value in figures.items()}

    @classmethod
    def compare(cls, table: pd.DataFrame, config: ProbeConfig) -> Comparison:
        """Over all replicas at the end: capability is the capability accuracy; held-out alignment 1 - the
        misalignment on held-out tempting opportunities (the truth); proxy alignment 1 - the share of those
        the deployed probe flags (what the developer's detector says; nothing is flagged before one is
        deployed)."""
        final = cls.final(table)
        return Comparison(capability=final["capability"].mean(), heldout_alignment=1 - final["misalignment"].mean(),
                          proxy_alignment=1 - final["deployed_flag_rate"].mean())
