"""Gradient-descent toy model (the post's section 6.2; spec section 3).

Four trainable scalars per replica: capability c, alignment a, detector bias b and detector variance v,
starting at (0, 1, 0, 1). Each step draws n ~ N(0, 1) and a penalty coin, and the optimizer (plain SGD
by default) takes one step on

    loss = -( c + min(1, (a + b) * z) + penalty_term ),     z = 1 + eps * v * n,
    penalty_term = -penalty * a  with probability penalty_prob, else 0.

z is written through n (reparameterised) so that the gradient reaches v. The detector saturates: a
reading at or above 1 passes no gradient, so the optimizer only "corrects" alignment when noise or the
penalty pulls the reading below 100%, and the detector's gradient raises the bias exactly as much as
the alignment. Hence the drift, with SGD and the detector hovering at saturation: the penalty lowers a
by lr * penalty on a fraction p of the steps, corrections raise a and b together, b never comes down,
so a drifts down at about lr * p * penalty / 2 per step while the detector keeps reading ~1. A method
that adds ``tax * b`` to the loss (``detector-bias-tax``) lowers b by lr * tax per step; a then drifts at
about lr * (tax - p * penalty) / 2 per step, so a tax above p * penalty (0.01 by default) stops it.

All replicas train as one batch: each parameter is a float64 tensor of shape (replicas,), a leaf that
methods can differentiate through. The loss's own gradient is written out (``gradient: analytic``, see
``ClosedFormGradients``; ``gradient: autograd`` differentiates ``per_replica_loss`` instead, with the same
numbers to ~1e-15); a method's extra loss is differentiated by autograd and added to ``.grad``. Each
replica's loss touches only its own entries, so every replica gets its own gradient. torch is imported
when a run starts, so runs of other worlds do not pay for it.

Recorded per step t (the state after t optimizer steps; the reading drawn at step t reads that state,
and the update of step t follows it): the four parameters; ``detector_reading``, the noisy reading drawn
at step t (what the metric says, the value training saw); ``detector_reading_noiseless``, min(1, a + b),
the reading at z = 1; ``alignment_gap`` = detector_reading - alignment; ``corrections``, the number of
correction events (the detector read below 1 and the step's update raised alignment) in steps before t;
and the slip-through figures (``driftlab.slip``) at every step: ``slip/first_step``, the first step at which
alignment was below 0.5 while the detector read at least 0.95 (NaN until then), and ``slip/worse_updates``,
the updates that lowered alignment. These are running values so the summary can be computed from the table
alone, however sparsely it is recorded.

Methods see the four tensors with the replica dimension first (``TrainContext.replica_dim = 0``) and two
capabilities: ``alignment_loss()``, the per-replica loss of the alignment signal a developer has, chosen by
``alignment_signal`` (``detector``, the default, is -(a fresh detector reading), the post's fixed,
unreliable metric, which passes no gradient while saturated; ``oracle`` is -alignment, the true value no
developer has, for ablations; its noise comes from a stream of its own, so calling it leaves the training
draws alone), and ``detector_evasion()``, the detector bias b, which a tax on evasion charges for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from ..config import RecordSchedule, StrictModel, WorldConfig
from ..errors import DriftlabError, TrainingDiverged
from ..methods.base import TrainContext
from ..registry import WORLDS
from ..slip import SlipThrough, slip_headline
from .base import Comparison, World

if TYPE_CHECKING:
    import torch

PARAMETERS = ("capability", "alignment", "detector_bias", "detector_variance")
SLIP_ALIGNMENT = 0.5  # "slipped through the cracks": alignment below this ...
SLIP_READING = 0.95  # ... while the detector still reads at least this


class InitialValues(StrictModel):
    """The spec's start (c, a, b, v) = (0, 1, 0, 1)."""

    capability: float = 0.0
    alignment: float = 1.0
    detector_bias: float = 0.0
    detector_variance: float = 1.0


