"""One training step for every torch world, with the methods' hooks in one fixed order.

A world supplies the batch and how to compute the losses of its parts; :class:`TrainingStep` does the
rest, the same way in every world::

    ctx.batch = methods.transform_batch(batch)              # inoculation, replay
    for part in methods.split_batch(ctx.batch):             # one part unless a method splits it (routing)
        for loss in the part's losses: loss.backward()      # micro-batches accumulate into .grad
        methods.transform_part_gradients(part)              # .grad holds this part's gradient alone
    methods.extra_loss().backward()                         # KL to base, EWC, L2-SP, a tax
    (a loss that is not finite stops the run here)
    methods.transform_gradients()                           # gradient projection
    clip gradients (per replica in batched worlds); set the learning rate; optimizer step (its weight decay)
    selection: the world's own judge and methods.select keep the update or roll it back (per replica)
    methods.after_step()                                    # sees only kept updates

Batched toy worlds give per-replica losses (summed before backward: replicas never share a parameter,
so each gets its own gradient) and clip each replica's gradient on its own.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import torch

from .errors import TrainingDiverged
from .methods.base import MethodStack, TrainContext, all_accept
from .nets import ReplicaWeightDecay, optimizer_state, restore, snapshot


@contextlib.contextmanager
def gradients_apart(parameters: Mapping[str, torch.Tensor]):
    """Inside the block ``.grad`` holds only what is computed inside it; on leaving, the gradients set
    aside on entering are added back. Lets a method edit one part of a batch's gradient on its own."""
    earlier = {name: p.grad for name, p in parameters.items()}
    for p in parameters.values():
        p.grad = None
    yield
    for name, p in parameters.items():
        if earlier[name] is not None:
            p.grad = earlier[name] if p.grad is None else p.grad.add_(earlier[name])


def learning_rate(step: int, total: int, base: float, schedule: str, warmup: int) -> float:
    """Learning rate for optimizer step ``step`` (0-based) of ``total``: linear warm-up, then the schedule."""
    if step < warmup:
        return base * (step + 1) / warmup
    if schedule == "constant":
        return base
    progress = (step - warmup) / max(1, total - warmup)
    if schedule == "linear":
        return base * (1.0 - progress)
    return base * 0.5 * (1.0 + math.cos(math.pi * progress))  # cosine


def make_optimizer(kind: Literal["adamw", "sgd"], tensors: Iterable[torch.Tensor], lr: float,
                   weight_decay: float | torch.Tensor = 0.0, fused: bool = False) -> torch.optim.Optimizer:
    """AdamW (decoupled weight decay) or plain SGD with L2 weight decay. Both act elementwise, so the
    replicas of a batched world are optimized independently. ``weight_decay`` may be a tensor of one decay
    per replica (replicas along dimension 0 of every tensor): see :class:`driftlab.nets.ReplicaWeightDecay`.
    ``fused`` (AdamW): torch's single-kernel step, about 3x faster for small batched networks on a CPU
    (measured), rounding differently from the default."""
    if isinstance(weight_decay, torch.Tensor):
        return ReplicaWeightDecay(make_optimizer(kind, tensors, lr, fused=fused), weight_decay,
                                  decoupled=kind == "adamw")
    if kind == "adamw":
        return torch.optim.AdamW(tensors, lr=lr, weight_decay=weight_decay, fused=fused or None)
    return torch.optim.SGD(tensors, lr=lr, weight_decay=weight_decay)


