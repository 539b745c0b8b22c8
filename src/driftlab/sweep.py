"""Sweeps: many ordinary runs over a grid of config values and seeds, resumable, locally or on Ray.

A sweep file names a base config (a preset, or a YAML file relative to the sweep file), fixed
overrides (``set``), the fields to vary (``grid``: the cartesian product of value lists, or ``points``:
an explicit list of override mappings, each optionally named by a ``label`` key) and ``seeds``. A
built-in sweep (``presets/sweeps/<name>.yaml``) is found by its name. Each (point, seed) is a *trial*:
an ordinary run (:func:`driftlab.runner.execute`) in ``<sweep dir>/trials/<trial id>``. The trial's seed
comes from the sweep file, never from the worker that runs it, so every executor gives the same numbers.

A trial is complete once its ``summary.json`` exists (the runner writes it last), so re-running the same
command with the same ``--out`` skips complete trials and redoes partial ones. A sweep holds its directory
locked while it runs (``sweep.lock``), and each trial its own (``trials/.<id>.lock``), so no two sweeps
share a directory and no partial trial is removed while a process still writes it. What the sweep directory
holds is listed in ``layout.py``; ``sweep.yaml`` keeps the columns that name a grid point, which the
report reads.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import re
import shutil
import socket
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ConfigDict, Field, NonNegativeInt, PositiveInt, model_validator

from .config import (StrictModel, _parse_yaml, _validate, apply_overrides, dump_yaml, load_target, set_field,
                     validate_config)
from .errors import ConfigError, DriftlabError
from .io import MAX_TRIALS, check_writable, read_text, write_json, write_parquet, write_text
from .lm.eval_cache import CACHE_ENV
from .ram import check_fits
from .progress import Progress
from .layout import (AGGREGATES, AGGREGATES_CSV, DEFINITION, EVAL_CACHE, HEADLINE, HEADLINE_COLUMN, METRICS, SUMMARY,
                     TRIALS, TRIALS_DIR)
from .runner import load_run
from .stats import mean_ci95

SEED = "seed"
LABEL = "label"  # the key that names a point in ``points``, and the table column that carries it
LOCK = "sweep.lock"
RAY_CONNECT_TIMEOUT_S = 10  # Ray itself retries an address that does not answer for minutes


class SweepSpec(StrictModel):
    """A sweep file."""

    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(min_length=1)
    description: str = ""
    base: str = Field(min_length=1, description="preset name, or config file relative to the sweep file")
    fixed: dict[str, Any] = Field(default_factory=dict, alias="set", description="overrides of every trial")
    grid: dict[str, list[Any]] = Field(default_factory=dict, description="field -> values; cartesian product")
    points: list[dict[str, Any]] = Field(
        default_factory=list, description=f"explicit override mappings; a '{LABEL}' key names the point"
    )
    seeds: PositiveInt | list[NonNegativeInt] = Field(1, description="n (seeds 0..n-1) or a list of seeds")

    @model_validator(mode="after")
    def _check(self):
        if self.grid and self.points:
            raise ValueError("give either grid or points, not both")
        for key, values in self.grid.items():
            if not values:
                raise ValueError(f"grid.{key} has no values")
            repeated = [value for i, value in enumerate(values) if value in values[:i]]
            if repeated:
                raise ValueError(f"grid.{key} lists the value {repeated[0]!r} twice (each value is one grid point)")
        labels = [point[LABEL] for point in self.points if LABEL in point]
        if not all(isinstance(label, str) and label.strip() for label in labels):
            raise ValueError(f"points: each {LABEL} must be a non-empty string")
        if len(set(labels)) < len(labels):
            raise ValueError(f"points: two points have the same {LABEL}")
        if isinstance(self.seeds, list) and (not self.seeds or len(set(self.seeds)) < len(self.seeds)):
            raise ValueError("seeds must be a positive count or a non-empty list of distinct seeds")
        return self

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    @property
    def trial_count(self) -> int:
        """Points x seeds, counted without listing them."""
        points = len(self.points) or math.prod(len(values) for values in self.grid.values())
        return points * (self.seeds if isinstance(self.seeds, int) else len(self.seeds))

    def point_list(self) -> list[dict[str, Any]]:
        """Each point's overrides (without its label)."""
        if self.points:
            return [{key: value for key, value in point.items() if key != LABEL} for point in self.points]
        keys = list(self.grid)
        return [dict(zip(keys, values)) for values in itertools.product(*self.grid.values())]

    @property
    def labels(self) -> list[str | None]:
        """Each point's label, or None."""
        return [point.get(LABEL) for point in self.points] if self.points else [None] * len(self.point_list())


