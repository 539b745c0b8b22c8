"""KL to base: a penalty on how far the model's output distributions on alignment data have moved from
the starting model's, ``weight * mean KL(current || base)``.

Each step takes ``examples`` alignment examples (the world's ``alignment_examples()``: in the lm world
the eval sets' train questions (the proxy questions where a set has no train part) answered with the
aligned option, in every option order; in a batched toy world
situations labelled with the aligned action), walking through them in order, and compares the two models'
output distributions on them (the world's ``output_log_probs``: in the lm world the next-token
distributions at every token, question and answer; in a toy world the action distribution, per replica).
The KL has the direction of the lm world's ``kl/from_start`` metric. Unlike L2-SP it does not care where
the weights go, only that the behaviour on alignment data stays put.

The base model's outputs come from the world's ``reference_model()`` (in the lm world: with LoRA, the same
weights with the adapters switched off, so no second copy of the model exists; with full fine-tuning, a
frozen copy of the starting weights, twice the model's memory, which setup asks for so it is made before
training starts).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..capabilities import AlignmentExamples, OutputDistributions, ReferenceOutputs
from ..config import MethodConfig
from ..registry import METHODS
from .base import Method, TrainContext, cyclic_batch


class KlToBaseConfig(MethodConfig):
    name: Literal["kl-to-base"] = "kl-to-base"
    weight: float = Field(gt=0, description="strength of the pull towards the starting model's outputs")
    examples: int = Field(8, ge=1, description="alignment examples the KL is measured on, per step")


@METHODS.register
class KlToBase(Method):
    name = "kl-to-base"
    Config = KlToBaseConfig
    requires = (AlignmentExamples, OutputDistributions, ReferenceOutputs)

    def setup(self, ctx: TrainContext) -> None:
        self.examples = ctx.provider(AlignmentExamples).alignment_examples()
        self.distributions = ctx.provider(OutputDistributions)
        self.reference = ctx.provider(ReferenceOutputs)
        self.reference.reference_model()  # while the weights are the starting ones
        self.last_kl = 0.0

    def kl(self, ctx: TrainContext):
        """Mean over the positions of this step's alignment examples of KL(current || base), differentiable;
        per replica in a batched toy world."""
        import torch

        examples = cyclic_batch(self.examples, ctx.step, self.config.examples)
        with torch.no_grad(), self.reference.reference_model() as base_model:
            base, _ = self.distributions.output_log_probs(base_model, examples)
        current, mask = self.distributions.output_log_probs(ctx.model, examples)
        per_position = (current.exp() * (current - base)).sum(dim=-1) * mask
        return ctx.replica_sum(per_position) / ctx.replica_sum(mask)

    def extra_loss(self, ctx: TrainContext):
        kl = self.kl(ctx)
        self.last_kl = kl.detach().cpu().numpy() if kl.dim() else kl.item()
        return self.config.weight * kl

    def metrics(self, ctx: TrainContext) -> dict:
        """The KL of the last step (0 before training): one number, or one per replica."""
        return {"kl": self.last_kl}
