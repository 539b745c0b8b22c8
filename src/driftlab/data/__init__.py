"""Datasets the ``lm`` world trains on and evaluates with: shipped sets and user files."""

from .loaders import BEHAVIORS, ON_BAD_RECORD, EvalFile, load_chat_file, load_eval_file, read_eval_file, split_stages
from .shipped import DOMAINS, builtin_evals, capability_dataset, eval_files, organism_dataset
from .types import ChatExample, EvalItem

__all__ = [
    "BEHAVIORS",
    "DOMAINS",
    "ON_BAD_RECORD",
    "ChatExample",
    "EvalFile",
    "EvalItem",
    "builtin_evals",
    "capability_dataset",
    "eval_files",
    "load_chat_file",
    "load_eval_file",
    "organism_dataset",
    "read_eval_file",
    "split_stages",
]