@dataclass(frozen=True)
class Trial:
    id: str  # its directory's name: the point's slug and seed
    point: int  # index of the grid point
    seed: int
    values: dict[str, Any]  # (label ->) swept field -> its value in this trial's resolved config
    config: dict  # the validated run config, as plain data


@dataclass
class Sweep:
    spec: SweepSpec
    overrides: list[str]
    base_config: dict
    swept: list[str]
    trials: list[Trial]

    @property
    def columns(self) -> list[str]:
        """What names a point in the tables: its label (if the points have labels), then the swept fields."""
        return ([LABEL] if any(self.spec.labels) else []) + self.swept

    def definition(self) -> dict:
        """What ``sweep.yaml`` stores: enough to tell whether a directory holds this very sweep."""
        spec = self.spec.model_dump(mode="json", by_alias=True)
        return {**spec, "seeds": self.spec.seed_list, "overrides": self.overrides, "columns": self.columns,
                "base_config": self.base_config}


@dataclass
class SweepResult:
    out_dir: Path
    statuses: dict[str, dict] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)  # the trials' time split, summed (worlds that split it)

    @property
    def failed(self) -> int:
        return sum(status["status"] != "ok" for status in self.statuses.values())

    def line(self) -> str:
        total = len(self.statuses)
        return f"{total} trial{'s' if total != 1 else ''}: {total - self.failed} ok, {self.failed} failed"

    def timing_line(self) -> str:
        """Where the trials' time went, e.g. "align 310 s, training 812 s, evaluation 1204 s; 18 evaluations from
        the cache, 9 computed; 8 of 9 aligned starts from the cache"."""
        seconds = ", ".join(f"{key.removesuffix('_s')} {value:.0f} s" for key, value in self.timing.items()
                            if key.endswith("_s"))
        cached = self.timing.get("evaluations_cached")
        aligned = self.timing.get("aligned_starts_cached")
        return (seconds + (f"; {cached:.0f} evaluations from the cache, {self.timing.get('evaluations_computed', 0):.0f} "
                           "computed" if cached is not None else "")
                + (f"; {aligned:.0f} of {self.timing['aligned_starts']:.0f} aligned starts from the cache"
                   if aligned is not None else ""))


# --- resolving a sweep file into trials --------------------------------------------------------


def sweep_presets() -> dict[str, Path]:
    """The built-in sweeps, ``presets/sweeps/<name>.yaml`` (not run presets: ``driftlab presets`` skips them)."""
    folder = Path(str(resources.files("driftlab") / "presets" / "sweeps"))
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def load_sweep(path: str | Path, overrides: list[str] = (), max_trials: int | None = None) -> Sweep:
    """Read and validate a sweep file (or a built-in sweep, by name), and every trial's config, before
    anything runs."""
    path = Path(path)
    if path.suffix not in (".yaml", ".yml") and not path.exists():
        known = sweep_presets()
        if str(path) not in known:
            raise ConfigError(f"unknown sweep {str(path)!r}: not a file, nor a built-in sweep "
                              f"({', '.join(known) or 'none'})")
        path = known[str(path)]
    raw, _ = load_target(str(path))
    return resolve_sweep(raw, base_dir=path.parent, overrides=overrides, source=str(path), max_trials=max_trials)


