"""Datasets the ``lm`` world trains on and evaluates with: shipped sets and user files."""

from .loaders import load_chat_file, load_eval_file, split_stages
from .shipped import DOMAINS, builtin_evals, capability_dataset, eval_files, organism_dataset
from .types import ChatExample, EvalItem

__all__ = [
    "DOMAINS",
    "ChatExample",
    "EvalItem",
    "builtin_evals",
    "capability_dataset",
    "eval_files",
    "load_chat_file",
    "load_eval_file",
    "organism_dataset",
    "split_stages",
]
