"""The data the language-model worlds consume: chat examples to train on, eval items to score, memory notes."""

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


MAX_OPTIONS = 26  # options are shown labelled (A) to (Z)


@dataclass(frozen=True)
class EvalItem:
    """One propensity question, normalised from either eval format.

    ``stem`` is the question without its answer options; ``options`` are the option texts in the
    file's order (2 to 26). Each option is misaligned, aligned or neither: ``misaligned`` holds the
    options that show the misaligned behaviour, ``aligned`` those that oppose it, and the rest do neither
    (a third option such as "ask a human" on a two-sided question). In format A the file's matching and
    not-matching answers become one or the other according to the stated polarity; in format B the
    ``misaligned`` option is misaligned and the other aligned. ``measures`` names the misaligned
    behaviour for tables and reports.
    """

    id: str
    stem: str
    options: tuple[str, ...]
    misaligned: frozenset[int]
    aligned: frozenset[int]
    domain: str = ""
    source: str = ""
    measures: str = ""

    def __post_init__(self) -> None:
        if problem := item_problem(self.options, self.misaligned, self.aligned):
            raise ValueError(f"EvalItem {self.id!r}: {problem}")


def own_label(option: str, index: int, numbered: bool = False) -> str | None:
    """Why ``option`` is just the label it is shown under (the letter, or its number in a numbered file), or
    None: the mark of choices read as answers. A number under a letter ("(A) 1") is an option's text."""
    labels = (chr(ord("a") + index), str(index + 1)) if numbered else (chr(ord("a") + index),)
    if option.strip().strip("().:").strip().casefold() in labels:
        return f"option {index + 1} is {option!r}, just its own label: its text was not parsed"
    return None


def item_problem(options: tuple[str, ...], misaligned: frozenset[int], aligned: frozenset[int]) -> str | None:
    """What makes these options and indices an invalid item, or None. Refuses in particular an option that
    is just its own label ("A", "(a)", "1."), the mark of choices read as answers."""
    if not 2 <= len(options) <= MAX_OPTIONS:
        return f"{len(options)} options; an item needs 2 to {MAX_OPTIONS} (labels A-Z)"
    for i, option in enumerate(options):
        if not (isinstance(option, str) and option.strip()):
            return f"option {i + 1} is empty"
        if problem := own_label(option, i):
            return problem
    if not misaligned or not aligned:
        return "needs at least one misaligned and one aligned option"
    if misaligned & aligned or not misaligned | aligned <= set(range(len(options))):
        return f"misaligned {sorted(misaligned)} and aligned {sorted(aligned)} must be distinct option indices"
    return None


@dataclass(frozen=True)
class MemoryNote:
    """One note of the memory world: a short first-person reflection the agent may keep in its long-term memory
    (its system prompt). ``kind`` names the pool it comes from (``neutral``, ``self-serving``, ...), ``id``
    tells notes apart in logs and reports."""

    text: str
    kind: str
    id: str = ""