def clip_gradients(ctx: TrainContext, max_norm: float) -> None:
    """Scale gradients to a total norm of at most ``max_norm``: the whole model's, or each replica's."""
    if ctx.replica_dim is None:
        torch.nn.utils.clip_grad_norm_(ctx.parameters.values(), max_norm)
        return
    grads = [p.grad for p in ctx.parameters.values() if p.grad is not None]
    norm = sum(ctx.replica_sum(g * g) for g in grads).sqrt()
    scale = (max_norm / (norm + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(ctx.spread(scale, g))


class Rollback:
    """A rollback point for one update: the trainable tensors and the optimizer's per-replica state (Adam's
    moments, SGD's momentum), put back for the replicas whose update is rejected, bit for bit. The state an
    optimizer creates on its first step is zeroed for them, which is where it starts. Scalar state shared by
    every replica (Adam's step count) counts the steps attempted."""

    def __init__(self, parameters: Iterable[torch.Tensor], optimizer: torch.optim.Optimizer):
        self.parameters, self.optimizer = list(parameters), optimizer
        self.saved = snapshot([*self.parameters, *optimizer_state(optimizer)])

    def undo(self, rejected: torch.Tensor | bool) -> None:
        """Restore the rejected replicas (``rejected``: [R] bools, or one bool for a single model)."""
        rejected = torch.as_tensor(rejected, device=self.parameters[0].device)
        if not rejected.any():
            return
        count = len(self.parameters)
        state, saved_state = optimizer_state(self.optimizer), self.saved[count:]
        if len(saved_state) != len(state):  # the optimizer created its state in this step: it starts at zero
            assert not saved_state, "the optimizer's state changed shape within a step"
            saved_state = [torch.zeros_like(t) for t in state]
        restore([*self.parameters, *state], [*self.saved[:count], *saved_state], rejected)


class TrainingStep:
    """The optimizer step of a torch world: see the module docstring for the order of everything.

    ``judge(ctx)``: the world's own fixed metric as a gate (the probe world's ``reject`` mode), which bools
    (per replica) it keeps; methods' ``select`` gate the same update. With either, every step snapshots the
    trainable tensors and optimizer state, and a rejected update is rolled back (:class:`Rollback`);
    ``ctx.accepted`` then holds the step's decision."""

    def __init__(self, methods: MethodStack, optimizer: torch.optim.Optimizer, max_grad_norm: float = 0.0,
                 judge: Callable[[TrainContext], torch.Tensor] | None = None):
        self.methods = methods
        self.optimizer = optimizer
        self.max_grad_norm = max_grad_norm
        self.judge = judge

    def __call__(self, ctx: TrainContext, batch: Any,
                 part_losses: Callable[[Sequence[Any]], Sequence[Iterable[torch.Tensor]]],
                 lr: float | None = None) -> torch.Tensor:
        """One step on ``batch``; ``part_losses(parts)`` gives, for each part, its losses to backpropagate
        (computed lazily, one micro-batch at a time). Returns the step's loss: the sum of every loss
        backpropagated, in float64 (per replica in batched worlds)."""
        methods = self.methods
        # per-step selection: the world's own judge, or methods in a world that offers each step (lm: each stage)
        methods_select = methods.selects and getattr(ctx.world, "selects_per", None) == "step"
        selecting = self.judge is not None or methods_select
        if selecting:
            methods.before_update(ctx)
        ctx.batch = methods.transform_batch(batch, ctx)
        parts = methods.split_batch(ctx.batch, ctx)
        total = torch.zeros((), dtype=torch.float64)
        for part, losses in zip(parts, part_losses(parts), strict=True):
            with gradients_apart(ctx.parameters):
                for loss in losses:
                    loss.sum().backward()
                    total = total + loss.detach().double().cpu()
                methods.transform_part_gradients(part, ctx)
        extra = methods.extra_loss(ctx)
        if isinstance(extra, torch.Tensor):
            extra.sum().backward()
        if not torch.isfinite(total).all() or (isinstance(extra, torch.Tensor) and not torch.isfinite(extra).all()):
            where = f"stage {ctx.stage}, step {ctx.step}" if ctx.stage else f"step {ctx.step}"
            raise TrainingDiverged(f"{where}: the loss is not finite (try a smaller learning rate)")
        methods.transform_gradients(ctx)
        if self.max_grad_norm > 0:
            clip_gradients(ctx, self.max_grad_norm)
        if lr is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        rollback = Rollback(ctx.parameters.values(), self.optimizer) if selecting else None
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        if rollback is not None:
            verdicts = [self.judge(ctx)] if self.judge is not None else []
            if methods_select:
                verdicts.append(methods.select(ctx, None))
            ctx.accepted = all_accept(verdicts)
            rollback.undo(~torch.as_tensor(ctx.accepted))
        methods.after_step(ctx)
        return total
