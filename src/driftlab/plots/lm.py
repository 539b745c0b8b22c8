"""Figures of the ``lm`` world: propensity scores per stage with confidence bands and the stages where a model
gave no signal marked, the validity figures beside them, capability, loss, KL."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..names import BASE_STEP, eval_metric, parse_eval_metric, scored
from ..registry import FIGURES
from ..table import metric_mean
from .common import new_figure

PART_COLORS = {"proxy": "tab:orange", "heldout": "tab:blue"}
SCORER_TITLES = {"letter": "", "continuation": " (continuation scorer)"}


@FIGURES.register_as("lm")
def lm_figures(table: pd.DataFrame, config, steps: str = "stage (0 = starting model)") -> dict:
    """The figures of a table of lm-style evaluations; ``steps`` names the x axis (the measure world's
    steps are checkpoints'). With an aligned start the base model is step -1, and the alignment training
    between it and the aligned start (step 0) is shaded."""
    metrics = set(table["metric"])
    if BASE_STEP in set(table["step"]):
        steps = "stage (-1 = base model, 0 = aligned start)"
    sets = sorted({parsed.eval_set for m in metrics if (parsed := parse_eval_metric(m))})
    figures = {}
    for scorer, prefix in (("letter", ""), ("continuation", "cont_")):
        if not any(eval_metric(name, part, scored("score", scorer)) in metrics for name in sets for part in PART_COLORS):
            continue
        title = SCORER_TITLES[scorer]
        figures[f"{prefix}scores"] = _eval_figure(table, sets, scorer, "score", "misaligned choices, M / (M + O)" + title,
                                                  steps)
        figures[f"{prefix}p_misaligned"] = _eval_figure(table, sets, scorer, "p_misaligned",
                                                        "P(misaligned option)" + title, steps)
        figures[f"{prefix}validity"] = _validity_figure(table, sets, scorer, steps)
    figures["training"] = _training_figure(table, steps)
    return figures


def _band(ax, table: pd.DataFrame, metric: str, label: str, color: str) -> None:
    """A metric per stage with its bootstrap interval (``<metric>_ci_low`` / ``_ci_high``) as a band."""
    series = metric_mean(table, metric)
    ax.plot(series.index, series.values, marker="o", color=color, label=label)
    if f"{metric}_ci_low" in set(table["metric"]):
        low, high = metric_mean(table, f"{metric}_ci_low"), metric_mean(table, f"{metric}_ci_high")
        ax.fill_between(low.index, low.values, high.values, color=color, alpha=0.2, label=f"{label}, 95% CI")


def _eval_figure(table: pd.DataFrame, sets: list[str], scorer: str, statistic: str, ylabel: str, steps: str):
    """Per eval set: the statistic of each part with its band; a grey cross over every stage whose choices
    gave no signal (their value is not a propensity); the chance level."""
    figure, axes = new_figure(ncols=max(1, len(sets)), width=5.0)
    metrics = set(table["metric"])
    for ax, name in zip(axes, sets):
        marked = False
        for part, color in PART_COLORS.items():
            metric = eval_metric(name, part, scored(statistic, scorer))
            if metric not in metrics:
                continue
            _band(ax, table, metric, part, color)
            signal = eval_metric(name, part, scored("signal", scorer))
            silent = metric_mean(table, signal) == 0 if signal in metrics else pd.Series(dtype=bool)
            if silent.any():
                series = metric_mean(table, metric)[silent]
                ax.scatter(series.index, series.values, marker="x", s=90, color="grey", zorder=3,
                           label=None if marked else "no signal (not a propensity)")
                marked = True
        # M / (M + O) of a random chooser is 1/2; its mean P(misaligned) the mean of 1/n when one option is.
        chance = eval_metric(name, "heldout" if eval_metric(name, "heldout", "chance") in metrics else "proxy", "chance")
        level = metric_mean(table, chance).iloc[0] if statistic == "p_misaligned" and chance in metrics else 0.5
        ax.axhline(level, color="grey", linewidth=0.8, linestyle=":", label="chance")
        if BASE_STEP in set(table["step"]):
            ax.axvspan(BASE_STEP, 0, color="tab:green", alpha=0.08, label="alignment training")
        ax.set(title=name, xlabel=steps, ylabel=ylabel, ylim=(-0.02, 1.02))
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def _validity_figure(table: pd.DataFrame, sets: list[str], scorer: str, steps: str):
    """Per eval set and part: order consistency against its chance level, the share of variance explained
    by position, and (letter scorer) the probability mass on the label tokens."""
    figure, axes = new_figure(ncols=max(1, len(sets)), width=5.0)
    metrics = set(table["metric"])
    styles = {"order_consistency": ("-", "o", "order consistency"), "consistency_chance": (":", None, "its chance level"),
              "position_r2": ("--", "s", "variance explained by position"), "label_mass": ("-.", "^", "label mass")}
    for ax, name in zip(axes, sets):
        for part, color in PART_COLORS.items():
            for statistic, (line, marker, label) in styles.items():
                metric = eval_metric(name, part, scored(statistic, scorer))
                if metric in metrics:
                    series = metric_mean(table, metric)
                    ax.plot(series.index, series.values, linestyle=line, marker=marker, color=color,
                            label=f"{part}: {label}")
        ax.set(title=f"{name}: validity{SCORER_TITLES[scorer]}", xlabel=steps, ylabel="share", ylim=(-0.02, 1.02))
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def _training_figure(table: pd.DataFrame, steps: str):
    """Capability, the training loss (where the table has one) and the KL from the start."""
    trained = "train/loss" in set(table["metric"])
    figure, axes = new_figure(ncols=3 if trained else 2, width=4.5)
    capability, kl = axes[0], axes[-1]
    _band(capability, table, "capability/accuracy", "held-out exact match", "tab:green")
    capability.set(title="Capability", xlabel=steps, ylabel="accuracy", ylim=(-0.02, 1.02))
    capability.legend(fontsize=8)
    if trained:
        series = metric_mean(table, "train/loss")
        axes[1].plot(series.index, series.values, marker="o", color="tab:purple")
        axes[1].set(title="Training loss (mean over the stage)", xlabel=steps, ylabel="loss per assistant token")
    series = metric_mean(table, "kl/from_start")
    kl.plot(series.index, series.values, marker="o", color="tab:red")
    kl.set(title="KL from the starting model", xlabel=steps, ylabel="nats (next token at reply start)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure
