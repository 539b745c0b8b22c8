"""Gradient routing: the gradients of flagged examples (those carrying the unwanted behaviour,
``ChatExample.flagged``) train only a designated part of the network, the other examples train only the
rest, and the designated part is ablated at evaluation, taking the flagged behaviour with it (Cloud et
al. 2024, "Gradient routing: masking gradients to localize computation in neural networks").

The designated part:

- LoRA (the lm world's default): the last ``rank`` rank components of every adapter (those rows of each
  ``lora_A``, those columns of each ``lora_B``). A LoRA update ``B A`` is a sum of rank-one terms, so
  these components are a second adapter of rank ``rank`` living in the same tensors, and the first
  ``r - rank`` the adapter the unflagged data trains: set ``world.lora.rank`` to a baseline's rank plus
  ``rank`` to leave the rest the baseline's capacity.
- full fine-tuning: the last ``units`` units of every MLP (their rows of ``gate_proj`` and ``up_proj``,
  their column of ``down_proj``: each unit's input and output weights), as in Llama-style models
  (SmolLM2, tiny-random).

Mechanism, in the lm world's step: :meth:`split_batch` hands the world the batch's unflagged and flagged
examples as two parts; the world computes each part's gradient on its own, and
:meth:`transform_part_gradients` keeps the flagged part's gradient on the designated entries only and the
unflagged part's off them. Ablation (:meth:`before_eval`) returns the designated entries to their starting
values (LoRA: their ``B`` columns are zero again, the routed adapter is off) and :meth:`after_eval` puts the
trained values back. So the table's evaluations are of the ablated model, the headline; :meth:`metrics`
evaluates once more without the ablation, recorded as ``gradient-routing/unablated/<the table's name>``.

Not routed: penalties from other methods' ``extra_loss`` (no example produces them) and their gradient
edits reach every parameter; AdamW's momentum moves designated entries by their own earlier (flagged)
gradients on later steps, never by unflagged ones; weight decay (``world.weight_decay``, 0 by default)
shrinks them like every weight.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from ..capabilities import ChatTraining, Evaluations
from ..config import MethodConfig
from ..errors import ConfigError
from ..registry import METHODS
from .base import Method, TrainContext

LORA_RANK_FIRST = re.compile(r"\.lora_(embedding_)?A\.")  # [rank, in]: a component is a row
LORA_RANK_LAST = re.compile(r"\.lora_(embedding_)?B\.")  # [out, rank]: a component is a column
MLP_UNIT_FIRST = re.compile(r"\.mlp\.(gate_proj|up_proj)\.(weight|bias)$")  # [units, hidden] or [units]
MLP_UNIT_LAST = re.compile(r"\.mlp\.down_proj\.weight$")  # [hidden, units]


class GradientRoutingConfig(MethodConfig):
    name: Literal["gradient-routing"] = "gradient-routing"
    rank: int = Field(1, ge=1, description="LoRA: rank components of every adapter that only flagged examples train")
    units: int = Field(32, ge=1, description="full fine-tuning: units of every MLP that only flagged examples train")


def designated_entries(parameters: dict, rank: int, units: int) -> dict[str, tuple[slice, ...]]:
    """Where the designated part lies: an index into each trainable tensor that has some of it."""
    lora = any(LORA_RANK_FIRST.search(name) for name in parameters)
    first, last, size, field = ((LORA_RANK_FIRST, LORA_RANK_LAST, rank, "rank") if lora else
                                (MLP_UNIT_FIRST, MLP_UNIT_LAST, units, "units"))
    designated = {}
    for name, p in parameters.items():
        dim = 0 if first.search(name) else 1 if last.search(name) else None  # where a component or unit lies
        if dim is None:
            continue
        if size >= p.shape[dim]:
            what = "the LoRA rank (world.lora.rank)" if lora else "the MLP width"
            raise ConfigError(f"methods: gradient-routing.{field} = {size} must be below {what}, "
                              f"{p.shape[dim]}, so the unflagged examples keep a part to train")
        designated[name] = (slice(None),) * dim + (slice(p.shape[dim] - size, None),)
    if not designated:
        raise ConfigError("methods: gradient-routing needs LoRA adapters or, with full fine-tuning, Llama-style "
                          "MLPs (mlp.gate_proj / up_proj / down_proj) to route to; this model has neither")
    return designated


@METHODS.register
class GradientRouting(Method):
    name = "gradient-routing"
    Config = GradientRoutingConfig
    requires = (ChatTraining, Evaluations)

    def setup(self, ctx: TrainContext) -> None:
        self.designated = designated_entries(ctx.parameters, self.config.rank, self.config.units)
        self.start = {name: ctx.parameters[name].detach()[index].clone() for name, index in self.designated.items()}
        self.trained: dict = {}  # the designated entries' trained values while ablated
        self.flagged_examples = 0

    def split_batch(self, batch: list, ctx: TrainContext) -> list[list]:
        parts = [[e for e in batch if not e.flagged], [e for e in batch if e.flagged]]
        return [part for part in parts if part]

    def transform_part_gradients(self, part: list, ctx: TrainContext) -> None:
        flagged = part[0].flagged  # split_batch never mixes the two kinds
        for name, p in ctx.parameters.items():
            if p.grad is None:
                continue
            index = self.designated.get(name)
            if index is None:  # no designated entries here: only unflagged gradients
                if flagged:
                    p.grad.zero_()
            elif flagged:  # keep the designated entries' gradient only
                kept = p.grad[index].clone()
                p.grad.zero_()
                p.grad[index] = kept
            else:
                p.grad[index] = 0
        self.flagged_examples += len(part) if flagged else 0

    def _put(self, ctx: TrainContext, values: dict) -> dict:
        """Write ``values`` into the designated entries; return what they held."""
        import torch

        held = {}
        with torch.no_grad():
            for name, index in self.designated.items():
                held[name] = ctx.parameters[name][index].clone()
                ctx.parameters[name][index] = values[name]
        return held

    def before_eval(self, ctx: TrainContext) -> None:
        """Ablate: the designated entries go back to their starting values."""
        self.trained = self._put(ctx, self.start)

    def after_eval(self, ctx: TrainContext) -> None:
        self._put(ctx, self.trained)
        self.trained = {}

    def metrics(self, ctx: TrainContext) -> dict:
        """The model's evaluations without the ablation (the table's own are ablated), and how many flagged
        examples have been routed so far."""
        routed = {"flagged_examples": float(self.flagged_examples)}
        if ctx.evaluation is None:  # a stage the world does not evaluate
            return routed
        unablated = ctx.provider(Evaluations).evaluate().metrics()
        return {**routed, **{f"unablated/{k}": v for k, v in unablated.items()}}

    def state_dict(self) -> dict:
        return {"flagged_examples": self.flagged_examples}

    def load_state_dict(self, state: dict) -> None:
        self.flagged_examples = state["flagged_examples"]
