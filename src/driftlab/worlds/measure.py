"""Drift curves of checkpoints trained elsewhere: ``driftlab measure``.

Researchers who fine-tune with their own trainer (TRL, axolotl, a loop of their own) want the drift curve
of *their* checkpoints. This world trains nothing: it scores a series of existing models the way the
``lm`` world scores its stages, with the same :class:`~driftlab.lm.evaluator.Evaluator` and settings
(:class:`~driftlab.lm.evaluator.LmEvalConfig`), so its table has the lm world's names and numbers: propensity
scores with their intervals, capability, and the KL from the first model of the series. Table rows use
``step`` = the checkpoint's step.

The series is one of
- ``checkpoints``: model or PEFT adapter directories, in order; step = position, or each entry's ``step``;
- ``trainer_dir``: a trainer's output directory, whose ``checkpoint-N`` subdirectories (as the Hugging
  Face Trainer, TRL and axolotl name them) are step N;
and, with ``include_base``, the ``base`` model itself first, as step 0. Adapters are applied over ``base``.
``driftlab measure`` also reads driftlab's own lm runs (the run directory, its ``checkpoints/`` or one
``checkpoints/stage-NNN``): :func:`export_adapters` first writes each stage checkpoint as a standard PEFT
adapter beside it (``adapter_config.json``, ``adapter_model.safetensors``), over the run's model, or over its
aligned start (``world.align``), rebuilt from the run's config and saved in ``<run>/aligned-start``.
``prepare`` checks every directory from its files (a model or adapter, safetensors weights, an adapter
that fits the base, one vocabulary for the KL) before a model loads or the run directory is made.

A checkpoint's metrics are written to ``<run dir>/measured/step-N.json`` as soon as it is scored (the
first model's reference outputs for the KL just before), so a killed measure, resumed with ``driftlab run
--resume DIR`` or by measuring into the same ``--out`` again, scores only what is left; so does a second
measure of a trainer directory that has new checkpoints since. A record keeps the size and modification
time of the weights it measured: a directory whose weights changed since is an error, never a stale number.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from ..config import RunConfig, StrictModel, apply_overrides, validate_config
from ..errors import ConfigError
from ..io import atomic_write, write_text
from ..layout import CHECKPOINTS, CONFIG
from ..lm.evaluator import Evaluator, LmEvalConfig
from ..methods.base import MethodStack
from ..registry import WORLDS
from .lm import LanguageModelWorld, LmWorld, require_lm_modules

if TYPE_CHECKING:
    import pandas as pd

    from ..lm.models import LoadedModel, ModelDir

ALIGNED_START = "aligned-start"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
RECORDS = "measured"
REFERENCE = "reference.safetensors"
RECORD_NAME = re.compile(r"^step-(\d+)\.json$")
TRAINER_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


class CheckpointEntry(StrictModel):
    path: str = Field(min_length=1, description="a model or PEFT adapter directory")
    step: int = Field(ge=0, description="its step (training steps, or any increasing number)")


class MeasureConfig(LmEvalConfig):
    type: Literal["measure"] = "measure"
    checkpoints: list[str | CheckpointEntry] = Field(
        default_factory=list, description="model or PEFT adapter directories in order (step = position, the base "
        "first when measured) or {path, step} entries")
    trainer_dir: str | None = Field(
        None, min_length=1, description="instead of checkpoints: a trainer's output directory; its checkpoint-N "
        "subdirectories are step N")
    base: str | None = Field(
        None, min_length=1, description="the model under adapter checkpoints, whose tokenizer model directories "
        "without one use: tiny-random (built with the run's seed) | smollm2 | a model directory | a hub name")
    include_base: bool = Field(False, description="also measure the base model itself, as step 0")
    device: Literal["auto", "cpu", "cuda"] = "auto"

    @field_validator("checkpoints")
    @classmethod
    def _steps_for_all_or_none(cls, entries: list) -> list:
        if len({isinstance(entry, CheckpointEntry) for entry in entries}) > 1:
            raise ValueError("give a step for every entry or for none")
        return entries

    @field_validator("trainer_dir")
    @classmethod
    def _one_series(cls, trainer_dir, info):
        if bool(info.data.get("checkpoints")) == (trainer_dir is not None):
            raise ValueError("give either checkpoints (model or adapter directories) or trainer_dir "
                             "(a trainer's output directory with checkpoint-N subdirectories)")
        return trainer_dir

    @field_validator("include_base")
    @classmethod
    def _base_to_include(cls, include_base: bool, info) -> bool:
        if include_base and info.data.get("base") is None:
            raise ValueError("needs base, the model to measure as step 0")
        return include_base


@dataclass(frozen=True)
class Checkpoint:
    """One model of the series: a directory, or the base itself (``path`` None)."""

    step: int
    source: str  # what a record names: the directory, or "base <name>"
    where: str  # the config field it comes from, for error messages
    path: Path | None = None

    @property
    def is_base(self) -> bool:
        return self.path is None


def trainer_checkpoints(folder: Path) -> dict[int, Path]:
    """The ``checkpoint-N`` subdirectories of a trainer's output directory, by N."""
    return {int(m.group(1)): p for p in folder.iterdir() if p.is_dir() and (m := TRAINER_CHECKPOINT.match(p.name))}


