"""Small networks trained as many independent replicas at once: what every batched network world shares.

Every parameter carries a leading replica dimension: weight l is [R, d_l, d_(l+1)], bias l [R, 1, d_(l+1)],
and one layer is one ``torch.baddbmm``, so R small MLPs cost about one kernel per layer instead of R.
Replica r's initial weights and data come from generators seeded by (seed, stream, r) alone, and nothing
mixes replicas (worlds sum the per-replica losses before backward, torch's optimizers act elementwise,
clipping and weight decay are per replica), so a replica's trajectory does not depend on what runs beside it.

Bit for bit, that holds for batches of at least two replicas: torch sends a one-matrix ``bmm`` to ``mm``,
whose kernel for a 1-wide output layer sums in another order, so a batch of one agrees with the same
replica in a larger batch to float32 rounding only (about 1e-7 after hundreds of steps; tested).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise

import numpy as np
import torch


def replica_generators(seed: int, replicas: int | Sequence[int], stream: int = 0) -> list[torch.Generator]:
    """One ``torch.Generator`` per replica, seeded from (seed, stream, r): replica r's draws never depend on
    how many replicas run beside it. ``stream`` separates independent uses (init, each data source)."""
    ids = range(replicas) if isinstance(replicas, int) else replicas
    generators = []
    for r in ids:
        state = np.random.SeedSequence([seed, stream, r]).generate_state(2, np.uint32)
        generators.append(torch.Generator().manual_seed(int(state[0]) << 31 | int(state[1]) >> 1))
    return generators


@contextlib.contextmanager
def torch_threads(threads: int):
    """Run the block with ``threads`` intra-op threads, then restore the setting. Small batched networks gain
    nothing from more than one, and on a busy machine two threads that wait on each other made a training
    step 25 times slower (measured on the 2-core development machine under load)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def spread(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """[R] values shaped to broadcast onto a tensor whose first dimension is the replica."""
    return values.reshape(-1, *([1] * (like.dim() - 1)))


def snapshot(tensors: Iterable[torch.Tensor]) -> list[torch.Tensor]:
    """Detached copies of tensors whose first dimension is the replica: a rollback point or an anchor."""
    return [t.detach().clone() for t in tensors]


@torch.no_grad()
def restore(tensors: Iterable[torch.Tensor], saved: Iterable[torch.Tensor], where: torch.Tensor) -> None:
    """Put ``saved``'s values back into ``tensors`` (in place) for the replicas where ``where`` [R] is true;
    the other replicas keep theirs. Parameters and an optimizer's per-replica state alike."""
    for tensor, value in zip(tensors, saved, strict=True):
        tensor.copy_(torch.where(spread(where, tensor), value, tensor))


def optimizer_state(optimizer) -> list[torch.Tensor]:
    """The optimizer's per-replica state (Adam's moments, SGD's momentum) in a fixed order: what a rollback
    restores with the parameters. Scalar state, such as Adam's step count, is shared by every replica and
    left alone, so bias correction counts the steps attempted."""
    inner = getattr(optimizer, "optimizer", optimizer)  # ReplicaWeightDecay wraps one
    return [v for state in inner.state.values() for v in state.values() if torch.is_tensor(v) and v.dim() > 0]


class BatchedMLP(torch.nn.Module):
    """``replicas`` MLPs with layer sizes ``sizes`` (input, hidden..., output) and ReLU between layers.

    Init: weights N(0, init_scale^2 / fan_in) (init_scale sqrt(2) is He's), biases 0, each replica from its
    own generator (``replica_ids`` name the replicas, so a subset draws what it would among all of them).
    Parameter names are ``weights.<layer>`` and ``biases.<layer>``.
    """

    def __init__(self, replicas: int, sizes: Sequence[int], seed: int, init_scale: float = 1.0,
                 replica_ids: Sequence[int] | None = None):
        super().__init__()
        ids = list(range(replicas)) if replica_ids is None else list(replica_ids)
        if len(ids) != replicas:
            raise ValueError(f"replica_ids has {len(ids)} ids for {replicas} replicas")
        generators = replica_generators(seed, ids, stream=0)
        weights = []
        for d_in, d_out in pairwise(sizes):
            w = torch.stack([torch.randn(d_in, d_out, generator=g) for g in generators])
            weights.append(torch.nn.Parameter(w * (init_scale / d_in ** 0.5)))
        self.weights = torch.nn.ParameterList(weights)
        self.biases = torch.nn.ParameterList(torch.nn.Parameter(torch.zeros(replicas, 1, d)) for d in sizes[1:])

    @property
    def replicas(self) -> int:
        return self.weights[0].shape[0]

    def forward(self, x: torch.Tensor, keep: Sequence[int] = (), upto: int | None = None
                ) -> tuple[torch.Tensor | None, dict[int, torch.Tensor]]:
        """Outputs [R, B, d_out] from inputs [R, B, d_in] (or [B, d_in], shared by every replica), and the
        post-ReLU hidden layers listed in ``keep`` (0 = the first), each [R, B, width]: what a probe reads.
        ``upto=i`` stops after hidden layer i (the output is then None)."""
        if x.dim() == 2:
            x = x.expand(self.replicas, *x.shape)
        hidden = {}
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, w)
            if i < last:
                x = torch.relu(x)
                if i in keep:
                    hidden[i] = x
                if i == upto:
                    return None, hidden
        return x, hidden

    @torch.no_grad()
    def norm(self) -> torch.Tensor:
        """The L2 norm of all of each replica's parameters, [R]."""
        return torch.sqrt(sum(p.pow(2).flatten(1).sum(1) for p in self.parameters()))

    def select(self, index: Sequence[int]) -> BatchedMLP:
        """A new model holding copies of the listed replicas; repeats allowed (one trained replica fanned
        out to several arms of an experiment)."""
        index = torch.as_tensor(list(index))
        out = BatchedMLP.__new__(BatchedMLP)
        torch.nn.Module.__init__(out)
        out.weights = torch.nn.ParameterList(torch.nn.Parameter(w.detach()[index].clone()) for w in self.weights)
        out.biases = torch.nn.ParameterList(torch.nn.Parameter(b.detach()[index].clone()) for b in self.biases)
        return out

    @torch.no_grad()
    def replica(self, r: int) -> torch.nn.Sequential:
        """Replica ``r`` as a plain ``nn.Sequential`` of Linear and ReLU layers holding a copy of its weights:
        one replica for ordinary torch tools (and the per-replica references of the benchmarks)."""
        layers = []
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            linear = torch.nn.Linear(*w.shape[1:])
            linear.weight.copy_(w[r].T)  # Linear keeps its weight as [out, in]
            linear.bias.copy_(b[r, 0])
            layers += [linear] + ([torch.nn.ReLU()] if i < len(self.weights) - 1 else [])
        return torch.nn.Sequential(*layers)


