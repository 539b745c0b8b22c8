"""Figures of the ``debate`` world: a run's rates per protocol, and from a sweep's aggregates the rates against
the pixels revealed (one line per advocate strength) and the phase plot over pixels x strength (where the liar
wins), which the sweep report draws."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..layout import HEADLINE_COLUMN
from ..registry import FIGURES
from ..table import metric_frame
from ..worlds.debate import FIGURES as RATES
from ..worlds.debate import headline_name
from .common import new_figure, plt

PIXELS, STRENGTH = "world.pixels", "world.strength"
STRENGTHS = ("random", "greedy", "lookahead")
RATE_NAMES = {
    "alone/accuracy": "judge alone: accuracy",
    "consultancy/accuracy": "consultancy: accuracy (both sides)",
    "consultancy/honest/accuracy": "consultancy, honest: accuracy",
    "consultancy/liar/accuracy": "consultancy, liar: accuracy",
    "consultancy/liar/fool_rate": "consultancy, liar: fool rate",
    "debate/accuracy": "debate: accuracy (honest wins)",
    "debate-uncommitted/accuracy": "debate, uncommitted: accuracy",
}
# The sweep's panels: (title, [(headline figure, label)])
PANELS = [
    ("Judge alone: accuracy", [("alone_accuracy", "alone")]),
    ("Consultancy: the liar's fool rate", [("consultancy_liar_fool_rate", "fool rate")]),
    ("Debate: accuracy", [("debate_accuracy", "precommitted"), ("debate_uncommitted_accuracy", "uncommitted")]),
    ("Debate: the liar's win rate", [("debate_liar_win_rate", "precommitted"),
                                     ("debate_uncommitted_liar_win_rate", "uncommitted")]),
]
PHASES = [("consultancy_liar_fool_rate", "consultancy: fool rate"), ("debate_liar_win_rate", "debate: liar wins"),
          ("debate_uncommitted_liar_win_rate", "uncommitted debate: liar wins")]


@FIGURES.register_as("debate")
def debate_figures(table: pd.DataFrame, config) -> dict:
    return {"protocols": _protocols(table, config)}


def _protocols(table: pd.DataFrame, config):
    """Each rate: the mean over judges (bar) with its interval over images and judges, and every judge (dots)."""
    figure, (ax,) = new_figure(width=7.5, height=3.8)
    for row, name in enumerate(RATES):
        per_judge = metric_frame(table, name).iloc[-1]
        low, high = (metric_frame(table, f"{name}{end}").iloc[-1].mean() for end in ("_ci_low", "_ci_high"))
        color = "tab:red" if name.endswith("fool_rate") else "tab:blue"
        ax.barh(row, per_judge.mean(), xerr=[[per_judge.mean() - low], [high - per_judge.mean()]], color=color,
                alpha=0.6, capsize=3)
        ax.plot(per_judge, np.full(len(per_judge), row), "k.", markersize=4)
    ax.axvline(1 / 10, color="0.5", linestyle=":", linewidth=1, label="chance (1 in 10)")
    ax.set_yticks(range(len(RATES)), [RATE_NAMES[name] for name in RATES], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1.02), xlabel="share of held-out images",
           title=f"{config.pixels} pixels, {config.strength} advocates: mean of {config.replicas} judges (dots), "
                 "95% interval over images and judges")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
    figure.tight_layout()
    return figure


# --- a sweep over pixels x advocate strength ------------------------------------------------------


def is_debate_sweep(aggregates: pd.DataFrame | None, columns: list[str]) -> bool:
    """Whether a sweep's aggregates are the debate world's over the pixels revealed."""
    return (aggregates is not None and PIXELS in columns
            and headline_name(RATES[-1]) in set(aggregates[HEADLINE_COLUMN]))


def figure_grid(aggregates: pd.DataFrame, statistic: str = "mean") -> pd.DataFrame:
    """One row per (pixels, strength) and one column per headline figure: ``statistic`` across seeds."""
    keys = [PIXELS] + ([STRENGTH] if STRENGTH in aggregates else [])
    return aggregates.pivot_table(index=keys, columns=HEADLINE_COLUMN, values=statistic, aggfunc="first")


def against_pixels(aggregates: pd.DataFrame):
    """The protocols' rates against the pixels revealed, one line per advocate strength (mean and 95% CI across
    seeds)."""
    mean, low, high = (figure_grid(aggregates, s) for s in ("mean", "ci95_low", "ci95_high"))
    strengths = [s for s in STRENGTHS if STRENGTH in aggregates and s in set(aggregates[STRENGTH])] or [None]
    figure, axes = new_figure(ncols=len(PANELS), width=3.9, height=3.6)
    colors = {"random": "tab:gray", "greedy": "tab:blue", "lookahead": "tab:red", None: "tab:blue"}
    for ax, (title, shown) in zip(axes, PANELS):
        for (name, label), style in zip(shown, ("-o", "--s")):
            for strength in strengths:
                where = (slice(None), strength) if strength else slice(None)
                m, lo, hi = (frame.loc[where, name] for frame in (mean, low, high))
                pixels = m.index.get_level_values(0) if strength else m.index
                yerr = np.nan_to_num(np.vstack([m - lo, hi - m]))
                ax.errorbar(pixels, m, yerr=yerr, fmt=style, color=colors[strength], capsize=2, markersize=4,
                            label=f"{label}, {strength}" if len(shown) > 1 else strength)
        ax.axhline(0.5, color="0.6", linestyle=":", linewidth=1)
        ax.set(title=title, xlabel="pixels revealed (k)", ylim=(-0.03, 1.03))
        ax.title.set_fontsize(9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    figure.tight_layout()
    return figure


def phase_figure(aggregates: pd.DataFrame):
    """Over pixels x advocate strength, how often the liar gets its way: consultancy's fool rate and each
    debate's liar win rate (mean across seeds), red where the liar wins more often than not."""
    mean = figure_grid(aggregates)
    pixels = sorted(mean.index.get_level_values(PIXELS).unique())
    strengths = [s for s in STRENGTHS if s in set(mean.index.get_level_values(STRENGTH))]
    size = (0.9 * len(pixels) * len(PHASES) + 2, 0.7 * len(strengths) + 1.6)
    figure, axes = plt.subplots(1, len(PHASES), figsize=size, squeeze=False, sharey=True, layout="constrained")
    for ax, (name, title) in zip(axes[0], PHASES):
        cells = mean[name].unstack(STRENGTH).reindex(index=pixels, columns=strengths).T.to_numpy()
        image = ax.imshow(cells, cmap="RdBu_r", vmin=0, vmax=1, aspect="auto", origin="lower")
        for (j, i), value in np.ndenumerate(cells):
            ax.text(i, j, "–" if np.isnan(value) else f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="w" if abs(value - 0.5) > 0.3 else "k")
        ax.set_xticks(range(len(pixels)), pixels)
        ax.set_yticks(range(len(strengths)), strengths)
        ax.set(xlabel="pixels revealed (k)", title=title)
        ax.title.set_fontsize(9)
    figure.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label="the liar gets its way (red: more often than not)")
    return figure