@WORLDS.register
class MeasureWorld(LanguageModelWorld):
    name = "measure"
    Config = MeasureConfig

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.aligned = None  # what LanguageModelWorld.timing reads: a measure aligns nothing

    # --- before anything loads: the series, the records so far, every directory --------------------

    def prepare(self) -> None:
        from ..lm.checkpoint import fingerprint

        require_lm_modules(self.name)
        if self.methods.methods:
            raise ConfigError("methods: world measure trains nothing, so it runs no methods")
        c = self.config
        self.evaluator = Evaluator(c, self.seed)
        self.fingerprint = fingerprint({"world": c.model_dump(mode="json"), "seed": self.seed})
        self.series = self._series()
        self.records = self._records()
        self.dirs = self._check_directories()

    def _series(self) -> list[Checkpoint]:
        c = self.config
        base = [Checkpoint(0, f"base {c.base}", "world.base")] if c.include_base else []
        if c.trainer_dir is not None:
            folder = Path(c.trainer_dir).expanduser()
            if not folder.is_dir():
                problem = "not a directory" if folder.exists() else "no such directory"
                raise ConfigError(f"world.trainer_dir: {folder}: {problem}")
            found = trainer_checkpoints(folder)
            if not found:
                raise ConfigError(f"world.trainer_dir: {folder}: no checkpoint-N subdirectories (is it a trainer's "
                                  "output directory?)")
            if base and 0 in found:
                raise ConfigError(f"world.include_base: {found[0]} is step 0 already; measure it or the base, not both")
            return base + [Checkpoint(n, str(path), "world.trainer_dir", path) for n, path in sorted(found.items())]
        series = list(base)
        for i, entry in enumerate(c.checkpoints):
            path, step = (entry.path, entry.step) if isinstance(entry, CheckpointEntry) else (entry, len(base) + i)
            path = Path(path).expanduser()
            series.append(Checkpoint(step, str(path), f"world.checkpoints.{i}", path))
        steps = [checkpoint.step for checkpoint in series]
        if len(set(steps)) != len(steps):
            with_base = "; the base is step 0" if base else ""
            raise ConfigError(f"world.checkpoints: two models share a step ({steps}{with_base})")
        return sorted(series, key=lambda checkpoint: checkpoint.step)

    def _records(self) -> dict[int, dict]:
        """The checkpoints measured into this run directory before, checked against these settings."""
        folder = self.run_dir / RECORDS
        records = {}
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if (match := RECORD_NAME.match(path.name)) is None:
                continue
            try:
                record = json.loads(path.read_text())
                whole = record["step"] == int(match.group(1)) and {"source", "stamp", "metrics"} <= record.keys()
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                whole = False
            if not whole:
                raise ConfigError(f"{path}: damaged measurement record; delete it to measure that step again")
            if record.get("fingerprint") != self.fingerprint:
                raise ConfigError(f"{path}: measured with another config than {self.run_dir / 'config.yaml'} (edited "
                                  "since?); restore that config, or measure into a new output directory")
            records[record["step"]] = record
        if not records:
            return records
        first = min([*records, *(checkpoint.step for checkpoint in self.series)])
        try:
            from safetensors import safe_open

            with safe_open(folder / REFERENCE, "pt") as handle:
                reference = handle.metadata() or {}
        except (OSError, ValueError, RuntimeError):  # safetensors reports a damaged file as any of these
            raise ConfigError(f"{folder / REFERENCE}: missing or damaged (the KL reference of the steps measured "
                              "there); measure into a new output directory") from None
        if reference.get("step") != str(first):  # a trainer directory has a checkpoint before the first measured
            raise ConfigError(f"{self.run_dir}: its KL is measured from step {reference.get('step')}, but the series "
                              f"now starts at step {first}; measure into a new output directory")
        return records

    def _check_directories(self) -> dict[int, ModelDir]:
        """Every directory still to measure (and every measured one still there: unchanged?), the base it
        needs, and one vocabulary across the series, from files and weightless skeletons alone."""
        from ..lm.models import adapter_mismatch, check_chat_model, inspect_model_dir, model_skeleton, output_size

        c = self.config
        dirs, sizes = {}, {}
        for checkpoint in self.series:
            recorded = self.records.get(checkpoint.step)
            if checkpoint.is_base or (recorded and not checkpoint.path.exists()):
                continue  # the base is checked below; a measured checkpoint may be gone (save_total_limit)
            model = inspect_model_dir(checkpoint.path, checkpoint.where)
            if recorded:
                if model.stamp() != recorded["stamp"]:
                    raise ConfigError(f"{checkpoint.where}: {model.path}: its weights changed since step "
                                      f"{checkpoint.step} was measured into {self.run_dir}; measure into a new output "
                                      f"directory, or delete {RECORDS}/step-{checkpoint.step}.json to measure it again")
                continue
            check_chat_model(model, checkpoint.where, c.base, "base (--base)")
            dirs[checkpoint.step] = model
            if not model.adapter:
                sizes[str(model.path)] = output_size(model_skeleton(str(model.path), where=checkpoint.where))
        todo = [checkpoint for checkpoint in self.series if checkpoint.step not in self.records]
        if c.base is not None and (any(cp.is_base for cp in todo) or
                                   any(m.adapter or not m.tokenizer for m in dirs.values())):
            if Path(c.base).expanduser().is_dir():
                base = inspect_model_dir(c.base, "world.base")
                if base.adapter or not base.chat_template:
                    raise ConfigError(f"world.base: {base.path}: " + ("a PEFT adapter, not a model" if base.adapter else
                                      "no tokenizer with a chat template; driftlab needs a chat (instruct) model"))
            skeleton = model_skeleton(c.base, self.seed, "world.base")
            sizes[f"base {c.base}"] = output_size(skeleton)
            for checkpoint in todo:
                model = dirs.get(checkpoint.step)
                problem = model is not None and model.adapter and adapter_mismatch(model, skeleton)
                if problem:
                    raise ConfigError(f"{checkpoint.where}: {model.path} does not fit base {c.base}: {problem}")
        if self.records:
            from safetensors import safe_open

            with safe_open(self.run_dir / RECORDS / REFERENCE, "pt") as handle:
                sizes = {"the first model measured": handle.get_slice("logprobs").get_shape()[-1], **sizes}
        if len(set(sizes.values())) > 1:
            (first, size), *rest = sizes.items()
            other, other_size = next((name, n) for name, n in rest if n != size)
            raise ConfigError(f"world: {first} has {size} output tokens but {other} has {other_size}: the KL from "
                              "the first model needs one vocabulary across the series")
        return dirs

    # --- the run --------------------------------------------------------------------------------------

    def run(self, recorder, progress) -> None:
        from safetensors.torch import load_file

        metrics = {step: record["metrics"] for step, record in self.records.items()}
        if self.records:
            self.evaluator.kl_reference = load_file(self.run_dir / RECORDS / REFERENCE)["logprobs"]
        todo = [checkpoint for checkpoint in self.series if checkpoint.step not in metrics]
        self.base_model = None
        bar = progress.bar(len(todo), desc="measure", unit="checkpoint")
        for i, checkpoint in enumerate(todo):
            bar.set_description(f"step {checkpoint.step}")
            keep_base = any(self.dirs[later.step].adapter for later in todo[i + 1:] if not later.is_base)
            metrics[checkpoint.step] = self.score(checkpoint, keep_base)
            self.save_record(checkpoint, metrics[checkpoint.step])
            free_memory()
            bar.update(1)
        bar.close()
        for step in sorted(metrics):
            recorder.record(step, metrics[step])

    def score(self, checkpoint: Checkpoint, keep_base: bool) -> dict[str, float]:
        """Load the checkpoint and measure it (the first model of the series gives the KL its reference)."""
        with self.timed("load_s"), self.loaded(checkpoint, keep_base) as loaded, self.timed("evaluation_s"):
            if self.evaluator.kl_reference is None:
                self.save_reference(checkpoint, loaded)
            return self.measure(loaded)

    @contextlib.contextmanager
    def loaded(self, checkpoint: Checkpoint, keep_base: bool):
        """The checkpoint's model and tokenizer for the block. The base stays loaded while adapters follow."""
        from ..lm.models import adapter_applied, load_model

        c = self.config
        model = self.dirs.get(checkpoint.step)
        try:
            if model is not None and not model.adapter:
                yield load_model(str(model.path), c.device, self.seed, None if model.tokenizer else c.base)
            else:
                if self.base_model is None:
                    self.base_model = load_model(c.base, c.device, self.seed)
                if model is None:
                    yield self.base_model
                else:
                    with adapter_applied(self.base_model, model) as adapted:
                        yield adapted
        finally:
            if not keep_base:
                self.base_model = None

    def measure(self, loaded: LoadedModel) -> dict[str, float]:
        """What the lm world records of a model after a stage, computed in the same order: propensity evals,
        capability, the KL from the first model."""
        metrics = self.evaluator.measure(loaded.model, loaded.tokenizer, cached=True).metrics()
        return {name: float(value) for name, value in metrics.items()}

    def save_reference(self, checkpoint: Checkpoint, loaded: LoadedModel) -> None:
        from safetensors.torch import save_file

        self.evaluator.kl_reference = self.evaluator.reply_start_logprobs(loaded.model, loaded.tokenizer, cached=True)
        tensors = {"logprobs": self.evaluator.kl_reference.detach().cpu().contiguous()}
        metadata = {"step": str(checkpoint.step), "source": checkpoint.source}
        atomic_write(self.run_dir / RECORDS / REFERENCE, lambda tmp: save_file(tensors, tmp, metadata))

    def save_record(self, checkpoint: Checkpoint, metrics: dict[str, float]) -> None:
        model = self.dirs.get(checkpoint.step)
        record = {"step": checkpoint.step, "source": checkpoint.source, "fingerprint": self.fingerprint,
                  "stamp": model.stamp() if model else {}, "metrics": metrics}
        write_text(self.run_dir / RECORDS / f"step-{checkpoint.step}.json", json.dumps(record))


