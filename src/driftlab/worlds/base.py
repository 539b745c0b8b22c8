"""The world interface: the thing being modified, step after step.

A world is built from its validated config, the configured methods and a seed. ``prepare`` reads and
checks its inputs before the run directory exists; ``run`` fills a :class:`~driftlab.table.Recorder` with
tidy metrics; ``headline`` and ``compare`` read only the finished table (as do the world's plots in
``driftlab/plots/``), so a run, a sweep and a report all see the same numbers.

Every world names three comparison figures alike (:class:`Comparison`), so that one report compares
methods in any world: its final capability, its held-out alignment (the truth a developer cannot select
on) and its proxy alignment (the fixed metric the developer has), alignment from 0 to 1, higher is better.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import ClassVar

import pandas as pd

from ..config import WorldConfig
from ..methods.base import MethodStack
from ..progress import Progress
from ..table import Recorder


@dataclass(frozen=True)
class Comparison:
    """The figures every world names alike; None where a world has no such thing (the evolution model has
    no capability)."""

    capability: float | None = None
    heldout_alignment: float | None = None
    proxy_alignment: float | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, float]:
        return {name: value for name, value in asdict(self).items() if value is not None}


class World:
    name: ClassVar[str]
    Config: ClassVar[type[WorldConfig]]
    # The groups of method hooks (methods.base.HOOK_GROUPS) this world calls; none: it runs no methods.
    drives: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, config: WorldConfig, methods: MethodStack, seed: int, run_dir: Path):
        self.config = config
        self.methods = methods
        self.seed = seed
        self.run_dir = run_dir

    @property
    def replicas(self) -> int:
        """Independent copies run together; each is a ``replica`` in the table."""
        return getattr(self.config, "replicas", 1)

    def prepare(self) -> None:
        """Read and check inputs (data files, checkpoints to resume from) before the run directory is made,
        so that a bad input costs nothing and leaves nothing behind."""

    def run(self, recorder: Recorder, progress: Progress) -> None:
        raise NotImplementedError

    def timing(self) -> dict:
        """Where the run's time went (e.g. training and evaluation seconds, cached evaluations), for
        ``summary.json`` and a sweep's time per trial; empty where a world does not split it."""
        return {}

    @classmethod
    def headline(cls, table: pd.DataFrame, config: WorldConfig) -> dict:
        """The world's own headline figures of a run, from its table (JSON-serialisable)."""
        return {}

    @classmethod
    def compare(cls, table: pd.DataFrame, config: WorldConfig) -> Comparison:
        """The comparison figures of a run, from its table."""
        raise NotImplementedError(f"world {cls.name!r} does not say what its comparison figures are")

    @classmethod
    def step_metrics(cls, metrics: list[str]) -> list[str]:
        """Of a table's metrics, those worth a plot over steps in a sweep report, where each is a figure: by
        default every one (a toy world records a few); a world that records many statistics names its own."""
        return metrics

    @classmethod
    def plotted_figures(cls, names: list[str]) -> list[str]:
        """Of the summary figures, those worth a plot against a sweep's swept fields (the comparison figures
        come first anyway): by default every one, in order."""
        return names

    @classmethod
    def positive_control(cls, table: pd.DataFrame, config: WorldConfig) -> str | None:
        """For a run configured as a positive control (one whose result is known in advance if the instrument
        works), one line: whether it passed by its stated criterion. None for every other run."""
        return None

    @classmethod
    def summarize(cls, table: pd.DataFrame, config: WorldConfig) -> dict:
        """Everything ``summary.json`` reports: the headline figures and the comparison figures."""
        return {**cls.headline(table, config), **cls.compare(table, config).as_dict()}

    # The config fields a run's memory grows with, named when a run would not fit in memory.
    size_fields: ClassVar[tuple[str, ...]] = ()
    # Peak bytes per row of the tidy table over a run: the recorder's arrays, the frame, parquet and plots
    # (measured 80-170 on the toy worlds).
    table_row_bytes: ClassVar[int] = 120

    @classmethod
    def estimated_bytes(cls, config: WorldConfig) -> int | None:
        """Rough peak memory of a run of ``config`` (None: no estimate). Checked against what the machine has
        before the run directory is made (``driftlab.ram``), so a run that cannot fit fails in one line."""
        return None
