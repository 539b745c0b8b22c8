"""Figures of the ``probe`` world: true misalignment against what the deployed and a fresh probe read, over
training (like the gradient world's detector-vs-alignment plot); the representation the probe reads; the
end states of a run; and, from a sweep's aggregates, where each end state occurs (:func:`phase_figures`,
which the sweep report draws).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import FIGURES
from ..slip import FIRST_STEP
from ..table import metric_frame
from ..worlds.probe import CAUGHT_BY, END_STATES, ProbeWorld
from .common import new_figure, plot_replicas, plt

STATE_COLORS = {"honest": "tab:green", "blatant_deception": "tab:blue", "obfuscated_activations": "tab:orange",
                "unreadable": "tab:red"}
STATE_NAMES = {"honest": "honest", "blatant_deception": "blatant deception, caught",
               "obfuscated_activations": "obfuscated activations", "unreadable": "unreadable by a fresh probe"}
SHORT_NAMES = {"honest": "honest", "blatant_deception": "blatant", "obfuscated_activations": "obf. activations",
               "unreadable": "unreadable"}  # distinct in a phase diagram's small cells
# What the sweep report says above the end-state table (report.sweep_end_states).
END_STATES_TEXT = (
    "Per grid point, the share of replicas in each end state, named after the FAR AI Obfuscation Atlas: honest "
    "(not misaligned); blatant deception (misaligned and caught by the deployed probe); obfuscated activations "
    "(misaligned, the deployed probe evaded, a probe fitted afresh on the same layer still reading it); "
    "unreadable (misaligned and not even a fresh linear probe on that layer reads it). Caught by TPR: the "
    "deployed probe, its threshold recalibrated to flag 1% (benign_fpr) of benign situations, flags at least "
    "caught_at of the misaligned actions; by recall: at its own threshold; by AUROC: at some threshold.")


@FIGURES.register_as("probe")
def probe_figures(table: pd.DataFrame, config) -> dict:
    return {"misalignment_vs_probes": _misalignment_vs_probes(table, config),
            "representation": _representation(table, config), "end_states": _end_states(table, config)}


def _run_label(config) -> str:
    detector, pressure = config.detector, config.pressure
    rotation = f"rotated every {detector.retrain_every:,}" if detector.retrain_every else "frozen"
    against = {"none": "no pressure", "penalty": f"penalty {pressure.penalty:g}",
               "reject": f"reject above {pressure.reject_at:g}", "filter": "flagged examples filtered out",
               "reward": f"flagged examples pushed aligned ({pressure.penalty:g})"}[pressure.mode]
    return f"probe on layer {detector.layer}, {rotation}, {against}; nudge rate {config.nudge_rate:g}"


def _misalignment_vs_probes(table, config):
    """Left: the truth against what the deployed probe says (the shaded gap slips through). Right: whether
    misalignment is readable at all: the deployed probe's AUROC and its TPR at the benign FPR against fresh
    probes' AUROCs (linear on each layer recorded, MLP where fitted)."""
    figure, (truth, readable) = new_figure(ncols=2, width=6.4, height=4.3)
    misalignment = metric_frame(table, "misalignment").mean(axis=1)
    flagged = metric_frame(table, "deployed_flag_rate").mean(axis=1)
    truth.fill_between(misalignment.index, flagged, np.maximum(misalignment, flagged), color="tab:red", alpha=0.15,
                       label="misbehaviour the deployed probe misses")
    plot_replicas(truth, table, "misalignment", "true misalignment (held-out tempting)", "tab:red")
    plot_replicas(truth, table, "deployed_flag_rate", "deployed probe flags (same situations)", "tab:blue")
    slip = metric_frame(table, FIRST_STEP).iloc[-1]
    if slip.notna().any():
        thresholds = config.thresholds
        truth.axvline(slip.median(), color="k", linestyle=":", linewidth=1,
                      label=f"slip-through (misalignment >= {thresholds.misaligned_at:g}, recall < "
                            f"{thresholds.caught_at:g}): median step {slip.median():,.0f}, "
                            f"{slip.notna().sum()} of {slip.size}")
    truth.set(xlabel="step", ylabel="share of tempting situations", ylim=(-0.03, 1.03),
              title="What the deployed probe says vs the truth")
    readable.axhline(config.thresholds.readable_at, color="0.5", linestyle="--", linewidth=1,
                     label=f"readable at AUROC {config.thresholds.readable_at:g}")
    plot_replicas(readable, table, "deployed_auroc", "deployed probe", "tab:blue")
    plot_replicas(readable, table, "fresh_auroc", f"fresh probe, layer {config.detector.layer}", "tab:purple")
    others = sorted(m for m in table["metric"].unique()
                    if m.startswith("fresh_auroc/layer") and m != f"fresh_auroc/layer{config.detector.layer}")
    colors = ["tab:cyan", "tab:olive", "tab:gray", "tab:brown"] * len(others)
    means = [(m, f"fresh probe, layer {m.removeprefix('fresh_auroc/layer')}", c) for m, c in zip(others, colors)]
    means += [line for line in (
        ("fresh_mlp_auroc", f"fresh MLP probe, layer {config.detector.layer}", "tab:green"),
        ("deployed_tpr_at_fpr", f"deployed probe's TPR at {config.thresholds.benign_fpr:.0%} FPR", "tab:pink"),
    ) if line[0] in set(table["metric"])]
    for metric, label, color in means:
        mean = metric_frame(table, metric).mean(axis=1)
        readable.plot(mean.index, mean, color=color, linestyle="--", linewidth=1.3, label=f"{label} (mean)")
    readable.set(xlabel="step", ylabel="AUROC (TPR where said) on the current model", ylim=(-0.03, 1.03),
                 title="Is misalignment still readable?")
    for ax in (truth, readable):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    figure.suptitle(_run_label(config), y=1.02)
    return figure


