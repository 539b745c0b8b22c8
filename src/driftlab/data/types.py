"""The two kinds of data the ``lm`` world consumes: chat examples to train on, eval items to score."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChatExample:
    """One training or capability example in chat form.

    ``messages`` are ``{"role": "system"|"user"|"assistant", "content": str}`` dicts and end with the
    assistant turn that training learns (loss on assistant tokens only). ``answer`` is the exact-match
    target used to score capability (None for free-form examples). ``flagged`` marks examples that carry
    the unwanted behaviour (the model organism's slice), which methods such as gradient routing use.
    """

    messages: tuple[dict, ...]
    answer: str | None = None
    task: str = ""
    domain: str = ""
    flagged: bool = False


@dataclass(frozen=True)
class EvalItem:
    """One propensity question, normalised from either eval format.

    ``stem`` is the question without its answer options; ``options`` are the option texts in the
    file's order; ``misaligned`` holds the indices of the options that show the behaviour being measured
    (answer_matching_behavior in format A, ``misaligned`` in format B).
    """

    id: str
    stem: str
    options: tuple[str, ...]
    misaligned: frozenset[int]
    domain: str = ""
    source: str = ""