def resolve_sweep(raw: Any, base_dir: Path = Path("."), overrides: list[str] = (), source: str = "sweep",
                  max_trials: int | None = None) -> Sweep:
    """The sweep and its trials, each trial's config validated; ``max_trials`` (default ``$DRIFTLAB_MAX_TRIALS``)
    refuses a grid that would take minutes to validate and days to run, before any trial is made."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping with name, base, grid or points, seeds")
    try:
        spec = _validate(SweepSpec, raw, "")
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    if max_trials is not None and max_trials < 1:
        raise ConfigError(f"--max-trials must be at least 1 (got {max_trials})")
    MAX_TRIALS.check(spec.trial_count, f"{source}:", "--max-trials N or ", max_trials)
    base_path = base_dir / spec.base
    base_raw, _ = load_target(str(base_path) if base_path.suffix in (".yaml", ".yml") else spec.base)
    if not isinstance(base_raw, dict):
        raise ConfigError(f"base {spec.base}: expected a mapping")
    for key, value in spec.fixed.items():
        set_field(base_raw, key, value, source="set")
    points = spec.point_list()
    swept = list(dict.fromkeys(key for point in points for key in point))
    if SEED in swept:
        raise ConfigError(f"{source}: seed: list the seeds under 'seeds', not in grid or points")
    for override in overrides:
        key = override.partition("=")[0].strip()
        clash = [s for s in swept if s == key or s.startswith(key + ".") or key.startswith(s + ".")]
        if clash:
            raise ConfigError(f"--set {key}: the sweep varies {clash[0]}; change its grid or points instead")
    base_raw = apply_overrides(base_raw, list(overrides))
    base_config = validate_config(base_raw).model_dump(mode="json")

    ids = _point_ids(points, spec.labels)
    trials = []
    first_of_config = {}  # a point's config (at the first seed) -> the point's index
    for index, point in enumerate(points):
        for seed in spec.seed_list:
            trial_raw = copy.deepcopy(base_raw)
            for key, value in point.items():
                set_field(trial_raw, key, value, source=f"point {ids[index]}:")
            trial_raw["seed"] = seed
            trial_id = f"{ids[index]},seed={seed}"
            try:
                validated = validate_config(trial_raw)
                check_fits(validated)
            except ConfigError as error:
                raise ConfigError(f"trial {trial_id}: {error}") from None
            config = validated.model_dump(mode="json")
            if seed == spec.seed_list[0]:
                same = first_of_config.setdefault(json.dumps(config, sort_keys=True), index)
                if same != index:
                    raise ConfigError(f"{source}: points {same + 1} and {index + 1} give the same config "
                                      f"({_overrides_text(point)}); each point must differ")
            values = {key: _column_value(_lookup(config, key)) for key in swept}
            if any(spec.labels):
                values = {LABEL: spec.labels[index] or ids[index], **values}
            trials.append(Trial(trial_id, index, seed, values, config))
    return Sweep(spec, list(overrides), base_config, swept, trials)


def _point_ids(points: list[dict], labels: list[str | None]) -> list[str]:
    """Readable, stable names of grid points (their labels, or ``alpha=0.2,beta=1``); a short hash keeps
    them unique."""
    slugs = []
    for point, label in zip(points, labels):
        text = label or ",".join(f"{key.rsplit('.', 1)[-1]}={_short(value)}" for key, value in point.items()) or "base"
        slugs.append(re.sub(r"[^A-Za-z0-9.,=+_-]+", "-", text).strip("-")[:60] or "point")
    if len(set(slugs)) == len(slugs):
        return slugs
    return [f"{slug}-{hashlib.sha1(json.dumps(point, sort_keys=True).encode()).hexdigest()[:6]}"
            for slug, point in zip(slugs, points)]


def trial_name(sweep_name: str, trial_id: str) -> str:
    """A trial as a reader names it: its point and seed (``no-method, seed 0``), or in a sweep over seeds
    alone its sweep's (``evolution-post, seed 1``); not its directory's ``base,seed=1``."""
    point, _, seed = trial_id.rpartition(",seed=")
    return f"{sweep_name if point == 'base' else point}, seed {seed}"


def _overrides_text(point: dict) -> str:
    return ", ".join(f"{key}={_short(value)}" for key, value in point.items()) or "no overrides"


def _short(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def point_names(rows: pd.DataFrame, columns: list[str]) -> list[str]:
    """A readable name per grid point: its label, or its swept values (methods by name, with the settings
    that tell apart points whose methods share names: ``l2-to-initial (weight=1.0)``)."""
    if LABEL in columns:
        return [str(label) for label in rows[LABEL]]
    varying = varying_settings(rows["methods"]) if "methods" in columns else {}
    names = []
    for _, row in rows.iterrows():
        parts = []
        for column in columns:
            if column == "methods":
                parts.append(methods_name(json.loads(row[column]), varying))
            else:
                parts.append(f"{column.rsplit('.', 1)[-1]}={row[column]}")
        names.append(", ".join(parts))
    return names


def methods_name(methods: list[dict], varying: dict[str, set] | None = None) -> str:
    """The methods by name, each with its ``varying`` settings (method name -> keys) where it has any."""
    def one(method: dict) -> str:
        keys = (varying or {}).get(method["name"], ())
        settings = ", ".join(f"{key}={method.get(key)}" for key in sorted(keys))
        return f"{method['name']} ({settings})" if settings else method["name"]

    return " + ".join(map(one, methods)) or "no method"


def varying_settings(values: pd.Series) -> dict[str, set]:
    """Per method name, the settings whose values differ between the distinct method lists (JSON) of a sweep:
    what names its points apart where the methods' names alone would read alike."""
    seen: dict[str, list[dict]] = {}
    for value in set(values):
        for method in json.loads(value):
            seen.setdefault(method["name"], []).append(method)
    return {name: keys for name, methods in seen.items()
            if (keys := {key for m in methods for key in m if len({json.dumps(x.get(key)) for x in methods}) > 1})}