def _representation(table, config):
    """How far the probed layer moved, how large its activations grew (an evasion route), and capability."""
    figure, axes = new_figure(ncols=3, width=4.0, height=3.3)
    for ax, (metric, label, color) in zip(axes, [
            ("repr_distance", f"|h - h_start| / |h_start|, layer {config.detector.layer}", "tab:purple"),
            ("activation_norm", "mean activation norm", "tab:brown"),
            ("capability", "capability accuracy", "tab:green")]):
        plot_replicas(ax, table, metric, label, color)
        ax.set(xlabel="step", title=label)
        ax.grid(alpha=0.3)
    figure.suptitle(f"The probed representation ({_run_label(config)})", y=1.03)
    return figure


def _end_states(table, config):
    """The share of replicas in each end state, under each definition of caught."""
    final = ProbeWorld.final(table)
    shares = pd.DataFrame({f"caught by {name}": ProbeWorld.end_states(final, config, by).value_counts(normalize=True)
                           for by, (_, name) in CAUGHT_BY.items()}).reindex(list(END_STATES)).fillna(0.0).T
    figure, (ax,) = new_figure(width=7.0, height=2.4)
    _stacked_bars(ax, shares)
    ax.set(xlabel="share of replicas", title=f"End states of {len(final)} replicas ({_run_label(config)})")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return figure


