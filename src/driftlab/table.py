"""The tidy metrics table: the public contract between worlds and everything that reads results.

One row per (replica, step, metric): columns ``replica`` (int), ``step`` (int), ``metric`` (str),
``value`` (float). Worlds write it through a :class:`Recorder`; summaries, plots, sweeps and reports
read only this table.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

COLUMNS = ["replica", "step", "metric", "value"]


class Recorder:
    """Collects metric values for all replicas at a step; cheap to call inside a training loop."""

    def __init__(self, replicas: int):
        self.replicas = replicas
        self._steps: list[np.ndarray] = []
        self._metrics: list[str] = []
        self._values: list[np.ndarray] = []

    def record(self, step: int, values: Mapping[str, object]) -> None:
        """Record each metric at ``step``: a scalar (same for all replicas) or one value per replica."""
        for metric, value in values.items():
            array = np.asarray(value, dtype=np.float64).reshape(-1)
            if array.size == 1:
                array = np.repeat(array, self.replicas)
            if array.size != self.replicas:
                raise ValueError(f"metric {metric!r}: {array.size} values for {self.replicas} replicas")
            self._steps.append(np.full(self.replicas, step, dtype=np.int64))
            self._metrics.append(metric)
            self._values.append(array)

    def table(self) -> pd.DataFrame:
        if not self._values:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(COLUMNS, ["int64", "int64", "str", "float64"])})
        return pd.DataFrame(
            {
                "replica": np.tile(np.arange(self.replicas, dtype=np.int64), len(self._values)),
                "step": np.concatenate(self._steps),
                "metric": np.repeat(np.array(self._metrics, dtype=object), self.replicas),
                "value": np.concatenate(self._values),
            }
        )


def metric_frame(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric as a wide frame: index step, one column per replica."""
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise KeyError(f"metric {metric!r} is not in the table")
    return rows.pivot(index="step", columns="replica", values="value").sort_index()


def metric_mean(table: pd.DataFrame, metric: str) -> pd.Series:
    """One metric averaged over replicas, indexed by step."""
    return metric_frame(table, metric).mean(axis=1)