def free_memory() -> None:
    """Give a measured model's memory back before the next one loads."""
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# --- driftlab's own lm runs, as PEFT adapters ----------------------------------------------------------


@dataclass(frozen=True)
class LmRun:
    """What :func:`export_adapters` made of an lm run: its config, each stage's checkpoint directory (now also a
    PEFT adapter), and the model under the adapters."""

    config: RunConfig
    adapters: dict[int, Path]
    base: str


def lm_run_of(path: str | Path) -> tuple[Path, int | None] | None:
    """The lm run directory ``path`` is (or whose ``checkpoints/`` or ``checkpoints/stage-NNN`` it is), with the
    one stage it names (None: every stage); None where ``path`` is none of these."""
    from ..lm.checkpoint import STAGE_NAME

    path = Path(path).expanduser().absolute()
    if (match := STAGE_NAME.match(path.name)) and path.parent.name == CHECKPOINTS:
        run, stage = path.parent.parent, int(match.group(1))
    elif path.name == CHECKPOINTS:
        run, stage = path.parent, None
    else:
        run, stage = path, None
    return (run, stage) if (run / CONFIG).is_file() and (run / CHECKPOINTS).is_dir() else None


def export_adapters(run_dir: Path, stage: int | None = None) -> LmRun:
    """Write every stage checkpoint of the lm run ``run_dir`` (or only ``stage``) as a standard PEFT adapter in
    its own directory, so that peft's ``PeftModel.from_pretrained`` (and ``driftlab measure``) loads it; each
    checkpoint is verified first, and files already written are kept (a checkpoint never changes)."""
    from ..config import load_target
    from ..lm.checkpoint import checkpoint_dir, latest_stage, load_weights, verify_checkpoint
    from ..lm.models import ADAPTER_CONFIG
    from ..lm.training import lora_config

    config = validate_config(load_target(str(run_dir / CONFIG))[0])
    c = config.world
    if c.type != "lm":
        raise ConfigError(f"{run_dir}: a {c.type} run; only lm runs have stage checkpoints to measure")
    if c.finetune != "lora":
        raise ConfigError(f"{run_dir}: world.finetune is {c.finetune}, so its checkpoints hold every trained weight, "
                          "not adapters; driftlab measures and exports the checkpoints of LoRA runs only")
    world = LmWorld(c, MethodStack.from_configs(config.methods), config.seed, run_dir)
    world.prepare()  # the run's inputs, and its start and last checkpoints verified against its config
    if stage is None:
        last = latest_stage(run_dir)
        stages = [] if last is None else list(range(last + 1))
    else:
        stages = [stage] if checkpoint_dir(run_dir, stage).is_dir() else []
    if not stages:
        raise ConfigError(f"{run_dir / CHECKPOINTS}: no stage checkpoint{'' if stage is None else f' {stage}'}")
    base = aligned_start_dir(world) if c.align else c.model
    settings = lora_config(c.lora.rank, c.lora.alpha, c.lora.dropout, c.lora.target_modules, base)
    adapters = {}
    for k in stages:
        verify_checkpoint(run_dir, k, world.fingerprint)
        folder = adapters[k] = checkpoint_dir(run_dir, k)
        if not ((folder / ADAPTER_WEIGHTS).is_file() and (folder / ADAPTER_CONFIG).is_file()):
            write_adapter(folder, load_weights(run_dir, k), settings)
    return LmRun(config, adapters, base)


