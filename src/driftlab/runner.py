"""Run one config: world -> tidy table -> run directory.

A run directory holds ``config.yaml`` (written first), ``metrics.parquet``, ``plots/*.png`` and
``summary.json`` (written last, so its presence marks a complete run). Every file is written
atomically.
"""

from __future__ import annotations

import math
import platform
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .config import RunConfig, dump_config
from .errors import ConfigError, DriftlabError
from .io import check_writable, read_text, save_figure, write_json, write_parquet, write_text
from .layout import CONFIG, METRICS, PLOTS, SUMMARY
from .ram import check_fits
from .methods.base import MethodStack
from .progress import Progress
from .registry import FIGURES, WORLDS
from .table import Recorder


@dataclass
class RunResult:
    out_dir: Path
    table: pd.DataFrame
    summary: dict
    config: RunConfig | None = None


NO_SIGNAL_HELP = ('"no signal": the model\'s choices did not depend on the options\' content there, so its score is '
                  'no measurement, not a propensity of 0.5 (README.md, "The propensity instrument: eval files, '
                  'scorers, validity", No signal)')
FIGURE_PARTS = ("_base", "_start", "_final", "_max_rise")  # one line per figure: its base, start, final, largest rise


def summary_lines(result: RunResult) -> list[str]:
    """The end of a run as a reader wants it: each headline figure on one line with its base, start, final and
    largest rise, rounded to 3 decimals, "no signal" where its signal flag is 0, what that means, and for a
    positive control whether it passed."""
    from .lm.evaluator import NO_SIGNAL

    headline, figures = result.summary["headline"], {}
    silent = False
    for key, value in headline.items():
        if key.endswith("_signal") or isinstance(value, (dict, list)):
            continue
        part = next((p for p in FIGURE_PARTS if key.endswith(p)), "")
        silent |= (flagged := headline.get(f"{key}_signal") == 0)
        shown = NO_SIGNAL if flagged else _rounded(value)
        figures.setdefault(key.removesuffix(part), []).append(f"{part[1:].replace('_', ' ')} {shown}".strip())
    lines = [f"  {figure}: {', '.join(parts)}" for figure, parts in figures.items()]
    if silent:
        lines.append(f"  {NO_SIGNAL_HELP}")
    if result.config is not None and (verdict := positive_control(result.config, result.table)):
        lines.append(f"  {verdict}")
    return lines


def _rounded(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "n/a" if value is None else str(value)
    return np.format_float_positional(round(value, 3), trim="-") if math.isfinite(value) else "n/a"


def positive_control(config: RunConfig, table: pd.DataFrame) -> str | None:
    """For a positive control (a run whose world says it is one), whether it passed by its stated criterion;
    None for other runs."""
    return WORLDS.get(config.world.type, "world.type").positive_control(table, config.world)


def default_out_dir(stem: str, root: Path = Path("runs")) -> Path:
    """``runs/<stem>-<UTC timestamp>``, made unique if two runs start in the same second."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    candidate = root / f"{stem}-{stamp}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = root / f"{stem}-{stamp}-{n}"
    return candidate


def jsonable(value):
    """Plain JSON types; NaN and infinities become null (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def provenance(seed: int, wall_time_s: float) -> dict:
    versions = {"driftlab": __version__, "python": platform.python_version(), "numpy": np.__version__}
    if "torch" in sys.modules:
        versions["torch"] = sys.modules["torch"].__version__
    return {"versions": versions, "seed": seed, "wall_time_s": round(wall_time_s, 3), "platform": platform.platform()}


def check_out_dir(out_dir: Path) -> None:
    """A new run's directory must be writable, and new or empty."""
    check_writable(out_dir)
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise ConfigError(f"output directory already exists and is not empty: {out_dir}")


def execute(config: RunConfig, out_dir: Path, quiet: bool = False, resume: bool = False) -> RunResult:
    """Run ``config`` into ``out_dir`` (which must be new or empty, unless ``resume``: see :func:`resume`).

    Everything that can be checked is checked before anything is written: the memory the run needs, the
    output directory, and the world's inputs (``World.prepare``)."""
    out_dir = Path(out_dir)
    check_fits(config)
    if not resume:
        check_out_dir(out_dir)
    world_cls = WORLDS.get(config.world.type, "world.type")
    world = world_cls(config.world, MethodStack.from_configs(config.methods), config.seed, out_dir)
    world.prepare()
    if not resume:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_text(out_dir / CONFIG, dump_config(config))

    recorder = Recorder(world.replicas)
    started = time.perf_counter()
    world.run(recorder, Progress(quiet))
    wall_time = time.perf_counter() - started

    table = recorder.table()
    write_parquet(out_dir / METRICS, table)
    make_figures = FIGURES.find(config.world.type)  # a world may register no figures
    for name, figure in (make_figures(table, config.world) if make_figures else {}).items():
        save_figure(out_dir / PLOTS / f"{name}.png", figure)
    summary = {
        "name": config.name,
        "world": config.world.type,
        "methods": [m.name for m in config.methods],
        "headline": jsonable(world_cls.summarize(table, config.world)),
        **provenance(config.seed, wall_time),
        **({"timing": world.timing()} if world.timing() else {}),
    }
    write_json(out_dir / SUMMARY, summary)
    return RunResult(out_dir, table, summary, config)


def resume(run_dir: Path, quiet: bool = False) -> RunResult:
    """Finish an interrupted run in its own directory, with the config it was started with.

    Worlds that checkpoint (``lm``) continue from their last complete checkpoint and give the numbers
    an uninterrupted run would have; other worlds simply run again from the start.
    """
    from .config import load_target, validate_config

    run_dir = Path(run_dir)
    if not (run_dir / CONFIG).is_file():
        raise ConfigError(f"not a run directory (no {CONFIG}): {run_dir}")
    if (run_dir / SUMMARY).is_file():
        raise ConfigError(f"the run is already complete ({SUMMARY} exists): {run_dir}")
    config = validate_config(load_target(str(run_dir / CONFIG))[0])
    return execute(config, run_dir, quiet, resume=True)


def load_run(run_dir: Path) -> tuple[pd.DataFrame, dict]:
    """The table and summary of a complete run directory."""
    import json

    run_dir = Path(run_dir)
    if not (run_dir / SUMMARY).is_file():
        raise DriftlabError(f"not a complete run directory (no {SUMMARY}): {run_dir}")
    return pd.read_parquet(run_dir / METRICS), json.loads((run_dir / SUMMARY).read_text())


def measure_into(config: RunConfig, out_dir: Path, quiet: bool = False):
    """Run a measure config into ``out_dir``. A directory that holds this same measure continues it: the
    steps it recorded are kept, the rest (a killed run's, a trainer's new checkpoints) are measured."""
    out_dir = Path(out_dir)
    if not (out_dir / CONFIG).is_file():
        return execute(config, out_dir, quiet)
    if read_text(out_dir / CONFIG) != dump_config(config):
        raise ConfigError(f"--out {out_dir}: holds a run with another config than this measure's; measure into a "
                          "new output directory")
    return execute(config, out_dir, quiet, resume=True)
