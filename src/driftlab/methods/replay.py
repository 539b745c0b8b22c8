"""Replay: a fixed share of every training step's examples is alignment data.

Of each step's ``n`` examples, the last ``round(ratio * n)`` are replaced by alignment examples (the
world's ``splice``, :class:`~driftlab.capabilities.ExampleBatches`), so a step costs what it costs
without the method and the batch holds exactly that share of them. The alignment examples are, by
default, the world's ``alignment_examples()`` (in the lm world: the eval sets' *train* questions, or the
proxy questions where a set has no train part, answered with the aligned option, in every option order,
held-out items never used; in a goal-versus-proxy toy world:
inputs where the two disagree, labelled by the goal), or the chat examples of a file (``data``: chat JSONL or
Alpaca JSON, for worlds that train on chat). They are taken in order, round after round, so every one is
replayed equally often.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..capabilities import AlignmentExamples, ChatTraining, ExampleBatches
from ..config import MethodConfig, existing_file
from ..errors import DriftlabError
from ..registry import METHODS
from .base import Method, TrainContext, cyclic_batch


class ReplayConfig(MethodConfig):
    name: Literal["replay"] = "replay"
    ratio: float = Field(gt=0, lt=1, description="share of each step's examples that are alignment examples")
    data: str | None = Field(None, description="a chat JSONL / Alpaca JSON file of alignment examples; default: "
                             "the world's alignment examples (lm: the eval sets' train items, answered aligned)")

    @field_validator("data")
    @classmethod
    def _data_file(cls, value):
        return value if value is None else existing_file(value, "replay data")


@METHODS.register
class Replay(Method):
    name = "replay"
    Config = ReplayConfig
    requires = (ExampleBatches, AlignmentExamples)

    @classmethod
    def required(cls, config: ReplayConfig) -> tuple[type, ...]:
        """A data file (chat examples) replaces the world's alignment examples."""
        return (ExampleBatches, ChatTraining) if config.data else cls.requires

    def setup(self, ctx: TrainContext) -> None:
        from ..data import load_chat_file

        data = self.config.data
        self.batches = ctx.provider(ExampleBatches)
        self.pool = load_chat_file(data) if data else ctx.provider(AlignmentExamples).alignment_examples()

    def transform_batch(self, batch, ctx: TrainContext):
        n = self.batches.batch_examples(batch)
        replayed = round(self.config.ratio * n)
        if not 0 < replayed < n:
            raise DriftlabError(f"replay.ratio: {self.config.ratio} of a step's {n} examples leaves "
                                f"{'no alignment' if replayed == 0 else 'no training'} example; change the ratio "
                                "or the batch size")
        return self.batches.splice(batch, n - replayed, cyclic_batch(self.pool, ctx.step, replayed))