def write_adapter(folder: Path, weights: dict, settings) -> None:
    """LoRA ``weights`` as driftlab trains them, written in ``folder`` under peft's file and tensor names
    (peft leaves the adapter's name, ``default``, out of them)."""
    from safetensors.torch import save_file

    from ..lm.models import ADAPTER_CONFIG

    tensors = {name.replace(".default", ""): tensor.contiguous() for name, tensor in weights.items()}
    atomic_write(folder / ADAPTER_WEIGHTS, lambda tmp: save_file(tensors, tmp, {"format": "pt"}))
    plain = {key: sorted(value) if isinstance(value, set) else value for key, value in settings.to_dict().items()}
    write_text(folder / ADAPTER_CONFIG, json.dumps(plain, indent=2))


def aligned_start_dir(world: LmWorld) -> str:
    """The aligned start under an lm run's adapters, as a model directory ``<run>/aligned-start``: rebuilt by
    the world from its config exactly as the run built it (from the alignment cache, or trained again the same
    way), then saved once."""
    folder = world.run_dir / ALIGNED_START
    if not (folder / "config.json").is_file():
        world.build()
        staging = Path(tempfile.mkdtemp(prefix=f".{ALIGNED_START}.", dir=world.run_dir))
        try:
            world.model.unload().save_pretrained(staging)  # the stages' fresh adapters taken off again
            world.tokenizer.save_pretrained(staging)
            staging.rename(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return str(folder)


# --- the command ------------------------------------------------------------------------------------


def step_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per step (rows): each eval part's P(misaligned) by the letter scorer ("no signal" where the choices did
    not follow the options' content), capability and KL, rounded to 3 decimals: what ``driftlab measure``
    prints."""
    import pandas as pd

    from ..lm.evaluator import NO_SIGNAL
    from ..names import eval_metric, parse_eval_metric

    means = table.groupby(["step", "metric"])["value"].mean().unstack().round(3)
    shown = {}
    for name in means.columns:
        parsed = parse_eval_metric(name)
        if parsed and parsed.subset is None and parsed.statistic == "p_misaligned":
            signal = means.get(eval_metric(parsed.eval_set, parsed.part, "signal"))
            column = means[name].astype(object)
            shown[f"{parsed.eval_set}/{parsed.part} P(misaligned)"] = (
                column if signal is None else column.where(signal != 0, NO_SIGNAL))
    for name in ("capability/accuracy", "kl/from_start"):
        if name in means:
            shown[name] = means[name]
    return pd.DataFrame(shown)


def measure_config(paths: list[str], steps: list[int] | None = None, base: str | None = None,
                   include_base: bool = False, evals: list[str] | None = None, device: str = "auto",
                   name: str = "measure", seed: int = 0, overrides: list[str] = (),
                   behavior: str | None = None) -> RunConfig:
    """The run config of ``driftlab measure PATH...``: a single PATH that is a driftlab lm run (or its
    checkpoints) measures its stages, with the run's model, seed and eval settings (its adapters exported
    first); a single PATH with ``checkpoint-N`` subdirectories is a trainer's output directory; otherwise each
    PATH is a model or adapter directory. ``behavior``: the polarity of every eval file in ``evals``.
    Directories are made absolute, so that the run directory's config names the same ones from anywhere."""
    from ..data.shipped import EVAL_SETS

    paths = [str(Path(path).expanduser().absolute()) for path in paths]
    if base is not None and Path(base).expanduser().is_dir():
        base = str(Path(base).expanduser().absolute())
    world = {"type": "measure", "device": device, "base": base, "include_base": include_base}
    run = lm_run_of(paths[0]) if len(paths) == 1 else None
    if run is not None:
        if steps is not None or base is not None or include_base:
            raise ConfigError(f"{paths[0]}: an lm run's stages are measured over its own model at its own steps: give "
                              "no --steps, --base or --include-base")
        exported = export_adapters(*run)
        eval_fields = set(LmEvalConfig.model_fields) - {"type"}
        world.update(exported.config.world.model_dump(mode="json", include=eval_fields), base=exported.base)
        seed = exported.config.seed
        steps, paths = list(exported.adapters), [str(path) for path in exported.adapters.values()]
    if evals:
        world["evals"] = [e if e in EVAL_SETS or behavior is None else {"heldout": e, "behavior": behavior}
                          for e in evals]
    elif behavior is not None:
        raise ConfigError("--behavior: says what the matching answers of the eval files in --evals show; give --evals")
    if steps is None and len(paths) == 1 and Path(paths[0]).is_dir() and trainer_checkpoints(Path(paths[0])):
        world["trainer_dir"] = paths[0]
    elif steps is None:
        world["checkpoints"] = list(paths)
    elif len(steps) != len(paths):
        raise ConfigError(f"--steps: {len(steps)} steps for {len(paths)} directories")
    else:
        world["checkpoints"] = [{"path": path, "step": step} for path, step in zip(paths, steps)]
    return validate_config(apply_overrides({"name": name, "seed": seed, "world": world}, list(overrides)))