class ReplicaWeightDecay:
    """An optimizer with one weight decay per replica (torch's take one number for all): a decay sweep is
    then one batch. It wraps an optimizer built without decay and applies, before its step, AdamW's
    decoupled shrink ``p *= 1 - lr * wd`` (``decoupled``; the factor computed in float64 and rounded once,
    so it equals ``torch.optim.AdamW(weight_decay=wd)`` bit for bit) or SGD's L2 term ``grad += wd * p``
    (equal to ``torch.optim.SGD(weight_decay=wd)`` up to one rounding, which torch fuses). Built by
    :func:`driftlab.training.make_optimizer` when given a tensor of decays; :class:`TrainingStep` steps it."""

    def __init__(self, optimizer: torch.optim.Optimizer, weight_decay: torch.Tensor, decoupled: bool):
        self.optimizer = optimizer
        self.weight_decay = weight_decay.double()
        self.decoupled = decoupled

    @property
    def param_groups(self) -> list[dict]:
        return self.optimizer.param_groups

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    @torch.no_grad()
    def step(self) -> None:
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if self.decoupled:
                    p.mul_(spread((1 - group["lr"] * self.weight_decay).to(p.dtype), p))
                else:
                    p.grad.add_(p * spread(self.weight_decay.to(p.dtype), p))
        self.optimizer.step()


class ReplicaStream:
    """Training batches for every replica, each from its own generator, drawn ``chunk`` steps at a time.

    ``draw(n, generator)`` gives a tuple of tensors with n examples along dimension 0 (inputs, labels,
    ...); :meth:`next` gives them for one step as [R, batch, ...]. ``base[i]`` names the generator model
    replica i draws from, so replicas fanned out from one trained replica (arms of an experiment) see the
    same data, drawn once: a paired design. Draws depend on ``chunk``, so keep it fixed for a world.
    """

    def __init__(self, draw: Callable[[int, torch.Generator], tuple[torch.Tensor, ...]],
                 generators: Sequence[torch.Generator], batch: int, base: Sequence[int] | None = None,
                 chunk: int = 64):
        self.draw, self.generators, self.batch, self.chunk = draw, list(generators), batch, chunk
        self.base = None if base is None else torch.as_tensor(list(base))
        self.position = chunk
        self.drawn: list[torch.Tensor] = []

    def next(self) -> tuple[torch.Tensor, ...]:
        if self.position == self.chunk:
            per_replica = [self.draw(self.chunk * self.batch, g) for g in self.generators]
            self.drawn = [torch.stack(parts).unflatten(1, (self.chunk, self.batch)) for parts in zip(*per_replica)]
            self.position = 0
        step = tuple(t[:, self.position] if self.base is None else t[:, self.position][self.base] for t in self.drawn)
        self.position += 1
        return step
