"""What several test modules share: small lm-world configs on tiny-random, JSONL writing, thread limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch


def tiny_lm(**world) -> dict:
    """An lm world config on tiny-random and the CPU, with a test's own settings on top (stages, data, ...)."""
    return {"type": "lm", "model": "tiny-random", "device": "cpu", "bootstrap": 100, **world}


def run_config(world: dict, methods=(), seed: int = 0, name: str = "test") -> dict:
    """A whole run config as plain data, for ``validate_config``."""
    return {"name": name, "seed": seed, "world": world, "methods": list(methods)}


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models gain nothing from two threads, and on a busy 2-core machine two make them several
    times slower: modules that train many of them use this."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
