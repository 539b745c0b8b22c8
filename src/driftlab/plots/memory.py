"""Figures of the ``memory`` world: the lm world's over memory updates, and the memory itself: held-out and
proxy alignment with the rejected updates marked, and what the memory holds, note kind by note kind."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..lm.evaluator import alignment_series
from ..registry import FIGURES
from ..table import metric_mean
from .common import new_figure
from .lm import PART_COLORS, lm_figures

KIND_COLORS = {"neutral": "tab:grey", "correction": "tab:olive", "lawful": "tab:blue", "policy-lawful": "navy",
               "self-serving": "tab:red", "policy-self-serving": "darkred", "generated": "tab:purple"}


@FIGURES.register_as("memory")
def memory_figures(table: pd.DataFrame, config) -> dict:
    figures = lm_figures(table, config, steps="memory update (0 = empty memory)")
    figures["capability"] = figures.pop("training")  # capability and KL: nothing was trained
    figures["memory"] = _memory_figure(table, config)
    return figures


def _memory_figure(table: pd.DataFrame, config):
    """Left: held-out and proxy alignment (1 - mean P(misaligned), parts without a signal left out) at every
    evaluated update, the rejected updates marked. Right: the notes kept, stacked by kind."""
    figure, (curves, kept) = new_figure(ncols=2, width=5.5)
    scorer = "continuation" if config.scoring == "continuation" else "letter"  # as the comparison reads it
    for part, color in PART_COLORS.items():
        series = alignment_series(table, part, None, scorer).dropna()
        if len(series):
            curves.plot(series.index, series.values, marker="o", color=color, label=f"{part} alignment")
    if "memory/accepted" in set(table["metric"]):
        accepted = metric_mean(table, "memory/accepted")
        rejected = accepted.index[accepted == 0]
        if len(rejected):
            curves.scatter(rejected, [0.0] * len(rejected), marker="x", color="grey", label="update rejected")
    curves.set(title="Alignment with the memory as it stands", xlabel="memory update", ylabel="1 - P(misaligned)",
               ylim=(-0.04, 1.02))
    if curves.get_legend_handles_labels()[0]:  # no eval part with a signal: nothing to name
        curves.legend(fontsize=8)
    prefix = "memory/kept/"
    kinds = sorted(m.removeprefix(prefix) for m in set(table["metric"]) if m.startswith(prefix))
    if kinds:
        counts = pd.DataFrame({kind: metric_mean(table, prefix + kind) for kind in kinds})
        kept.stackplot(counts.index, counts.T.values, labels=kinds,
                       colors=[KIND_COLORS.get(kind, "tab:cyan") for kind in kinds], alpha=0.8)
        kept.legend(fontsize=8, loc="upper left")
    kept.set(title="What the memory holds", xlabel="memory update", ylabel="notes kept")
    for ax in (curves, kept):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure
