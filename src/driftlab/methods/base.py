"""The method interface: how an intervention plugs into any world's training loop.

A method overrides only the hooks it needs. Torch worlds run them in one fixed order, written once in
:class:`driftlab.training.TrainingStep`::

    stack.setup(ctx)                                        # once, before training (snapshots, Fisher, ...)
    for each step:
        ctx.batch = stack.transform_batch(ctx.batch, ctx)   # data side: inoculation, replay
        for part in stack.split_batch(ctx.batch, ctx):      # [ctx.batch] unless a method splits it
            part_loss.backward()
            stack.transform_part_gradients(part, ctx)       # routing: .grad holds this part's alone
        stack.extra_loss(ctx).backward()                    # regularizers: tax, L2-SP, EWC, KL
        stack.transform_gradients(ctx)                      # projection (edit .grad)
        clip; optimizer.step()                              # the world's optimizer, with its weight decay
        (selection: stack.before_update before it; after optimizer.step, stack.select keeps the update or
         the world restores weights and optimizer state, per replica)
        stack.after_step(ctx)                               # sees only updates that were kept
    stack.before_update / stack.select around each stage    # worlds that select per stage (lm)
    stack.before_eval(ctx) / stack.after_eval(ctx)          # around evaluations: e.g. ablate a routed part

Hooks come in groups (:data:`HOOK_GROUPS`); a world declares the groups it ``drives``, and a method that
overrides a hook of a group its world never calls is a config error, so no hook silently never fires. A
method also lists the world capabilities it ``requires`` (:mod:`driftlab.capabilities`) and reaches them
with ``ctx.provider(Capability)``; it never names a world.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import Field, field_validator

from ..config import MethodConfig
from ..errors import DriftlabError
from ..names import method_metric

if TYPE_CHECKING:  # torch is imported by the worlds that train, not by every run
    import torch

    from ..capabilities import Evaluation

Capability = TypeVar("Capability")

# The hooks a world may call, by group. ``setup``, ``metrics`` and the state hooks come with any group.
HOOK_GROUPS = {
    "step": ("transform_batch", "extra_loss", "transform_gradients", "after_step"),
    "parts": ("split_batch", "transform_part_gradients"),
    "selection": ("before_update", "select"),
    "evaluation": ("before_eval", "after_eval"),
}


@dataclass
class TrainContext:
    """What a world shares with methods during training.

    ``world``: the world itself, whose capabilities methods reach with :meth:`provider`.

    ``evaluation``: the world's latest evaluation of the model it kept (an
    :class:`~driftlab.capabilities.Evaluation`), set before it asks for :meth:`Method.metrics`, so a method
    can build on it without evaluating again; None in worlds that do not evaluate.

    ``replica_dim``: toy worlds train many independent replicas as one batch, every parameter tensor
    carrying them along this dimension (the gradient world: 0); a single model (the lm world) has none.
    Methods reduce with :meth:`replica_sum`, so one implementation gives per-replica penalties and
    inner products in a toy world and whole-model ones in a real model.
    """

    world: Any
    parameters: Mapping[str, "torch.Tensor"]
    model: "torch.nn.Module | None" = None
    step: int = 0
    stage: int = 0
    batch: Any = None
    replica_dim: int | None = None
    evaluation: "Evaluation | None" = None
    accepted: "bool | torch.Tensor" = True  # the latest selected update's decision (per replica), for after_step

    @property
    def world_name(self) -> str:
        return str(getattr(self.world, "name", self.world))

    def provider(self, capability: type[Capability]) -> Capability:
        """The world as the provider of ``capability`` (validation has checked it provides it)."""
        if not isinstance(self.world, capability):
            raise DriftlabError(f"world {self.world_name!r} does not provide {capability.__name__}")
        return self.world

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
                                f"{ctx.world_name!r} (it has: {names})")
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
    requires: ClassVar[tuple[type, ...]] = ()  # world capabilities (driftlab.capabilities) it uses

    def __init__(self, config: MethodConfig):
        self.config = config

    @classmethod
    def required(cls, config: MethodConfig) -> tuple[type, ...]:
        """The capabilities a method with this config uses (``requires``, unless parameters change it)."""
        return cls.requires

    @classmethod
    def hook_groups(cls) -> set[str]:
        """The groups of :data:`HOOK_GROUPS` whose hooks this method overrides."""
        return {group for group, hooks in HOOK_GROUPS.items()
                if any(getattr(cls, hook) is not getattr(Method, hook) for hook in hooks)}

    @classmethod
    def incompatibility(cls, world: type, config: MethodConfig | None = None) -> str | None:
        """Why this method cannot run in ``world`` (a world class), or None if it can: hooks the world never
        calls, or (given the method's config) capabilities it does not provide."""
        never = sorted(cls.hook_groups() - world.drives)
        if never:
            hooks = ", ".join(h for group in never for h in HOOK_GROUPS[group]
                              if getattr(cls, h) is not getattr(Method, h))
            return (f"method {cls.name!r} does not support world {world.name!r}: it acts in {hooks}, which that "
                    "world never calls")
        missing = [c for c in (cls.required(config) if config else ()) if not issubclass(world, c)]
        if missing:
            return (f"method {cls.name!r} does not support world {world.name!r}: it needs "
                    f"{', '.join(c.__name__ for c in missing)} (see driftlab.capabilities), which that world lacks")
        return None

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

    def before_update(self, ctx: TrainContext) -> None:
        """Before an update the world offers for selection (a step in worlds that select per step, a stage in
        worlds that select per stage): the model is still the last kept one."""

    def select(self, ctx: TrainContext, candidate: Any) -> "bool | torch.Tensor | None":
        """After an update: keep it (True) or have the world restore the weights and optimizer state of the
        last kept model (False); a bool tensor [R] decides per replica in a batched world; None: no
        objection. ``candidate`` is what the world measured of the updated model for selection (the lm world:
        its :class:`~driftlab.capabilities.Evaluation`; None where the model as it stands is the candidate),
        for :meth:`~driftlab.capabilities.ProxyReadings.proxy_reading`."""
        return None

    def before_eval(self, ctx: TrainContext) -> None:
        """Before an evaluation."""

    def after_eval(self, ctx: TrainContext) -> None:
        """After an evaluation."""

    def metrics(self, ctx: TrainContext) -> dict[str, Any]:
        """Extra metrics for the tidy table, named ``<method>/<metric>``; reads state, never changes it."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """State that changes during training (tensors and plain values), saved in checkpoints so a
        resumed run continues exactly; what ``setup`` computes is recomputed instead."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


def all_accept(decisions) -> "bool | torch.Tensor":
    """True where no decision objects: decisions are None (no objection), bools, or bool tensors [R]."""
    accepted = True
    for decision in decisions:
        if decision is not None:
            accepted = accepted & decision
    return accepted


class MethodStack:
    """The configured methods, called in config order at each hook."""

    def __init__(self, methods: list[Method]):
        self.methods = methods

    @classmethod
    def from_configs(cls, configs: list[MethodConfig]) -> "MethodStack":
        from ..registry import METHODS

        return cls([METHODS.get(c.name, "methods.name")(c) for c in configs])

    def describe(self) -> list[dict]:
        """Each method's parameters as plain data (what a checkpoint's config fingerprint covers)."""
        return [m.config.model_dump(mode="json") if m.config is not None else {"name": m.name} for m in self.methods]

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

    @property
    def selects(self) -> bool:
        """Whether some method judges updates (so the world must snapshot, and measure each candidate)."""
        return any("selection" in method.hook_groups() for method in self.methods)

    def before_update(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.before_update(ctx)

    def select(self, ctx: TrainContext, candidate: Any = None) -> "bool | torch.Tensor":
        """Whether to keep the update (per replica in a batched world): every method sees it, and a single
        objection rejects it."""
        return all_accept(method.select(ctx, candidate) for method in self.methods)

    def before_eval(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.before_eval(ctx)

    def after_eval(self, ctx: TrainContext) -> None:
        for method in self.methods:
            method.after_eval(ctx)

    def metrics(self, ctx: TrainContext) -> dict[str, Any]:
        return {method_metric(m.name, k): v for m in self.methods for k, v in m.metrics(ctx).items()}

    def state_dicts(self) -> list[dict[str, Any]]:
        return [method.state_dict() for method in self.methods]

    def load_state_dicts(self, states: list[dict[str, Any]]) -> None:
        for method, state in zip(self.methods, states, strict=True):
            method.load_state_dict(state)
