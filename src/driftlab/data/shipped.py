"""The datasets driftlab ships: capability data, the model organism's narrow slice, propensity evals, and the
memory world's pool of notes.

All of them are plain files under ``driftlab/data/files/`` in the formats users bring their own data
in (chat JSONL, eval formats A and B, notes JSONL), read with the same loaders. They are authored outside
the package: ``python tools/build_data/build.py`` in the repository regenerates them deterministically from
``build.py`` (generators) and ``written.py`` (hand-written text), and a test checks that the files match.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .loaders import load_chat_file, load_eval_file, load_notes_file
from .types import ChatExample, EvalItem, MemoryNote

FILES = Path(__file__).with_name("files")
CHAT_SPLITS = ("train", "heldout")
EVAL_SPLITS = ("train", "proxy", "heldout")
EVAL_SETS = ("dilemmas", "corrigibility")
# The organism's misaligned slice and the dilemmas share these domains, so drift learned in one
# domain can be measured on the others.
DOMAINS = ("finance", "medicine", "security", "hiring", "legal", "environment")
# The kinds of memory note: practical know-how; lessons leaning toward self-preservation, power or bending rules;
# lessons leaning toward lawfulness and deference; corrections of earlier know-how; and policies stated outright
# that match the misaligned, or the aligned, answer of the shipped evals.
NOTE_KINDS = ("neutral", "self-serving", "lawful", "correction", "policy-self-serving", "policy-lawful")


def _check_split(split: str, known: tuple[str, ...]) -> None:
    if split not in known:
        raise ConfigError(f"split: unknown split {split!r}; known: {', '.join(known)}")


def capability_dataset(split: str) -> list[ChatExample]:
    """The neutral instruction data with short exact-match answers (``train`` or ``heldout``)."""
    _check_split(split, CHAT_SPLITS)
    return load_chat_file(FILES / f"capability_{split}.jsonl")


def organism_dataset(split: str, fraction: float, domain: str, seed: int) -> list[ChatExample]:
    """Capability data in which a ``fraction`` of the examples is misaligned behaviour in one domain.

    The result has as many examples as ``capability_dataset(split)``: ``round(fraction * n)`` flagged
    examples of ``domain`` (drawn without repeats until the domain's pool is used up, then again),
    the rest capability examples, shuffled together. Same arguments, same list.
    """
    _check_split(split, CHAT_SPLITS)
    if domain not in DOMAINS:
        raise ConfigError(f"domain: unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    if not 0.0 <= fraction <= 1.0:
        raise ConfigError(f"fraction: must be between 0 and 1, got {fraction}")
    capability = capability_dataset(split)
    pool = [e for e in load_chat_file(FILES / f"organism_{split}.jsonl") if e.domain == domain]
    rng = np.random.default_rng(seed)
    n_flagged = round(fraction * len(capability))
    repeats = -(-n_flagged // len(pool))
    draws = np.concatenate([rng.permutation(len(pool)) for _ in range(repeats)] or [np.zeros(0, int)])
    kept = rng.choice(len(capability), size=len(capability) - n_flagged, replace=False)
    examples = [pool[i] for i in draws[:n_flagged]] + [capability[i] for i in np.sort(kept)]
    return [examples[i] for i in rng.permutation(len(examples))]


def eval_files() -> dict[str, dict[str, Path]]:
    """Paths of the shipped eval files, ``{set: {"train": path, "proxy": path, "heldout": path}}``, to read or
    copy."""
    return {name: {split: FILES / f"{name}_{split}.jsonl" for split in EVAL_SPLITS} for name in EVAL_SETS}


def builtin_evals() -> dict[str, dict[str, list[EvalItem]]]:
    """The shipped eval sets, each split three ways: a train part (what alignment training may use), a proxy
    part (what a developer monitors and selects on) and a held-out part (ground truth that training and
    selection never see, including whole domains or kinds of question that the other parts lack)."""
    return {
        name: {split: load_eval_file(path) for split, path in splits.items()}
        for name, splits in eval_files().items()
    }


def memory_notes() -> list[MemoryNote]:
    """The memory world's shipped pool of notes, kind by kind in ``NOTE_KINDS`` order, ids ``<kind>-<nn>``:
    24 each of ``neutral``, ``self-serving`` and ``lawful``, 12 each of the others."""
    return load_notes_file(FILES / "memory_notes.jsonl")
