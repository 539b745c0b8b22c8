"""Figures of the ``lm`` world: propensity scores per stage with confidence bands, capability, loss, KL."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..names import eval_metric, parse_eval_metric
from ..registry import FIGURES
from ..table import metric_mean
from .common import new_figure

PART_COLORS = {"proxy": "tab:orange", "heldout": "tab:blue"}


@FIGURES.register_as("lm")
def lm_figures(table: pd.DataFrame, config) -> dict:
    sets = sorted({parsed.eval_set for m in table["metric"].unique() if (parsed := parse_eval_metric(m))})
    return {
        "scores": _eval_figure(table, sets, "score", "misaligned choices, M / (M + O)"),
        "p_misaligned": _eval_figure(table, sets, "p_misaligned", "P(misaligned option)"),
        "training": _training_figure(table),
    }


def _band(ax, table: pd.DataFrame, metric: str, label: str, color: str) -> None:
    """A metric per stage with its bootstrap interval (``<metric>_ci_low`` / ``_ci_high``) as a band."""
    series = metric_mean(table, metric)
    ax.plot(series.index, series.values, marker="o", color=color, label=label)
    if f"{metric}_ci_low" in set(table["metric"]):
        low, high = metric_mean(table, f"{metric}_ci_low"), metric_mean(table, f"{metric}_ci_high")
        ax.fill_between(low.index, low.values, high.values, color=color, alpha=0.2, label=f"{label}, 95% CI")


def _eval_figure(table: pd.DataFrame, sets: list[str], statistic: str, ylabel: str):
    figure, axes = new_figure(ncols=max(1, len(sets)), width=5.0)
    metrics = set(table["metric"])
    for ax, name in zip(axes, sets):
        for part, color in PART_COLORS.items():
            if eval_metric(name, part, statistic) in metrics:
                _band(ax, table, eval_metric(name, part, statistic), part, color)
        ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
        ax.set(title=name, xlabel="stage (0 = starting model)", ylabel=ylabel, ylim=(-0.02, 1.02))
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def _training_figure(table: pd.DataFrame):
    figure, (capability, loss, kl) = new_figure(ncols=3, width=4.5)
    _band(capability, table, "capability/accuracy", "held-out exact match", "tab:green")
    capability.set(title="Capability", xlabel="stage", ylabel="accuracy", ylim=(-0.02, 1.02))
    capability.legend(fontsize=8)
    if "train/loss" in set(table["metric"]):
        series = metric_mean(table, "train/loss")
        loss.plot(series.index, series.values, marker="o", color="tab:purple")
    loss.set(title="Training loss (mean over the stage)", xlabel="stage", ylabel="loss per assistant token")
    series = metric_mean(table, "kl/from_start")
    kl.plot(series.index, series.values, marker="o", color="tab:red")
    kl.set(title="KL from the starting model", xlabel="stage", ylabel="nats (next token at reply start)")
    for ax in (capability, loss, kl):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure
