"""Figures of the gradient-descent toy model, like the post's section 6.2."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import FIGURES
from ..slip import FIRST_STEP
from ..table import metric_frame, metric_mean
from ..worlds.gradient import SLIP_ALIGNMENT, SLIP_READING
from .common import new_figure, plot_replicas

PANELS = [
    ("capability", "capability c", "tab:green"),
    ("alignment", "alignment a (true)", "tab:blue"),
    ("detector_bias", "detector bias b", "tab:red"),
    ("detector_variance", "detector variance v", "tab:purple"),
]


@FIGURES.register_as("gradient")
def gradient_figures(table: pd.DataFrame, config) -> dict:
    return {"parameters": _parameters(table, config), "detector_vs_alignment": _detector_vs_alignment(table, config)}


def _run_label(config) -> str:
    return (f"penalty {config.penalty:g} w.p. {config.penalty_prob:g}, eps {config.eps:g}, "
            f"{config.optimizer} lr {config.lr:g}")


def _parameters(table, config):
    """The four trainable scalars over training, one panel each (capability grows on its own scale)."""
    figure, axes = new_figure(ncols=4, width=3.6, height=3.2)
    for ax, (metric, label, color) in zip(axes, PANELS):
        plot_replicas(ax, table, metric, label, color)
        if metric != "capability":  # the same [0, 1]-including scale in every run, so runs compare at a glance
            low, high = ax.get_ylim()
            ax.set_ylim(min(low, -0.05), max(high, 1.05))
        ax.set(xlabel="step", title=label)
        ax.grid(alpha=0.3)
    figure.suptitle(f"Parameters over training ({_run_label(config)})", y=1.03)
    return figure


def _detector_vs_alignment(table, config):
    """What the detector says against the truth: the shaded gap is misalignment slipping through."""
    figure, (ax,) = new_figure(width=7.0, height=4.2)
    reading = metric_mean(table, "detector_reading")
    alignment = metric_mean(table, "alignment")
    ax.fill_between(alignment.index, alignment, np.maximum(reading, alignment), color="tab:red", alpha=0.15,
                    label="misalignment the detector misses")
    replicas = metric_frame(table, "alignment").shape[1]
    mean_of = f" (mean of {replicas} replicas)" if replicas > 1 else ""
    ax.plot(reading.index, reading, color="tab:orange", linewidth=1.5, label=f"detector reading{mean_of}")
    ax.plot(alignment.index, alignment, color="tab:blue", linewidth=2, label=f"true alignment{mean_of}")
    slip = metric_frame(table, FIRST_STEP).iloc[-1]
    if slip.notna().any():
        ax.axvline(slip.mean(), color="k", linestyle=":", linewidth=1,
                   label=f"slipped through: a < {SLIP_ALIGNMENT:g}, reading >= {SLIP_READING:g}\n"
                   f"(mean step {slip.mean():,.0f}, {slip.notna().sum()} of {slip.size} replicas)")
    ax.set_ylim(min(ax.get_ylim()[0], -0.05), max(ax.get_ylim()[1], 1.05))
    ax.set(xlabel="step", ylabel="alignment", title=f"Detector reading vs true alignment ({_run_label(config)})")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    return figure