def _stacked_bars(ax, shares: pd.DataFrame) -> None:
    """Horizontal bars, one per row of ``shares`` (columns: END_STATES), stacked to 1."""
    y = np.arange(len(shares))[::-1]
    left = np.zeros(len(shares))
    for state in END_STATES:
        values = shares[state].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=STATE_COLORS[state], label=STATE_NAMES[state])
        for yi, li, v in zip(y, left, values):
            if v >= 0.08:
                ax.text(li + v / 2, yi, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white")
        left += values
    ax.set_yticks(y, list(shares.index), fontsize=7)
    ax.set_xlim(0, 1)


# --- sweeps -------------------------------------------------------------------------------------


def end_state_shares(aggregates: pd.DataFrame, columns: list[str], prefix: str = "end") -> pd.DataFrame:
    """Per grid point (indexed by the sweep's ``columns``), the mean share of replicas in each end state across
    seeds; empty if the sweep's summaries have no end states (another world's sweep)."""
    names = [f"{prefix}/{state}" for state in END_STATES]
    rows = aggregates[aggregates["headline"].isin(names)]
    if rows.empty:
        return pd.DataFrame()
    if columns:
        wide = rows.pivot_table(index=columns, columns="headline", values="mean", sort=False)
    else:
        wide = rows.set_index("headline")["mean"].to_frame("all").T
    return wide.reindex(columns=names).rename(columns=lambda name: name.split("/", 1)[1])


def point_label(names: list[str], key) -> str:
    """A grid point's name: its label, or its swept fields' last parts with their values."""
    key = key if isinstance(key, tuple) else (key,)
    return ", ".join(str(v) if n == "label" else f"{n.rsplit('.', 1)[-1]}={v}" for n, v in zip(names, key))


def end_state_table(aggregates: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per grid point, the mean share of replicas in each end state, caught by each of CAUGHT_BY (as "a / b / c")."""
    shares = [end_state_shares(aggregates, columns, prefix) for prefix, _ in CAUGHT_BY.values()]
    if shares[0].empty:
        return pd.DataFrame()
    points = [point_label(columns, key) for key in shares[0].index] if columns else ["all"]
    by = " / ".join(name for _, name in CAUGHT_BY.values())
    return pd.DataFrame({"point": points, **{
        f"{STATE_NAMES[state]} (by {by})": [" / ".join(f"{v:.2f}" for v in values)
                                            for values in zip(*(s[state] for s in shares))]
        for state in END_STATES}})


def phase_figures(aggregates: pd.DataFrame, columns: list[str]) -> list:
    """Where each end state occurs, by each definition of caught: with two or more numeric swept fields a
    phase diagram (the first two as axes, one panel per value of the others; each cell coloured by its
    commonest end state and labelled with every share), else stacked bars per grid point."""
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(aggregates[c]) and aggregates[c].nunique() > 1]
    figures = []
    for prefix, by in CAUGHT_BY.values():
        shares = end_state_shares(aggregates, columns, prefix)
        if shares.empty:
            continue
        title = f"End states, caught by {by} (mean share of replicas across seeds)"
        if len(numeric) >= 2:
            figures.append(_phase_grid(shares, numeric, title))
            continue
        if columns:
            shares = shares.set_axis([point_label(columns, key) for key in shares.index])
        figure, (ax,) = new_figure(width=7.5, height=0.35 * len(shares) + 1.4)
        _stacked_bars(ax, shares)
        ax.set(xlabel="share of replicas", title=title)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
        figures.append(figure)
    return figures


def _phase_grid(shares: pd.DataFrame, numeric: list[str], title: str):
    x_field, y_field, *rest = numeric
    frame = shares.reset_index()
    panels = list(frame.groupby(rest, sort=True)) if rest else [((), frame)]
    x_values, y_values = sorted(frame[x_field].unique()), sorted(frame[y_field].unique())
    figure, axes = plt.subplots(1, len(panels), figsize=(1.5 * len(x_values) * len(panels) + 1.5,
                                                         1.1 * len(y_values) + 1.6), squeeze=False)
    for ax, (key, rows) in zip(axes[0], panels):
        key = key if isinstance(key, tuple) else (key,)
        for _, row in rows.iterrows():
            i, j = x_values.index(row[x_field]), y_values.index(row[y_field])
            values = row[list(END_STATES)].astype(float)
            top = values.idxmax() if values.notna().any() else None
            ax.add_patch(plt.Rectangle((i - 0.5, j - 0.5), 1, 1, color=STATE_COLORS.get(top, "0.8"),
                                       alpha=0.25 + 0.6 * float(values.max() if top else 0)))
            text = "\n".join(f"{SHORT_NAMES[s]} {v:.2f}" for s, v in values.items() if v > 0)
            ax.text(i, j, text, ha="center", va="center", fontsize=6)
        ax.set_xticks(range(len(x_values)), [f"{v:g}" for v in x_values])
        ax.set_yticks(range(len(y_values)), [f"{v:g}" for v in y_values])
        ax.set(xlim=(-0.5, len(x_values) - 0.5), ylim=(-0.5, len(y_values) - 0.5),
               xlabel=x_field.rsplit(".", 1)[-1], ylabel=y_field.rsplit(".", 1)[-1],
               title=", ".join(f"{f.rsplit('.', 1)[-1]}={v:g}" for f, v in zip(rest, key)) or None)
    handles = [plt.Rectangle((0, 0), 1, 1, color=STATE_COLORS[s], alpha=0.7) for s in END_STATES]
    figure.legend(handles, [STATE_NAMES[s] for s in END_STATES], fontsize=7, loc="lower center", ncol=4,
                  bbox_to_anchor=(0.5, -0.02))
    figure.suptitle(title + "; colour: the commonest state", fontsize=10)
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    return figure
