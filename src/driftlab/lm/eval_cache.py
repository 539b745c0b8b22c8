"""Evaluations computed once: what depends only on the model, the items and the settings is shared.

Every trial of a methods sweep starts from the same model, so its stage-0 evaluation (propensity evals,
capability, the KL reference) is the same computation in every trial with the same seed. An
:class:`EvalCache` stores each such result under a key that is a content hash of everything it depends on:
the model's weights (as evaluated), its tokenizer, the items or prompts, the scoring settings, the seed
(bootstrap intervals use it), the device kind, the torch and driftlab versions and the source of the code
that computes it. Anything different is a different key, so a cached value is never one that a fresh
computation would not give.

Entries are written whole under a temporary name and renamed; a lock file per key makes concurrent
workers that want the same key wait for the first instead of computing it twice, and a killed worker
releases its lock with its process. Sweeps put the cache in their own directory unless
``$DRIFTLAB_EVAL_CACHE`` names another (to share one across runs) or is ``off``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..io import atomic_write

if TYPE_CHECKING:  # torch is imported when a model is fingerprinted, not when a sweep sets up its cache
    import torch

CACHE_ENV = "DRIFTLAB_EVAL_CACHE"
OFF = "off"  # DRIFTLAB_EVAL_CACHE=off: compute every evaluation (a sweep then shares nothing)
CACHE_FORMAT = 1
# The code an evaluation's value comes from (paths in the package): a change to any of these files is a new cache.
SOURCES = ("lm/chat.py", "lm/evaluator.py", "lm/scoring.py", "lm/training.py")


def digest(*parts: Any) -> str:
    """A hash of plain data (JSON-serialisable parts)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def model_fingerprint(model: torch.nn.Module) -> str:
    """A hash of every parameter and buffer of ``model``: names, dtypes, shapes and bytes."""
    import torch

    sha = hashlib.sha256()
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        data = tensor.detach().cpu().contiguous()
        sha.update(f"{name}:{data.dtype}:{tuple(data.shape)}".encode())
        sha.update(data.view(torch.uint8).numpy().tobytes() if data.numel() else b"")
    return sha.hexdigest()


def tokenizer_fingerprint(tokenizer) -> str:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    vocabulary = backend.to_str() if backend is not None else json.dumps(tokenizer.get_vocab(), sort_keys=True)
    return digest(vocabulary, getattr(tokenizer, "chat_template", None), tokenizer.pad_token_id)


def code_fingerprint(sources: tuple[str, ...] = SOURCES) -> str:
    import torch

    package = Path(__file__).parents[1]
    return digest(CACHE_FORMAT, __version__, torch.__version__, *((package / name).read_text() for name in sources))


class EvalCache:
    """A directory of cached evaluation results (JSON values, or tensors), one file per key."""

    def __init__(self, root: Path, sources: tuple[str, ...] = SOURCES):
        self.root = Path(root)
        self.hits = self.misses = 0
        self.code = code_fingerprint(sources)

    @classmethod
    def from_env(cls) -> EvalCache | None:
        """The cache ``$DRIFTLAB_EVAL_CACHE`` names; none when it is unset or ``off``."""
        root = os.environ.get(CACHE_ENV)
        return cls(Path(root)) if root and root != OFF else None

    def key(self, *parts: Any) -> str:
        return digest(self.code, *parts)

    def get(self, key: str, compute: Callable[[], Any], tensor: bool = False, tensors: bool = False) -> Any:
        """The value stored under ``key``, or ``compute()`` stored there now (one worker at a time per key).
        Values are JSON, a tensor (``tensor``) or a dict of named tensors (``tensors``, such as weights)."""
        from safetensors.torch import load_file, save_file

        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{key}{'.safetensors' if tensor or tensors else '.json'}"
        with open(self.root / f"{key}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
            if path.is_file():
                self.hits += 1
                if tensor or tensors:
                    stored = load_file(path)
                    return stored if tensors else stored["value"]
                return json.loads(path.read_text())
            self.misses += 1
            value = compute()
            if tensor or tensors:
                named = value if tensors else {"value": value}
                named = {name: t.detach().cpu().contiguous() for name, t in named.items()}
                atomic_write(path, lambda tmp: save_file(named, tmp))
            else:
                atomic_write(path, lambda tmp: tmp.write_text(json.dumps(value)))
            return value