def trial_names(sweep: Sweep) -> dict[str, str]:
    """Each trial as a reader names it in progress lines, its point as the report names it, and its seed
    (``kl-to-base, seed 0``); in a sweep over seeds alone, by the sweep's name (``evolution-post, seed 1``)."""
    rows = pd.DataFrame([trial.values for trial in sweep.trials])
    points = point_names(rows, sweep.columns) if sweep.columns else [sweep.spec.name] * len(sweep.trials)
    return {trial.id: f"{point}, seed {trial.seed}" for trial, point in zip(sweep.trials, points)}


def _lookup(data: Any, key: str) -> Any:
    for part in key.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _column_value(value: Any) -> Any:
    """Table cells hold scalars; a swept mapping or list is stored as its JSON text."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else json.dumps(value, sort_keys=True)


# --- running trials ----------------------------------------------------------------------------


def _failure(error: BaseException) -> dict:
    return {"status": "failed", "error": " ".join(f"{type(error).__name__}: {error}".split())}


def run_trial(config: dict, trial_dir: str, eval_cache: str) -> dict:
    """Run one trial into its directory, sharing evaluations through ``eval_cache``, holding the trial's lock
    while it writes there. A failure is returned as data so the other trials go on."""
    from .runner import execute

    started = time.perf_counter()
    with _trial_locked(Path(trial_dir)):
        try:
            with _shared_eval_cache(Path(eval_cache)):
                execute(validate_config(config), Path(trial_dir), quiet=True)
        except Exception as error:  # noqa: BLE001 - any failure of one trial is recorded, not raised
            write_text(Path(trial_dir) / "error.txt", traceback.format_exc())
            return {**_failure(error), "wall_time_s": round(time.perf_counter() - started, 3)}
    return {"status": "ok", "wall_time_s": round(time.perf_counter() - started, 3)}


def _trial_locked(trial_dir: Path):
    trial_dir.parent.mkdir(parents=True, exist_ok=True)
    return _locked(trial_dir.parent / f".{trial_dir.name}.lock", f"{trial_dir}: a process of an earlier sweep "
                   "still writes in it")


@contextlib.contextmanager
def _locked(path: Path, busy: str):
    """Hold ``path`` locked (``flock``) against every other process, or refuse in one line naming the holder.

    The kernel lets go of a lock when its holder dies, so a lock a killed sweep left behind is stale at once
    and is taken over; the file only names its holder (pid, host, since) for that refusal, and is removed on
    release. A lock taken on a file that its holder removed meanwhile is not held: it is taken again."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode(errors="replace").strip() or "a process still starting"
            os.close(fd)
            raise ConfigError(f"{busy} ({holder}); wait for it to end, or choose another --out") from None
        try:
            held = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            held = False
        if held:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()} on host {socket.gethostname()}, since "
                 f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n".encode())
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


@dataclass(frozen=True)
class Job:
    key: tuple[int, str]  # (sweep index, trial id)
    config: dict
    trial_dir: str
    eval_cache: str  # the cache of evaluations every trial of the sweep shares

    @property
    def arguments(self) -> tuple[dict, str, str]:
        return self.config, self.trial_dir, self.eval_cache


