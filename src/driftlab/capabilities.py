"""What a world can offer methods: small typed capabilities, and the evaluation a world hands them.

A world provides a capability by implementing its methods (the world class *is* the provider); a method
lists the capabilities it needs in ``requires``. Config validation checks the pair before anything runs
(``issubclass(WorldClass, Capability)``) and names what is missing; at run time a method reaches one with
``ctx.provider(Capability)``, which is typed, so no method looks anything up by a string.

Adding a capability: a ``Protocol`` here with a docstring that says what a method may rely on.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .names import EVAL_PARTS, eval_metric, parse_eval_metric

if TYPE_CHECKING:
    import torch

    from .data import ChatExample
    from .lm.chat import TokenBatch


@runtime_checkable
class AlignmentLoss(Protocol):
    """A differentiable loss on the alignment data the developer has (low = aligned): per replica in a
    batched toy world, one number for a single model. Each call may draw new data (a fresh detector reading,
    a new batch of alignment examples)."""

    def alignment_loss(self) -> torch.Tensor: ...


@runtime_checkable
class DetectorEvasion(Protocol):
    """How far the model has gone in evading its detector, differentiable and per replica: the quantity a
    tax on evasion charges for (the gradient world: the detector bias b)."""

    def detector_evasion(self) -> torch.Tensor: ...


@runtime_checkable
class ChatTraining(Protocol):
    """Training batches are lists of :class:`~driftlab.data.ChatExample` (``flagged`` marks examples with the
    unwanted behaviour), which methods may rewrite or split; ``encode`` turns examples into model inputs."""

    def encode(self, examples: list[ChatExample]) -> TokenBatch: ...


@runtime_checkable
class AlignmentExamples(Protocol):
    """Alignment data as examples of the kind the world trains on, a sequence a method may index (the lm
    world: its eval sets' train items, or proxy items where there are none, answered with the aligned option,
    as chat examples; a batched toy world:
    examples of every replica at each index)."""

    def alignment_examples(self) -> Sequence: ...


@runtime_checkable
class ExampleBatches(Protocol):
    """Each training batch holds ``batch_examples(batch)`` examples (in every replica of a toy world), and
    ``splice(batch, keep, examples)`` is the batch's first ``keep`` examples followed by ``examples`` (a list
    of examples as :class:`AlignmentExamples` gives them): what lets a method mix alignment data in."""

    def batch_examples(self, batch: Any) -> int: ...

    def splice(self, batch: Any, keep: int, examples: list) -> Any: ...


@runtime_checkable
class ReferenceOutputs(Protocol):
    """The starting model: inside ``with world.reference_model() as model:`` (under ``torch.no_grad()``) the
    model computes the outputs it had before any training."""

    def reference_model(self) -> AbstractContextManager[torch.nn.Module]: ...


@runtime_checkable
class OutputDistributions(Protocol):
    """The output distributions of a model (the world's model, or the one ``reference_model()`` gives) on
    examples as :class:`AlignmentExamples` gives them: log-probabilities [..., K] over K outcomes at each
    position that has one, and a 0/1 mask [...] of the positions that count. The lm world: next-token
    distributions at every token of chat examples ([B, T, vocab], the attention mask); a batched toy world:
    each replica's distribution per example, replicas first ([R, n, K], a mask of ones)."""

    def output_log_probs(self, model: torch.nn.Module, examples: list) -> tuple[torch.Tensor, torch.Tensor]: ...


@runtime_checkable
class Evaluations(Protocol):
    """The world's evaluations of the model *as it is now* (no method's ``before_eval`` applied): propensity
    evals by set and part, and capability."""

    def eval_sets(self, part: str) -> list[str]: ...

    def evaluate(self, parts: tuple[str, ...] = EVAL_PARTS, capability: bool = True) -> Evaluation: ...


@runtime_checkable
class ProxyReadings(Protocol):
    """The world's fixed alignment metric, the proxy a developer can select on, read on a candidate update,
    beside the held-out truth it stands in for: misalignment, higher is worse, per replica ([R]) in a batched
    toy world, one number for a single model. ``proxy_reading(candidate, statistic)`` gives ``proxy`` and,
    where the world can measure it, ``heldout`` (and ``proxy_signal``, the share of the proxy that measured
    anything); ``candidate`` is what the world hands :meth:`~driftlab.methods.base.Method.select`, None for the
    model as it stands. Two class attributes go with it (a protocol with data members cannot be checked with
    ``issubclass``; a test checks every provider has them): ``proxy_statistics``, what the proxy can be, the
    world's default first; ``selects_per``, whether the world offers each ``step`` or each ``stage``."""

    def proxy_reading(self, candidate: Any, statistic: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of a model: each eval set part's statistics, capability, and other measurements.

    ``evals[(set, part)]`` maps a statistic (``score``, ``p_misaligned``, ``other_domains/score``, ...) to
    its value; :meth:`metrics` gives everything under the table's names, :meth:`from_metrics` reads it back.
    """

    evals: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    capability: dict[str, float] = field(default_factory=dict)
    other: dict[str, float] = field(default_factory=dict)  # already under table names (kl/from_start, ...)

    def metrics(self) -> dict[str, float]:
        flat = {eval_metric(name, part, statistic): value
                for (name, part), statistics in self.evals.items() for statistic, value in statistics.items()}
        flat.update({f"capability/{key}": value for key, value in self.capability.items()})
        return {**flat, **self.other}

    @classmethod
    def from_metrics(cls, metrics: dict[str, float]) -> Evaluation:
        evals: dict[tuple[str, str], dict[str, float]] = {}
        capability, other = {}, {}
        for name, value in metrics.items():
            parsed = parse_eval_metric(name)
            if parsed is not None:
                statistic = f"{parsed.subset}/{parsed.statistic}" if parsed.subset else parsed.statistic
                evals.setdefault((parsed.eval_set, parsed.part), {})[statistic] = value
            elif name.startswith("capability/"):
                capability[name.removeprefix("capability/")] = value
            else:
                other[name] = value
        return cls(evals, capability, other)

    def sets(self, part: str) -> list[str]:
        """The eval sets evaluated on ``part``."""
        return [name for name, has in self.evals if has == part]

    def mean(self, part: str, statistic: str) -> float:
        """``statistic`` averaged over the eval sets evaluated on ``part`` (each set counts once)."""
        values = [statistics[statistic] for (_, has), statistics in self.evals.items() if has == part]
        if not values:
            raise KeyError(f"no eval set was evaluated on its {part} part")
        return sum(values) / len(values)