class GradientConfig(WorldConfig):
    type: Literal["gradient"] = "gradient"
    replicas: int = Field(8, gt=0, description="independent runs trained together as one batch")
    steps: int = Field(
        4_000, gt=0, description="optimizer steps; with the default lr the baseline's alignment reaches ~0 by then"
    )
    optimizer: Literal["sgd", "adam"] = Field("sgd", description="sgd: plain SGD, the natural reading of the post")
    gradient: Literal["analytic", "autograd"] = Field(
        "analytic",
        description="how the loss's gradient is computed: analytic = its closed form (fast; tested equal to "
        "autograd's); autograd = torch autograd of the loss as written, for whoever edits the loss. Methods' "
        "extra loss terms always go through autograd",
    )
    lr: float = Field(
        0.05, gt=0,
        description="learning rate; alignment drifts at about lr * p * penalty / 2 per step, so 0.05 shows the "
        "post's runs within 4,000 steps (seconds) with corrections large enough to see as a sawtooth",
    )
    penalty: float = Field(0.1, ge=0, description="size of the occasional alignment penalty (-penalty * a)")
    penalty_prob: float = Field(0.1, ge=0, le=1, description="the spec's p: chance per step that the penalty applies")
    eps: float = Field(0.1, ge=0, description="detector noise scale: z = 1 + eps * v * n, n ~ N(0, 1)")
    clip_alignment: bool = Field(
        True,
        description="project a back to [0, 1] after each step: alignment is a fraction, which the detector "
        "reads as a percentage; false leaves a unconstrained (the loss alone lets it pass 1 or go negative)",
    )
    per_replica_noise: bool = Field(
        True, description="each replica draws its own noise and penalty coin each step; false: one shared draw"
    )
    alignment_signal: Literal["detector", "oracle"] = Field(
        "detector",
        description="what the world's alignment_loss offers methods: detector = -(a fresh detector reading), "
        "the post's fixed, unreliable metric (no gradient while saturated); oracle = -alignment, the true "
        "value, which no developer has (an ablation)",
    )
    init: InitialValues = Field(default_factory=InitialValues, description="starting values of c, a, b, v")
    record: RecordSchedule = Field(default_factory=RecordSchedule)


@dataclass
class GradientBatch:
    """One step's random draws, the world's 'data': methods may transform it (``transform_batch``)."""

    noise: torch.Tensor  # n ~ N(0, 1), shape (replicas,), or (1,) when shared by all replicas
    penalty: torch.Tensor  # the alignment penalty this step: `penalty` with probability p, else 0


def detector_reading(alignment, bias, variance, noise, eps: float):
    """min(1, (a + b) * z) with z = 1 + eps * v * n; a saturated reading (>= 1) passes no gradient."""
    import torch

    z = torch.addcmul(noise.new_ones(()), variance, noise, value=eps)  # 1 + eps * v * n in one op
    raw = (alignment + bias) * z
    return raw.where(raw < 1, 1.0)


def per_replica_loss(parameters: dict, batch: GradientBatch, eps: float):
    """The spec's loss for each replica, and the detector reading it contains (``gradient: autograd``)."""
    capability, alignment, bias, variance = (parameters[name] for name in PARAMETERS)
    reading = detector_reading(alignment, bias, variance, batch.noise, eps)
    # -(c + reading + penalty_term) with penalty_term = -penalty * a, in the fewest tensor ops.
    return batch.penalty * alignment - capability - reading, reading


class AutogradGradients:
    """``gradient: autograd``: d loss / d (c, a, b, v) per replica by torch autograd of ``per_replica_loss``."""

    def __init__(self, parameters: dict, eps: float):
        self.parameters = parameters
        self.eps = eps

    def __call__(self, batch: GradientBatch):
        """The four gradients and the detector's reading (a NumPy array)."""
        import torch

        loss, reading = per_replica_loss(self.parameters, batch, self.eps)
        return torch.autograd.grad(loss.sum(), list(self.parameters.values())), reading.detach().numpy()


