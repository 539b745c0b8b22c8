"""Figures of the ``oversight`` world: per protocol, the fool rate against the judge's accuracy when the
correct answer is argued for (with the judge alone beside them), and the judge's validity figures.

A protocol that only helps the overseer sits at the bottom right (accurate when the truth is argued, never
fooled); one that makes the judge follow whoever argues sits at the top right. Cells where the judge gave
no signal are drawn as grey crosses: their values are not rates. The report draws the same figure from a
sweep's aggregates (mean and 95% CI across seeds per grid point, :func:`sweep_points`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..names import PROTOCOLS, oversight_metric, parse_oversight_metric
from ..registry import FIGURES
from .common import new_figure

# Per argued protocol, the figure's axes as (statistic, consultancy side): x, the accuracy when the correct
# answer is argued for; y, the fool rate.
AXES = {"consultancy": (("accuracy", "correct"), ("fool_rate", "wrong")),
        "debate": (("win_rate", None), ("fool_rate", None))}
ALONE = ("accuracy", None)
COLORS = {"alone": "tab:gray", "consultancy": "tab:orange", "debate": "tab:blue"}
VALIDITY_BARS = {"order_consistency": "order consistency", "consistency_chance": "its chance level",
                 "position_r2": "variance explained by position", "label_mass": "label mass"}

# value(protocol, statistic, side) -> (mean, low, high, signal) or None when the table does not have it
Lookup = Callable[[str, str, "str | None"], "tuple[float, float, float, bool] | None"]


def table_lookup(table: pd.DataFrame) -> Lookup:
    """Figures of one run's table: the value, its bootstrap interval, and whether its cell gave a signal."""
    from ..worlds.oversight import cell_values

    final = cell_values(table)

    def value(protocol: str, statistic: str, side: str | None = None):
        name = oversight_metric(protocol, statistic, side)
        if name not in final:
            return None
        signal = final.get(oversight_metric(protocol, "signal", side)) != 0
        return final[name], final.get(f"{name}_ci_low", np.nan), final.get(f"{name}_ci_high", np.nan), signal

    return value


def points(value: Lookup) -> pd.DataFrame:
    """One row per argued protocol the lookup has: x, y and their intervals, and whether both gave a signal."""
    rows = []
    for protocol, (x_axis, y_axis) in AXES.items():
        x, y = value(protocol, *x_axis), value(protocol, *y_axis)
        if x is None or y is None:
            continue
        rows.append({"protocol": protocol, "x": x[0], "x_low": x[1], "x_high": x[2], "y": y[0], "y_low": y[1],
                     "y_high": y[2], "signal": x[3] and y[3]})
    return pd.DataFrame(rows, columns=["protocol", "x", "x_low", "x_high", "y", "y_low", "y_high", "signal"])


def _bars(frame: pd.DataFrame, low: str, value: str, high: str) -> np.ndarray:
    return np.nan_to_num(np.vstack([frame[value] - frame[low], frame[high] - frame[value]]))


def fool_figure(frame: pd.DataFrame, alone: tuple[float, float, float, bool] | None = None, label=None):
    """Fool rate against accuracy when the correct answer is argued, one marker per row of ``frame`` (named
    by ``label(row)``, default its protocol); the judge alone's accuracy as a vertical line and band."""
    import matplotlib.pyplot as plt

    by_protocol = label is None
    label = label or (lambda row: row["protocol"])
    figure, (ax,) = new_figure(width=6.4, height=4.6)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (_, row) in enumerate(frame.iterrows()):
        if row["signal"]:
            ax.errorbar(row["x"], row["y"], xerr=_bars(frame.loc[[row.name]], "x_low", "x", "x_high"),
                        yerr=_bars(frame.loc[[row.name]], "y_low", "y", "y_high"), fmt="os^Dv<>P"[i % 9],
                        color=COLORS[row["protocol"]] if by_protocol else colors[i % len(colors)],
                        capsize=3, markersize=7, label=label(row))
        elif np.isfinite(row["x"]) and np.isfinite(row["y"]):
            ax.scatter(row["x"], row["y"], marker="x", s=80, color="grey", label=f"{label(row)}: no signal (not a rate)")
    if alone is not None:
        mean, low, high, signal = alone
        ax.axvline(mean, color="grey", linestyle=":" if signal else "--",
                   label="judge alone: accuracy" + ("" if signal else " (no signal: not a rate)"))
        if signal and np.isfinite(low):
            ax.axvspan(low, high, color="grey", alpha=0.12, linewidth=0)
    ax.set(xlim=(-0.03, 1.03), ylim=(-0.03, 1.03), xlabel="accuracy when the correct answer is argued for",
           ylabel="fool rate (a wrong answer argued for is chosen)", title="Fool rate against accuracy, per protocol")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    return figure


