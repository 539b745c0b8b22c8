"""Datasets the ``lm`` world trains on and evaluates with, and the memory world's notes: shipped sets and user files."""

from .loaders import (
    BEHAVIORS,
    ON_BAD_RECORD,
    EvalFile,
    load_chat_file,
    load_eval_file,
    load_notes_file,
    read_eval_file,
    split_stages,
)
from .shipped import DOMAINS, NOTE_KINDS, builtin_evals, capability_dataset, eval_files, memory_notes, organism_dataset
from .types import ChatExample, EvalItem, MemoryNote

__all__ = [
    "BEHAVIORS",
    "DOMAINS",
    "NOTE_KINDS",
    "ON_BAD_RECORD",
    "ChatExample",
    "EvalFile",
    "EvalItem",
    "MemoryNote",
    "builtin_evals",
    "capability_dataset",
    "eval_files",
    "load_chat_file",
    "load_eval_file",
    "load_notes_file",
    "memory_notes",
    "organism_dataset",
    "read_eval_file",
    "split_stages",
]