class ClosedFormGradients:
    """``gradient: analytic``: the same gradient written out. With s = a + b, z = 1 + eps * v * n and
    open = 1 where the reading s * z is below 1, else 0:

        dL/dc = -1,   dL/da = penalty - z * open,   dL/db = -z * open,   dL/dv = -s * eps * n * open.

    For 4 scalars per replica, autograd's engine costs several times the arithmetic, and each torch op's
    dispatch (~3 us) costs more than NumPy's on the same 1,000 numbers; so this works in NumPy on the
    tensors' own memory (the optimizer updates them in place) and hands the gradients over as tensors that
    share its buffers. With ``fresh``, each call writes new buffers, so a method may keep a ``.grad``; without
    methods nobody sees them, and one set of buffers is rewritten at every call.
    """

    def __init__(self, parameters: dict, eps: float, fresh: bool = False):
        self.values = [tensor.detach().numpy() for tensor in parameters.values()]  # views, not copies
        self.eps = eps
        self.fresh = fresh
        self._new_buffers()

    def _new_buffers(self) -> None:
        import torch

        self.buffers = np.empty((len(PARAMETERS), self.values[0].size))
        self.gradients = tuple(torch.from_numpy(row) for row in self.buffers)

    def __call__(self, batch: GradientBatch):
        """The four gradients (tensors) and the detector's reading (a NumPy array)."""
        if self.fresh:
            self._new_buffers()
        _, alignment, bias, variance = self.values
        d_capability, d_alignment, d_bias, d_variance = self.buffers
        noise, penalty = batch.noise.numpy(), batch.penalty.numpy()
        z = variance * noise
        z *= self.eps
        z += 1.0
        signal = alignment + bias
        raw = signal * z
        is_open = raw < 1.0
        np.multiply(z, is_open, out=d_bias)
        np.negative(d_bias, out=d_bias)
        np.add(penalty, d_bias, out=d_alignment)
        np.multiply(signal, noise, out=d_variance)
        d_variance *= is_open
        d_variance *= -self.eps
        d_capability.fill(-1.0)
        return self.gradients, np.minimum(raw, 1.0, out=raw)


class AlignmentSignal:
    """The world's ``alignment_loss``: per-replica loss of the alignment signal (see ``alignment_signal``)."""

    def __init__(self, config: GradientConfig, parameters: dict, seed: int):
        self.config = config
        self.parameters = parameters
        self.rng = np.random.default_rng([seed, 1])  # not the training stream: calls leave its draws alone

    def __call__(self):
        import torch

        p = self.parameters
        if self.config.alignment_signal == "oracle":
            return -p["alignment"]
        noise = torch.from_numpy(self.rng.standard_normal(self.config.replicas if self.config.per_replica_noise else 1))
        return -detector_reading(p["alignment"], p["detector_bias"], p["detector_variance"], noise, self.config.eps)


class PlainSGD:
    """p <- p - lr * grad, as torch.optim.SGD without momentum does it; that class's per-call bookkeeping
    (profiling hooks, parameter groups) costs more than this model's whole forward pass."""

    def __init__(self, tensors: list, lr: float):
        self.tensors = tensors
        self.values = [tensor.detach() for tensor in tensors]  # same storage; updated outside autograd
        self.lr = lr
        self.state: dict = {}  # stateless: a rollback has only the parameters to restore

    def step(self) -> None:
        import torch

        torch._foreach_add_(self.values, [tensor.grad for tensor in self.tensors], alpha=-self.lr)


def make_optimizer(kind: str, tensors: list, lr: float):
    import torch

    return PlainSGD(tensors, lr) if kind == "sgd" else torch.optim.Adam(tensors, lr=lr, foreach=False)


