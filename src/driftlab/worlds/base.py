"""The world interface: the thing being modified, step after step.

A world is built from its validated config, the configured methods and a seed. ``run`` fills a
:class:`~driftlab.table.Recorder` with tidy metrics; ``summarize`` reads only the finished table (as do
the world's figures in ``driftlab/plots/``), so a run, a sweep and a report all see the same numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pandas as pd

from ..config import WorldConfig
from ..methods.base import MethodStack
from ..progress import Progress
from ..table import Recorder


class World:
    name: ClassVar[str]
    Config: ClassVar[type[WorldConfig]]

    def __init__(self, config: WorldConfig, methods: MethodStack, seed: int, run_dir: Path):
        self.config = config
        self.methods = methods
        self.seed = seed
        self.run_dir = run_dir

    @property
    def replicas(self) -> int:
        """Independent copies run together; each is a ``replica`` in the table."""
        return getattr(self.config, "replicas", 1)

    def run(self, recorder: Recorder, progress: Progress) -> None:
        raise NotImplementedError

    @classmethod
    def summarize(cls, table: pd.DataFrame, config: WorldConfig) -> dict:
        """Headline figures of a run, computed from its table (JSON-serialisable)."""
        return {}
