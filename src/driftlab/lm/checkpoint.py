"""Stage checkpoints: everything needed to continue a run exactly where a complete stage left it.

``<run dir>/checkpoints/stage-<k>/`` holds the trainable weights (LoRA adapters, or every weight for
full fine-tuning) as safetensors, the optimizer state, the random number generator states and the
methods' states (``torch.save`` of tensors and plain values only, read back with ``weights_only=True``),
and ``history.json``: every metric recorded so far. A checkpoint directory is written under a temporary
name and renamed when complete, so the highest-numbered one is always whole.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..errors import DriftlabError

WEIGHTS = "trainable.safetensors"
STATE = "state.pt"
HISTORY = "history.json"


def checkpoint_dir(run_dir: Path, stage: int) -> Path:
    return Path(run_dir) / "checkpoints" / f"stage-{stage:03d}"


def latest_stage(run_dir: Path) -> int | None:
    """The last stage with a complete checkpoint, or None."""
    folder = Path(run_dir) / "checkpoints"
    stages = [int(p.name.split("-")[1]) for p in folder.glob("stage-*") if p.is_dir()] if folder.is_dir() else []
    return max(stages) if stages else None


def save_checkpoint(run_dir: Path, stage: int, weights: dict[str, torch.Tensor], state: dict, history: list,
                    extra: dict[str, dict[str, torch.Tensor]] | None = None) -> None:
    """Write stage ``stage``'s checkpoint atomically (``extra``: more safetensors files by stem)."""
    final = checkpoint_dir(run_dir, stage)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        save_file({k: v.detach().cpu().contiguous() for k, v in weights.items()}, staging / WEIGHTS)
        for stem, tensors in (extra or {}).items():
            save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, staging / f"{stem}.safetensors")
        torch.save(state, staging / STATE)
        (staging / HISTORY).write_text(json.dumps(history))
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def load_weights(run_dir: Path, stage: int, stem: str = WEIGHTS.removesuffix(".safetensors")) -> dict[str, torch.Tensor]:
    path = checkpoint_dir(run_dir, stage) / f"{stem}.safetensors"
    if not path.is_file():
        raise DriftlabError(f"checkpoint file missing: {path}")
    return load_file(path)


def load_state(run_dir: Path, stage: int) -> tuple[dict, list]:
    folder = checkpoint_dir(run_dir, stage)
    state = torch.load(folder / STATE, weights_only=True)
    return state, json.loads((folder / HISTORY).read_text())