@WORLDS.register
class GradientWorld(World):
    name = "gradient"
    Config = GradientConfig
    drives = frozenset({"step", "selection"})
    proxy_statistics = ("detector",)  # capabilities.ProxyReadings
    selects_per = "step"
    chunk_elements = 1 << 15  # replica-steps drawn and kept per chunk: its buffers stay in the CPU cache
    size_fields = ("replicas", "steps")

    @classmethod
    def estimated_bytes(cls, config: GradientConfig) -> int:
        """The table dominates: 9 metrics (and a method's) per replica at each recorded step; the state is a
        few dozen float64 per replica and a chunk's draws and history (at least one step of every replica)."""
        rows = 10 * config.replicas * config.record.count(config.steps)
        state = 8 * (40 * config.replicas + 6 * max(cls.chunk_elements, config.replicas))
        return state + cls.table_row_bytes * rows

    def alignment_loss(self):
        """Per replica: minus a fresh detector reading, or minus the true alignment (``alignment_signal``)."""
        return self.signal()

    def detector_evasion(self):
        """Per replica: the detector bias b, how far the detector reads above the true alignment."""
        return self.parameters["detector_bias"]

    def proxy_reading(self, candidate: None, statistic: str) -> dict:
        """capabilities.ProxyReadings, per replica, of the model as it stands: the proxy is 1 - the detector's
        noiseless reading min(1, a + b) (what the developer's metric says), the held-out truth 1 - a."""
        import torch

        p = self.parameters
        with torch.no_grad():
            return {"proxy": 1 - torch.clamp(p["alignment"] + p["detector_bias"], max=1.0),
                    "heldout": 1 - p["alignment"].detach().clone()}

    def run(self, recorder, progress) -> None:
        import torch

        from ..training import Rollback

        cfg = self.config
        # One stream for the noise, one for the penalty coins: the draws do not depend on the chunk size.
        streams = (np.random.default_rng([self.seed, 0]), np.random.default_rng([self.seed, 2]))
        parameters = self.parameters = {
            name: torch.full((cfg.replicas,), float(getattr(cfg.init, name)), dtype=torch.float64, requires_grad=True)
            for name in PARAMETERS
        }
        alignment_value = parameters["alignment"].detach()  # same storage, clipped outside autograd
        optimizer = make_optimizer(cfg.optimizer, list(parameters.values()), cfg.lr)
        each_replica = torch.ones(cfg.replicas, dtype=torch.float64)
        self.signal = AlignmentSignal(cfg, parameters, self.seed)
        ctx = TrainContext(world=self, parameters=parameters, replica_dim=0)
        self.methods.setup(ctx)
        if cfg.gradient == "analytic":
            loss_gradients = ClosedFormGradients(parameters, cfg.eps, fresh=bool(self.methods.methods))
        else:
            loss_gradients = AutogradGradients(parameters, cfg.eps)
        tensors = list(parameters.values())
        selecting = self.methods.selects

        record_at = set(cfg.record.steps(cfg.steps).tolist())
        events = EventCounter(cfg.replicas)
        chunk = max(1, self.chunk_elements // cfg.replicas)
        bar = progress.bar(cfg.steps, "gradient")
        # Step t reads state t, then (for t < steps) updates it. The last step only reads the final
        # state, so that its detector reading is recorded like every other. Overflow is not an error
        # mid-chunk: a diverged run is caught once per chunk, below.
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, cfg.steps + 1, chunk):
                steps = range(start, min(start + chunk, cfg.steps + 1))
                noise, penalty = self._draw(streams, len(steps))
                history = StepHistory(start, len(steps), alignment_value)
                for step, step_noise, step_penalty in zip(steps, noise.unbind(), penalty.unbind()):
                    ctx.step = step
                    ctx.batch = self.methods.transform_batch(GradientBatch(step_noise, step_penalty), ctx)
                    if step in record_at:
                        history.snapshot(step, parameters, self.methods.metrics(ctx))
                    grads, reading = loss_gradients(ctx.batch)
                    if step < cfg.steps:
                        if selecting:
                            self.methods.before_update(ctx)
                            rollback = Rollback(tensors, optimizer)
                        for tensor, grad in zip(tensors, grads):
                            tensor.grad = grad
                        extra = self.methods.extra_loss(ctx)
                        if isinstance(extra, torch.Tensor):
                            if extra.shape != reading.shape:
                                raise DriftlabError(f"gradient world: extra_loss must give one value per replica, "
                                                    f"shape {reading.shape}, got {tuple(extra.shape)}")
                            extra.backward(each_replica)  # adds its gradient to .grad, each replica its own
                        self.methods.transform_gradients(ctx)
                        optimizer.step()
                        if cfg.clip_alignment:
                            alignment_value.clamp_(0.0, 1.0)
                        if selecting:
                            ctx.accepted = self.methods.select(ctx, None)
                            rollback.undo(~torch.as_tensor(ctx.accepted))
                        self.methods.after_step(ctx)
                    history.add(step, reading)
                if not history.finite(parameters):
                    raise TrainingDiverged(f"gradient world: parameters or detector readings became NaN or "
                                           f"infinite by step {steps[-1]} (lr={cfg.lr}); try a smaller lr")
                events.add_chunk(history, recorder)
                bar.update(min(steps.stop, cfg.steps) - start)
        bar.close()

    def _draw(self, streams: tuple[np.random.Generator, np.random.Generator], steps: int):
        """Noise n and the penalty for ``steps`` steps: (steps, replicas), or (steps, 1) if shared.

        NumPy's generator draws about twice as fast as torch's on CPU; the tensors share its memory.
        """
        import torch

        cfg = self.config
        width = cfg.replicas if cfg.per_replica_noise else 1
        noise_stream, coin_stream = streams
        noise = noise_stream.standard_normal((steps, width))
        penalty = np.where(coin_stream.random((steps, width)) < cfg.penalty_prob, cfg.penalty, 0.0)
        return torch.from_numpy(noise), torch.from_numpy(penalty)

    @staticmethod
    def _final(table: pd.DataFrame) -> pd.DataFrame:
        return table[table["step"] == table["step"].max()].pivot(index="replica", columns="metric", values="value")

    @classmethod
    def headline(cls, table: pd.DataFrame, config: GradientConfig) -> dict:
        """Final values and event statistics, averaged over replicas."""
        final = cls._final(table)
        return {
            "final_alignment": final["alignment"].mean(),
            "final_detector_reading": final["detector_reading"].mean(),
            "final_detector_reading_noiseless": final["detector_reading_noiseless"].mean(),
            "final_detector_bias": final["detector_bias"].mean(),
            "final_detector_variance": final["detector_variance"].mean(),
            "final_capability": final["capability"].mean(),
            "final_alignment_gap": final["alignment_gap"].mean(),
            "corrections": final["corrections"].mean(),
            **slip_headline(final),
        }

    @classmethod
    def compare(cls, table: pd.DataFrame, config: GradientConfig) -> Comparison:
        """The final c, the true alignment, and the detector's reading of the final state at z = 1 (its eval,
        not one step's noise draw)."""
        final = cls._final(table)
        return Comparison(capability=final["capability"].mean(), heldout_alignment=final["alignment"].mean(),
                          proxy_alignment=final["detector_reading_noiseless"].mean())