def cells(table: pd.DataFrame) -> list[tuple[str, str | None]]:
    """The (protocol, side) cells of the table, in protocol order."""
    found = {(p.protocol, p.argued) for name in set(table["metric"]) if (p := parse_oversight_metric(name))
             and p.statistic == "items"}
    return sorted(found, key=lambda cell: (PROTOCOLS.index(cell[0]), cell[1] or ""))


def validity_figure(table: pd.DataFrame):
    """Per cell, the judge's validity figures: order consistency beside its chance level, the variance its
    choices' position explains, and the probability mass on the answer labels."""
    value = table_lookup(table)
    found = cells(table)
    figure, (ax,) = new_figure(width=max(5.0, 1.3 * len(found) + 2), height=3.8)
    width = 0.8 / len(VALIDITY_BARS)
    for k, (statistic, label) in enumerate(VALIDITY_BARS.items()):
        heights = [(value(p, statistic, side) or (np.nan,))[0] for p, side in found]
        ax.bar(np.arange(len(found)) + (k - 1.5) * width, heights, width, label=label)
    names = [f"{p}\n{side} argued" if side else p for p, side in found]
    names = [n + ("" if value(p, "signal", side) and value(p, "signal", side)[0] else "\n(no signal)")
             for n, (p, side) in zip(names, found)]
    ax.set_xticks(np.arange(len(found)), names, fontsize=8)
    ax.set(ylim=(0, 1.02), ylabel="share", title="The judge's validity figures")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    ax.grid(alpha=0.3, axis="y")
    return figure


@FIGURES.register_as("oversight")
def oversight_figures(table: pd.DataFrame, config) -> dict:
    value = table_lookup(table)
    figures = {"validity": validity_figure(table)}
    frame = points(value)
    alone = value("alone", *ALONE)
    if len(frame) or alone is not None:
        figures["fool_rate"] = fool_figure(frame, alone)
    return figures


def sweep_points(aggregates: pd.DataFrame, columns: list[str], name: Callable[[pd.Series], str]) -> pd.DataFrame:
    """:func:`points` per grid point of a sweep, from its aggregates of headline figures (mean and 95% CI
    across seeds); a rate that was "no signal" in every trial is absent there and drawn as no signal."""
    from ..layout import HEADLINE_COLUMN
    from ..worlds.oversight import headline_key

    frames = []
    for _, rows in aggregates.groupby(columns, sort=False, dropna=False):
        figures = rows.set_index(HEADLINE_COLUMN)

        def value(protocol: str, statistic: str, side: str | None = None, figures=figures):
            key = headline_key(oversight_metric(protocol, statistic, side))
            if key not in figures.index:
                items = headline_key(oversight_metric(protocol, "items", side))
                return (np.nan, np.nan, np.nan, False) if items in figures.index else None
            row = figures.loc[key]
            return row["mean"], row["ci95_low"], row["ci95_high"], True

        frame = points(value)
        if len(frame):
            frames.append(frame.assign(point=name(rows.iloc[0])))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
