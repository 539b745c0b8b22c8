"""Stage checkpoints: everything needed to continue a run exactly where a complete stage left it.

``<run dir>/checkpoints/stage-<k>/`` holds the trainable weights (LoRA adapters, or every weight for
full fine-tuning) as safetensors, the optimizer state, the random number generator states and the
methods' states (``torch.save`` of tensors and plain values only, read back with ``weights_only=True``),
``history.json`` (every metric recorded so far) and ``manifest.json``: the fingerprint of the config that
wrote it and the SHA-256 of every file. A checkpoint directory is written under a temporary name and
renamed when complete, so a checkpoint directory is always whole unless something changed it since;
:meth:`Checkpoints.verify` finds that out, before any model is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..errors import ConfigError, DriftlabError
from ..layout import CHECKPOINTS

WEIGHTS = "trainable"
STATE = "state.pt"
HISTORY = "history.json"
MANIFEST = "manifest.json"
REQUIRED = (f"{WEIGHTS}.safetensors", STATE, HISTORY)  # what every checkpoint holds, whatever its manifest says
STAGE_NAME = re.compile(r"^stage-(\d{3,})$")


def fingerprint(resolved: dict) -> str:
    """A hash of everything a checkpoint depends on (world config, methods, seed), as plain JSON data."""
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()


def checkpoint_dir(run_dir: Path, stage: int) -> Path:
    return Path(run_dir) / CHECKPOINTS / f"stage-{stage:03d}"


def latest_stage(run_dir: Path) -> int | None:
    """The last stage with a checkpoint, or None; a directory that is not named like one is an error."""
    folder = Path(run_dir) / CHECKPOINTS
    if not folder.is_dir():
        return None
    stages = []
    for path in folder.iterdir():
        if path.name.startswith("."):  # a checkpoint a killed run was still writing
            continue
        match = STAGE_NAME.match(path.name)
        if match is None or not path.is_dir():
            raise ConfigError(f"{path}: not a stage checkpoint (expected a directory stage-NNN); "
                                "remove or rename it to resume")
        stages.append(int(match.group(1)))
    return max(stages) if stages else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(run_dir: Path, stage: int, config_fingerprint: str, weights: dict[str, torch.Tensor], state: dict,
                    history: list, extra: dict[str, dict[str, torch.Tensor]] | None = None) -> None:
    """Write stage ``stage``'s checkpoint atomically (``extra``: more safetensors files by stem)."""
    final = checkpoint_dir(run_dir, stage)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        for stem, tensors in {WEIGHTS: weights, **(extra or {})}.items():
            save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, staging / f"{stem}.safetensors")
        torch.save(state, staging / STATE)
        (staging / HISTORY).write_text(json.dumps(history))
        files = {path.name: _sha256(path) for path in sorted(staging.iterdir())}
        manifest = {"stage": stage, "config": config_fingerprint, "files": files}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1))
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def verify_checkpoint(run_dir: Path, stage: int, config_fingerprint: str) -> None:
    """Raise one line naming the problem unless stage ``stage``'s checkpoint is whole and was written by the
    same config (a run directory's ``config.yaml`` edited after the run started no longer matches)."""
    folder = checkpoint_dir(run_dir, stage)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files, written_by, recorded_stage = dict(manifest["files"]), manifest["config"], manifest["stage"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(f"{folder}: incomplete or damaged checkpoint (no readable {MANIFEST}); remove the "
                            "directory to resume from the stage before it") from None
    if recorded_stage != stage:
        raise ConfigError(f"{folder}: holds the checkpoint of stage {recorded_stage} (renamed?); put it back "
                            f"under its own name")
    if written_by != config_fingerprint:
        raise ConfigError(f"{folder}: written by a different config than {Path(run_dir) / 'config.yaml'} "
                            "(edited since the run started?); restore that config, or start a new run")
    unlisted = [name for name in REQUIRED if name not in files]
    if unlisted:
        raise ConfigError(f"{folder / MANIFEST}: lists no {unlisted[0]}, which every checkpoint holds (damaged?); "
                          "remove its stage directory to resume from the stage before it")
    for name, digest in files.items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            raise ConfigError(f"{path}: {'missing' if not path.is_file() else 'damaged (checksum mismatch)'}; "
                                "remove its stage directory to resume from the stage before it")


def load_weights(run_dir: Path, stage: int, stem: str = WEIGHTS) -> dict[str, torch.Tensor]:
    path = checkpoint_dir(run_dir, stage) / f"{stem}.safetensors"
    if not path.is_file():
        raise DriftlabError(f"checkpoint file missing: {path}")
    return load_file(path)


def load_state(run_dir: Path, stage: int) -> tuple[dict, list]:
    folder = checkpoint_dir(run_dir, stage)
    state = torch.load(folder / STATE, weights_only=True)
    return state, json.loads((folder / HISTORY).read_text())


class TrainingState:
    """What a stage checkpoint saves of a training run and puts back: trainable weights, optimizer, random
    number generators (torch's, the data order's, CUDA's) and the methods' states."""

    def __init__(self, run_dir: Path, config_fingerprint: str, parameters: dict[str, torch.Tensor], optimizer,
                 data_rng: torch.Generator, device: torch.device, methods):
        self.run_dir, self.fingerprint = Path(run_dir), config_fingerprint
        self.parameters, self.optimizer, self.data_rng = parameters, optimizer, data_rng
        self.device, self.methods = device, methods

    def _rng_state(self) -> dict:
        state = {"torch": torch.get_rng_state(), "data": self.data_rng.get_state()}
        if self.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def save(self, stage: int, history: list, extra: dict | None = None) -> None:
        state = {"optimizer": self.optimizer.state_dict(), "rng": self._rng_state(),
                 "methods": self.methods.state_dicts()}
        save_checkpoint(self.run_dir, stage, self.fingerprint, self.parameters, state, history, extra)

    def restore(self, stage: int, rng: bool) -> list:
        """Weights and optimizer back to stage ``stage``; with ``rng``, the random streams and the methods'
        states too (resuming), without (rolling a stage back: the next stage draws new data). Returns the
        history recorded up to that stage."""
        weights = load_weights(self.run_dir, stage)
        with torch.no_grad():
            for name, p in self.parameters.items():
                p.copy_(weights[name])
        state, history = load_state(self.run_dir, stage)
        self.optimizer.load_state_dict(state["optimizer"])
        if rng:
            torch.set_rng_state(state["rng"]["torch"])
            self.data_rng.set_state(state["rng"]["data"])
            if "cuda" in state["rng"]:
                torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)
            self.methods.load_state_dicts(state["methods"])
        return history