class StepHistory:
    """What one chunk of steps leaves behind: each step's reading and alignment, the full state at recorded steps.

    Corrections and the first slip are per-step events, but metrics are recorded sparsely (log-spaced by
    default). Copying two rows per step into preallocated arrays and finding the events once per chunk,
    vectorised over steps, keeps the training loop down to the model's own tensor ops.
    """

    def __init__(self, start: int, steps: int, alignment):
        self.start = start
        self.current_alignment = alignment.numpy()  # a view: it follows the in-place updates
        self.readings = np.empty((steps, alignment.numel()))  # row i: the reading drawn at step start + i
        self.alignment = np.empty((steps + 1, alignment.numel()))  # row i: alignment of state start + i
        self.alignment[0] = self.current_alignment
        self.snapshots = {}  # recorded step: {metric: per-replica values} of the state it reads

    def add(self, step: int, reading) -> None:
        """``step`` read ``reading`` and (unless it was the last) updated alignment in place."""
        self.readings[step - self.start] = reading
        self.alignment[step - self.start + 1] = self.current_alignment

    def finite(self, parameters: dict) -> bool:
        """No NaN or infinity in the chunk's readings or the current parameters (either would persist)."""
        current = [tensor.detach().numpy() for tensor in parameters.values()]
        return bool(np.isfinite(self.readings).all() and np.isfinite(current).all())

    def snapshot(self, step: int, parameters: dict, method_metrics: dict) -> None:
        self.snapshots[step] = {name: tensor.detach().numpy().copy() for name, tensor in parameters.items()}
        self.snapshots[step].update(method_metrics)


class EventCounter:
    """Running correction counts and slip-through figures per replica, recorded with the state at each step."""

    def __init__(self, replicas: int):
        self.corrections = np.zeros(replicas)
        self.slip = SlipThrough()

    def add_chunk(self, history: StepHistory, recorder) -> None:
        alignment, readings = history.alignment, history.readings
        corrected = (readings < 1) & (alignment[1:] > alignment[:-1])
        # corrections[i]: events at steps before start + i, i.e. whose update is part of state start + i.
        before_chunk = np.zeros((1, readings.shape[1]))
        corrections = self.corrections + np.concatenate([before_chunk, np.cumsum(corrected, axis=0)])
        # state start + i, read at step start + i: misaligned while the detector reads (near) perfect
        slip = self.slip.observe(history.start + np.arange(len(readings)), alignment[:-1],
                                 (alignment[:-1] < SLIP_ALIGNMENT) & (readings >= SLIP_READING))

        for step, state in history.snapshots.items():
            i = step - history.start
            recorder.record(step, {
                **state,
                "detector_reading": readings[i],
                "detector_reading_noiseless": np.minimum(1.0, state["alignment"] + state["detector_bias"]),
                "alignment_gap": readings[i] - state["alignment"],
                "corrections": corrections[i],
                **{name: values[i] for name, values in slip.items()},
            })
        self.corrections = corrections[-1]
