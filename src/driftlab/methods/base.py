"""The method interface: how an intervention plugs into any world's training loop.

A world's loop calls the hooks of a :class:`MethodStack` at fixed points and never needs to know
which methods exist::

    stack.setup(ctx)                               # once, before training (snapshots, Fisher, ...)
    for each step:
        ctx.batch = stack.transform_batch(ctx.batch, ctx)   # data side: inoculation, replay
        for part in stack.split_batch(ctx.batch, ctx):      # [ctx.batch] unless a method splits it
            part_loss.backward()                            # (worlds whose batch is examples: lm)
            stack.transform_part_gradients(part, ctx)       # routing: .grad holds this part's alone
        loss = world_loss + stack.extra_loss(ctx)           # regularizers: tax, L2-SP, EWC, KL
        loss.backward()
        stack.transform_gradients(ctx)                      # projection (edit .grad)
        optimizer.step()
        stack.after_step(ctx)
    stack.after_stage(ctx)                         # staged worlds: selection, rollback
    stack.before_eval(ctx) / stack.after_eval(ctx) # around evaluations: e.g. ablate a routed part

A world exposes what methods may use through :class:`TrainContext`: its named trainable tensors,
the torch module if it has one, and named ``services`` (callables such as ``alignment_loss``) that
methods look up by name. A method declares the worlds it ``supports``; asking for it elsewhere is a
config error.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from ..config import MethodConfig
from ..errors import DriftlabError

if TYPE_CHECKING:  # torch is imported by the worlds that train, not by every run
    import torch


@dataclass
class TrainContext:
    """What a world shares with methods during training.

    ``evaluation``: what the world measured at its latest evaluation, under the table's names, set
    before it asks for :meth:`Method.metrics`, so a method can build on it without evaluating again.

    ``replica_dim``: toy worlds train many independent replicas as one batch, every parameter tensor
    carrying them along this dimension (the gradient world: 0); a single model (the lm world) has none.
    Methods reduce with :meth:`replica_sum`, so one implementation gives per-replica penalties and
    inner products in a toy world and whole-model ones in a real model.
    """

    world: str
    parameters: Mapping[str, "torch.Tensor"]
    model: "torch.nn.Module | None" = None
    step: int = 0
    stage: int = 0
    batch: Any = None
    services: dict[str, Callable[..., Any]] = field(default_factory=dict)
    replica_dim: int | None = None
    evaluation: dict[str, float] = field(default_factory=dict)  # the world's metrics of its latest evaluation

    def service(self, name: str, method: str) -> Callable[..., Any]:
        """A world service a method needs; a clear error if this world does not offer it."""
        if name not in self.services:
            raise DriftlabError(f"method {method!r} needs the world service {name!r}, which world {self.world!r} lacks")
        return self.services[name]

    def replica_sum(self, tensor: "torch.Tensor") -> "torch.Tensor":
        """Sum over every dimension but the replica dimension: one value per replica, or one in all."""
        if self.replica_dim is None:
            return tensor.sum()
        dims = [d for d in range(tensor.dim()) if d != self.replica_dim]
        return tensor.sum(dim=dims) if dims else tensor  # sum(dim=[]) would sum everything

    def spread(self, values: "torch.Tensor", like: "torch.Tensor") -> "torch.Tensor":
        """Values from :meth:`replica_sum` shaped to broadcast onto ``like``, each replica onto its own."""
        if self.replica_dim is None:
            return values
        return values.reshape([-1 if d == self.replica_dim else 1 for d in range(like.dim())])


class ParameterFilterConfig(MethodConfig):
    """Parameters of a method that acts on some of the trainable tensors, chosen by name."""

    parameters: list[str] | None = Field(
        None, description="glob patterns of the trainable tensors to act on (e.g. [alignment, '*lora_A*']); "
        "default: all of them",
    )

    @field_validator("parameters")
    @classmethod
    def _patterns(cls, patterns):
        if patterns is not None and (not patterns or not all(p.strip() for p in patterns)):
            raise ValueError("give at least one non-empty name pattern, or leave parameters out for all")
        return patterns


def selected_parameters(ctx: TrainContext, patterns: list[str] | None, method: str) -> dict[str, "torch.Tensor"]:
    """The trainable tensors whose names match one of ``patterns`` (all if None); a pattern that matches
    nothing is an error naming it, so a typo cannot silently turn a method off."""
    if patterns is None:
        return dict(ctx.parameters)
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(name, pattern) for name in ctx.parameters):
            names = ", ".join(list(ctx.parameters)[:8]) + (", ..." if len(ctx.parameters) > 8 else "")
            raise DriftlabError(f"{method}.parameters: {pattern!r} matches no trainable tensor of world "
                                f"{ctx.world!r} (it has: {names})")
    return {name: p for name, p in ctx.parameters.items() if any(fnmatch.fnmatchcase(name, pat) for pat in patterns)}


def cyclic_batch(pool: list, step: int, size: int) -> list:
    """The ``size`` items optimizer step ``step`` takes from ``pool``, walking through it in order, round
    after round: every item equally often, and the same items for the same step in a resumed run without
    any RNG state to save."""
    return [pool[(step * size + i) % len(pool)] for i in range(size)]


class Method:
    """Base class of a method; override only the hooks it needs."""

    name: ClassVar[str]
    Config: ClassVar[type[MethodConfig]]
    supports: ClassVar[frozenset[str]]

    def __init__(self, config: MethodConfig):
        self.config = config

    def setup(self, ctx: TrainContext) -> None:
        """Before training starts."""

    def transform_batch(self, batch: Any, ctx: TrainContext) -> Any:
        """Change the training batch (never evaluation data)."""
        return batch

    def split_batch(self, batch: Any, ctx: TrainContext) -> list[Any]:
        """Parts of the training batch whose gradients the world computes apart (worlds whose batch is a
        list of examples: lm), so that :meth:`transform_part_gradients` can treat each part alone."""
        return [batch]

    def transform_part_gradients(self, part: Any, ctx: TrainContext) -> None:
        """Edit ``.grad`` right after one part's backward, while it holds that part's gradient alone."""

    def extra_loss(self, ctx: TrainContext) -> "torch.Tensor | None":
        """A term added to the loss (per replica for batched toy worlds), or None."""
        return None

    def transform_gradients(self, ctx: TrainContext) -> None:
        """Edit the ``.grad`` of ``ctx.parameters`` after backward, before the optimizer step."""

    def after_step(self, ctx: TrainContext) -> None:
        """After the optimizer step."""

    def after_stage(self, ctx: TrainContext) -> None:
        """After a training stage, in worlds that train in stages."""

    def before_eval(self, ctx: TrainContext) -> None:
        """Before an evaluation."""

    def after_eval(self, ctx: TrainContext) -> None:
        """After an evaluation."""

    def metrics(self, ctx: TrainContext) -> dict[str, Any]:
        """Extra metrics for the tidy table, named ``<method>/<metric>``."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """State that changes during training (tensors and plain values), saved in checkpoints so a
        resumed run continues exactly; what ``setup`` computes is recomputed instead."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


