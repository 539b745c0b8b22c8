"""Drawing helpers shared by every world's figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..table import metric_frame  # noqa: E402


def new_figure(ncols: int = 1, width: float = 6.0, height: float = 4.0):
    figure, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False)
    return figure, list(axes[0])


def plot_replicas(ax, table: pd.DataFrame, metric: str, label: str, color: str, skip_step0: bool = False) -> None:
    """One thin line per replica and a bold line for their mean."""
    frame = metric_frame(table, metric)
    if skip_step0:
        frame = frame[frame.index > 0]
    if frame.shape[1] > 1:
        ax.plot(frame.index, frame.values, color=color, alpha=0.25, linewidth=0.8)
        label = f"{label} (mean of {frame.shape[1]} replicas)"
    ax.plot(frame.index, frame.mean(axis=1), color=color, linewidth=2, label=label)