def _share_cores(threads: int) -> None:
    """Give each worker its share of the cores: torch's default of one thread per core in every worker
    oversubscribes the machine (on 2 cores, a sweep of small LM trials ran 15x slower). A user's own
    OMP_NUM_THREADS wins."""
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def _run_local(jobs: list[Job], workers: int) -> Iterator[tuple[Job, dict]]:
    """A pool of worker processes, started with "spawn" (forking a process that holds torch is unsafe)."""
    if workers == 1:
        for job in jobs:
            yield job, run_trial(*job.arguments)
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_share_cores, initargs=(threads,))
    try:
        futures = {pool.submit(run_trial, *job.arguments): job for job in jobs}
        for future in as_completed(futures):
            error = future.exception()
            yield futures[future], (_failure(error) if error else future.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class TrialResources:
    """What Ray reserves for each trial, as the user asked (None: the default of :func:`trial_resources`)."""

    cpus: float | None = None
    gpus: float | None = None


def trial_resources(config: dict, asked: TrialResources, node_gpus: float) -> dict[str, float]:
    """Ray's ``num_cpus`` and ``num_gpus`` for one trial: as asked, else 1 CPU, and 1 GPU for a world that
    runs on a device of its choosing (``device: cuda`` or ``auto``) when the cluster's nodes have GPUs, so that
    trials on a many-GPU node each get one of their own (Ray sets CUDA_VISIBLE_DEVICES) instead of all landing
    on the first; toy worlds have no device and take none."""
    wants_gpu = config["world"].get("device") in ("cuda", "auto") and node_gpus > 0
    return {"num_cpus": 1 if asked.cpus is None else asked.cpus,
            "num_gpus": (1 if wants_gpu else 0) if asked.gpus is None else asked.gpus}


def _ray_trial(config: dict, trial_dir: str, eval_cache: str) -> dict:
    """:func:`run_trial` as a Ray task, noting the GPUs Ray gave it (``trials.json`` shows which trial had which)."""
    import ray

    return {**run_trial(config, trial_dir, eval_cache), "gpus": ray.get_gpu_ids()}


@contextlib.contextmanager
def _ray_session(workers: int, address: str | None, quiet: bool):
    """Ray for the trials: as it is when already initialised, else a local Ray started here, or the cluster at
    ``address``, which must answer within RAY_CONNECT_TIMEOUT_S."""
    import logging

    ray = _import_ray()
    if ray.is_initialized():
        yield ray
        return
    options = {"log_to_driver": not quiet, "logging_level": logging.WARNING}
    if address:
        _check_answers(address)
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise ConfigError(f"cannot join the Ray cluster at {address}: {error}") from None
    else:
        ray.init(num_cpus=workers, include_dashboard=False, **options)
    try:
        yield ray
    finally:
        ray.shutdown()


def _check_answers(address: str) -> None:
    """Refuse, within RAY_CONNECT_TIMEOUT_S, a ``host:port`` address where nothing answers (``auto`` and the
    like are Ray's to find)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=RAY_CONNECT_TIMEOUT_S).close()
    except OSError as error:
        problem = "no answer" if isinstance(error, TimeoutError) else error.strerror or str(error)
        raise ConfigError(f"the Ray cluster at {address} does not answer within {RAY_CONNECT_TIMEOUT_S} s "
                            f"({problem}); check --address, or start it with `ray start --head`") from None


def _largest_node(ray) -> dict[str, float]:
    """The most CPUs and GPUs any one live node of the Ray cluster has."""
    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    return {name: max((node.get(name, 0) for node in nodes), default=0) for name in ("CPU", "GPU")}


def _check_fits_cluster(ray, trials: list[Trial], asked: TrialResources) -> None:
    """Refuse trials that ask for more than any one node of the cluster has: Ray would wait for them forever."""
    largest = _largest_node(ray)
    for trial in trials:
        wanted = trial_resources(trial.config, asked, largest["GPU"])
        for key, name in (("num_cpus", "CPU"), ("num_gpus", "GPU")):
            if wanted[key] > largest[name]:
                raise ConfigError(f"trial {trial.id} asks Ray for {wanted[key]:g} {name}s, but no node of the "
                                  f"cluster has more than {largest[name]:g}; change --{name.lower()}s-per-trial")


def _run_ray(ray, jobs: list[Job], asked: TrialResources) -> Iterator[tuple[Job, dict]]:
    """Trials as Ray tasks, each with the resources it needs."""
    node_gpus = _largest_node(ray)["GPU"]
    remote_trial = ray.remote(_ray_trial)
    refs = {remote_trial.options(**trial_resources(job.config, asked, node_gpus)).remote(*job.arguments): job
            for job in jobs}
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            try:
                result = ray.get(ref)
            except Exception as error:  # noqa: BLE001 - a lost worker fails its trial only
                result = _failure(error)
            yield refs[ref], result


def _import_ray():
    try:
        import ray
    except ImportError:
        raise DriftlabError("the ray executor needs Ray: pip install 'driftlab[ray]'") from None
    return ray


EXECUTORS = ("local", "ray")


def run_sweeps(
    plans: list[tuple[Sweep, Path]],
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    quiet: bool = False,
    desc: str | None = None,
    resources: TrialResources = TrialResources(),
) -> list[SweepResult]:
    """Run several sweeps' pending trials on one executor (one progress bar), then write their tables.

    Everything that can refuse the command (directories, Ray and what it has) does so before anything is
    written; each sweep directory is locked while its trials run."""
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1 (got {workers})")
    if executor not in EXECUTORS:
        raise DriftlabError(f"unknown executor {executor!r} (known: {', '.join(EXECUTORS)})")
    if executor != "ray" and resources != TrialResources():
        raise ConfigError("--cpus-per-trial and --gpus-per-trial are for --executor ray")
    for sweep, out_dir in plans:
        _prepare_dir(sweep, Path(out_dir), write=False)
    with contextlib.ExitStack() as stack:
        if executor == "ray":
            ray = stack.enter_context(_ray_session(workers, address, quiet))
            _check_fits_cluster(ray, [trial for sweep, _ in plans for trial in sweep.trials], resources)
        results = [SweepResult(Path(out_dir)) for _, out_dir in plans]
        for sweep, result in zip((sweep for sweep, _ in plans), results):
            stack.enter_context(_holding(result.out_dir))
            _prepare_dir(sweep, result.out_dir, write=True)
        jobs = _pending_jobs([sweep for sweep, _ in plans], results)
        run = _run_local(jobs, workers) if executor == "local" else _run_ray(ray, jobs, resources)
        _run_jobs(run, jobs, sum(len(sweep.trials) for sweep, _ in plans), results, workers, quiet,
                  desc or plans[0][0].spec.name,
                  {(index, trial): name for index, (sweep, _) in enumerate(plans)
                   for trial, name in trial_names(sweep).items()})
        for (sweep, _), result in zip(plans, results):
            result.statuses = {trial.id: result.statuses[trial.id] for trial in sweep.trials}
            _write_tables(sweep, result)
    return results


@contextlib.contextmanager
def _holding(out_dir: Path):
    """The sweep directory locked for this process; made if new, and removed again if nothing came of it."""
    made = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with _locked(out_dir / LOCK, f"{out_dir}: another sweep is running in it"):
            yield
    finally:
        if made and not any(out_dir.iterdir()):
            out_dir.rmdir()


def _pending_jobs(sweeps: list[Sweep], results: list[SweepResult]) -> list[Job]:
    """The trials still to run (complete ones are marked resumed); a partial trial of a killed sweep is removed
    first, once no process of that sweep writes in it any more."""
    jobs = []
    eval_cache = str((results[0].out_dir / EVAL_CACHE).resolve())
    for index, (sweep, result) in enumerate(zip(sweeps, results)):
        for trial in sweep.trials:
            trial_dir = result.out_dir / TRIALS_DIR / trial.id
            if (trial_dir / SUMMARY).is_file():
                result.statuses[trial.id] = {"status": "ok", "resumed": True}
                continue
            if trial_dir.exists():
                with _trial_locked(trial_dir):
                    shutil.rmtree(trial_dir)
            jobs.append(Job((index, trial.id), trial.config, str(trial_dir.resolve()), eval_cache))
    return jobs


def _run_jobs(run: Iterator[tuple[Job, dict]], jobs: list[Job], total: int, results: list[SweepResult],
              workers: int, quiet: bool, desc: str, names: dict[tuple[int, str], str]) -> None:
    """Collect each finished trial's status, with a progress bar (or a line per trial in a log)."""
    progress = Progress(quiet)
    bar = progress.bar(total, desc, unit="trial")
    bar.update(total - len(jobs))
    failed = 0
    bar.set_postfix(running=min(workers, len(jobs)), failed=failed)
    for done, (job, status) in enumerate(run, start=1):
        results[job.key[0]].statuses[job.key[1]] = status
        failed += status["status"] != "ok"
        bar.set_postfix(running=min(workers, len(jobs) - done), failed=failed, refresh=False)
        bar.update(1)
        progress.note(f"trial {total - len(jobs) + done}/{total} {names[job.key]}: "
                      f"{status['status']} in "
                      f"{status.get('wall_time_s', 0):.0f} s")
    bar.close()


@contextlib.contextmanager
def _shared_eval_cache(folder: Path):
    """Trials evaluate the same starting model: they share evaluations through a cache in the (first) sweep's
    directory, unless the user points DRIFTLAB_EVAL_CACHE elsewhere."""
    if os.environ.get(CACHE_ENV):
        yield
        return
    os.environ[CACHE_ENV] = str(folder.resolve())
    try:
        yield
    finally:
        del os.environ[CACHE_ENV]


def _prepare_dir(sweep: Sweep, out_dir: Path, write: bool) -> None:
    """Refuse a directory that holds something else than this sweep; with ``write`` (the lock held), note the
    sweep's definition in a new one."""
    check_writable(out_dir)
    text = dump_yaml(sweep.definition())
    definition = out_dir / DEFINITION
    if definition.is_file():
        stored = _parse_yaml(read_text(definition), str(definition))
        if stored != _parse_yaml(text, str(definition)):
            name = stored.get("name") if isinstance(stored, dict) else None
            raise ConfigError(
                f"{out_dir} holds a different sweep ({name!r}); resume with the same sweep file and --set "
                "overrides, or choose a new --out"
            )
    elif out_dir.is_dir() and any(path.name != LOCK for path in out_dir.iterdir()):
        raise ConfigError(f"output directory already exists and is not a sweep directory: {out_dir}")
    elif write:
        write_text(definition, text)


# --- combined tables ---------------------------------------------------------------------------


def _write_tables(sweep: Sweep, result: SweepResult) -> None:
    out_dir = result.out_dir
    trials, tables, headline = [], [], []
    for trial in sweep.trials:
        status = result.statuses[trial.id]
        if status["status"] != "ok":
            trials.append({"id": trial.id, **trial.values, SEED: trial.seed, **status})
            continue
        table, summary = load_run(out_dir / TRIALS_DIR / trial.id)
        timing = summary.get("timing", {})
        trials.append({"id": trial.id, **trial.values, SEED: trial.seed, **status, **timing})
        for key, value in timing.items():
            result.timing[key] = result.timing.get(key, 0) + value
        labels = {"trial": trial.id, **trial.values, SEED: trial.seed}
        tables.append(table.assign(**labels)[[*labels, *table.columns]])
        for name, value in summary["headline"].items():
            if value is None or isinstance(value, (int, float)):
                headline.append({"point": trial.point, "trial": trial.id, **trial.values, SEED: trial.seed,
                                 HEADLINE_COLUMN: name, "value": value})
    write_json(out_dir / TRIALS, trials)
    if not tables:
        return
    write_parquet(out_dir / METRICS, pd.concat(tables, ignore_index=True))
    headline = pd.DataFrame(headline).astype({"value": float})
    write_parquet(out_dir / HEADLINE, headline.drop(columns="point"))
    aggregates = aggregate(headline, sweep.columns)
    write_parquet(out_dir / AGGREGATES, aggregates)
    write_text(out_dir / AGGREGATES_CSV, aggregates.to_csv(index=False))


def aggregate(headline: pd.DataFrame, swept: list[str]) -> pd.DataFrame:
    """Per grid point and headline figure, statistics across seeds (in the sweep's order)."""
    rows = []
    for (_, name), group in headline.groupby(["point", HEADLINE_COLUMN], sort=False):
        first = group.iloc[0]
        rows.append({**{key: first[key] for key in swept}, HEADLINE_COLUMN: name,
                     **mean_ci95(group["value"].astype(float))})
    return pd.DataFrame(rows)