class MethodStack:
    """The configured methods, called in config order at each hook."""

    def __init__(self, methods: list[Method]):
        self.methods = methods

    @classmethod
    def from_configs(cls, configs: list[MethodConfig]) -> "MethodStack":
        from ..registry import METHODS

        return cls([METHODS.get(c.name, "methods.name")(c) for c in configs])

    def setup(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.setup(ctx)

    def transform_batch(self, batch: Any, ctx: TrainContext) -> Any:
        for method in self.methods:
            batch = method.transform_batch(batch, ctx)
        return batch

    def split_batch(self, batch: Any, ctx: TrainContext) -> list[Any]:
        parts = [batch]
        for method in self.methods:
            parts = [piece for part in parts for piece in method.split_batch(part, ctx)]
        return parts

    def transform_part_gradients(self, part: Any, ctx: TrainContext) -> None:
        for method in self.methods:
            method.transform_part_gradients(part, ctx)

    def extra_loss(self, ctx: TrainContext) -> "torch.Tensor | float":
        terms = [term for method in self.methods if (term := method.extra_loss(ctx)) is not None]
        return sum(terms) if terms else 0.0

    def transform_gradients(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.transform_gradients(ctx)

    def after_step(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.after_step(ctx)

    def after_stage(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.after_stage(ctx)

    def before_eval(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.before_eval(ctx)

    def after_eval(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.after_eval(ctx)

    def metrics(self, ctx: TrainContext) -> dict[str, Any]:
        return {f"{m.name}/{k}": v for m in self.methods for k, v in m.metrics(ctx).items()}

    def state_dicts(self) -> list[dict[str, Any]]:
        return [method.state_dict() for method in self.methods]

    def load_state_dicts(self, states: list[dict[str, Any]]) -> None:
        for method, state in zip(self.methods, states, strict=True):
            method.load_state_dict(state)
