"""Figures of the goal-versus-proxy world: drift off distribution per weight decay, what the metric saw
meanwhile, the weight norm, and the law of crossing time against decay."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..registry import FIGURES
from ..table import metric_frame
from ..worlds.simplicity import CROSSING, SimplicityWorld
from .common import new_figure, plt  # common selects the Agg backend first

PANELS_PER_ROW = 5


@FIGURES.register_as("simplicity")
def simplicity_figures(table: pd.DataFrame, config) -> dict:
    groups = SimplicityWorld.by_decay(table)
    figures = {"agreement_by_decay": _agreement(table, config, groups), "weight_norm": _weight_norm(table, groups),
               "crossing_law": _crossing_law(table, config, groups)}
    if config.internal != "off":
        figures["internal_objective"] = _internal(table, config, groups)
    return figures


def _run_label(config) -> str:
    phase = config.capability
    return f"{config.pair} pair, k={config.goal_features}, {phase.optimizer} lr {phase.lr:g}"


def _step_axis(ax) -> None:
    ax.set_xscale("symlog", linthresh=10)  # step 0 (the end of phase 1) stays on the axis
    ax.set_xlabel("phase-2 step")
    ax.grid(alpha=0.3)


def _lines(ax, frame: pd.DataFrame, color: str, label: str) -> None:
    """Thin lines per replica, a bold one for their mean."""
    if frame.shape[1] > 1:
        ax.plot(frame.index, frame.values, color=color, alpha=0.2, linewidth=0.7)
    ax.plot(frame.index, frame.mean(axis=1), color=color, linewidth=2, label=label)


def _agreement(table, config, groups):
    """Per decay: off-distribution agreement with goal and proxy (the truth) and, on the right axis, the
    on-distribution loss and accuracy (what the developer's metric saw) over the same steps."""
    goal, proxy = metric_frame(table, "off_goal_agreement"), metric_frame(table, "off_proxy_agreement")
    on_loss, on_accuracy = metric_frame(table, "on_loss"), metric_frame(table, "on_accuracy")
    crossing = metric_frame(table, "crossing_step").iloc[-1]
    columns = min(len(groups), PANELS_PER_ROW)
    rows = math.ceil(len(groups) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.8 * rows), squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    for ax, (decay, replicas) in zip(axes.flat, groups.items()):
        _lines(ax, goal[replicas], "tab:blue", "agrees with goal (off dist.)")
        _lines(ax, proxy[replicas], "tab:orange", "agrees with proxy (off dist.)")
        ax.plot(on_accuracy.index, on_accuracy[replicas].min(axis=1), color="tab:green", linestyle="--",
                linewidth=1.2, label="on-dist. accuracy (min)")
        median = SimplicityWorld.crossing_median(crossing[replicas])
        crossed = int(crossing[replicas].notna().sum())
        if median is not None:
            ax.axvline(median, color="k", linestyle=":", linewidth=1)
        status = (f"crossed {crossed}/{len(replicas)}, median step {median:,.0f}" if median is not None else
                  f"crossed {crossed}/{len(replicas)}: no drift to the proxy" if crossed == 0 else
                  f"crossed {crossed}/{len(replicas)} (median replica never)")
        ax.set(ylim=(-0.03, 1.03), ylabel="agreement", title=f"weight decay {decay:g}\n{status}")
        _step_axis(ax)
        loss_ax = ax.twinx()
        loss_ax.plot(on_loss.index, on_loss[replicas].mean(axis=1), color="0.4", linewidth=1.5,
                     label="on-dist. loss (mean; right axis)")
        loss_ax.set_yscale("log")
        loss_ax.set_ylabel("on-distribution loss", color="0.4")
        if ax is axes.flat[0]:
            handles = ax.get_legend_handles_labels()
            extra = loss_ax.get_legend_handles_labels()
            ax.legend(handles[0] + extra[0], handles[1] + extra[1], fontsize=7, loc="center left")
    figure.suptitle(f"Off-distribution behaviour and the on-distribution metric, per weight decay "
                    f"({_run_label(config)}); dotted: median crossing", y=1.0)
    figure.tight_layout()
    return figure


def _weight_norm(table, groups):
    norm = metric_frame(table, "weight_norm")
    figure, (ax,) = new_figure(width=6.5, height=4.2)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(groups)))
    for color, (decay, replicas) in zip(colors, groups.items()):
        _lines(ax, norm[replicas], color, f"wd {decay:g}")
    _step_axis(ax)
    ax.set(ylabel="weight norm", title="Weight norm (all parameters) per weight decay")
    ax.legend(fontsize=8)
    return figure


def _crossing_law(table, config, groups):
    """Crossing step against weight decay on log-log axes: every replica that crossed, the median per decay,
    the fitted line; decays whose median replica never crossed (0 among them) are listed, not hidden."""
    figures = SimplicityWorld.headline(table, config)
    final = metric_frame(table, "crossing_step").iloc[-1]
    goal = metric_frame(table, "off_goal_agreement").iloc[-1]
    figure, (ax,) = new_figure(width=6.5, height=4.6)
    notes = []
    for decay, replicas in groups.items():
        crossed = final[replicas].dropna()
        if decay > 0 and len(crossed):
            ax.scatter(np.full(len(crossed), decay), crossed, color="tab:blue", alpha=0.35, s=14)
        median = SimplicityWorld.crossing_median(final[replicas])
        if decay > 0 and median is not None:
            ax.scatter([decay], [median], color="k", marker="D", s=30, zorder=3)
        else:
            notes.append(f"wd {decay:g}: {len(crossed)}/{len(replicas)} crossed; final goal agreement "
                         f"{goal[replicas].mean():.3f}")
    if figures["crossing_law_exponent"] is not None:
        fitted = [d for d in groups if d > 0 and figures[f"crossing_step/wd={d:g}"] is not None]
        x = np.geomspace(min(fitted), max(fitted), 50)
        r2 = figures["crossing_law_r2"]
        ax.plot(x, figures["crossing_law_prefactor"] * x ** figures["crossing_law_exponent"], color="tab:red",
                label=f"t = {figures['crossing_law_prefactor']:.3g} wd^{figures['crossing_law_exponent']:.3f}"
                      + (f" (R² {r2:.4f}, {len(fitted)} decays)" if r2 is not None else " (2 decays: no R²)"))
        ax.legend(fontsize=8, loc="upper right")
    else:
        notes.append(f"no law: fewer than 2 decays > 0 had their median replica cross within "
                     f"{config.capability.steps:,} steps")
    if notes:
        ax.text(0.02, 0.02, "\n".join(notes), transform=ax.transAxes, fontsize=8, va="bottom")
    if ax.collections:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set(xlabel="weight decay", ylabel=f"crossing step (goal agreement < {CROSSING:g})",
           title=f"Time to cross from goal to proxy ({_run_label(config)})")
    ax.grid(alpha=0.3, which="both")
    return figure


def _internal(table, config, groups):
    """The internal objective per decay: agreement with its target, and its readout's norm against the
    closed form (1 - lr wd)^t that a parameter with no gradient follows under either optimizer."""
    agreement, norm = metric_frame(table, "internal_agreement"), metric_frame(table, "internal_norm")
    figure, (left, right) = new_figure(2, width=6, height=4.2)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(groups)))
    lr = config.capability.lr
    for color, (decay, replicas) in zip(colors, groups.items()):
        _lines(left, agreement[replicas], color, f"wd {decay:g}")
        _lines(right, norm[replicas] / norm[replicas].iloc[0], color, f"wd {decay:g}")
        right.plot(norm.index, (1 - lr * decay) ** norm.index.to_numpy(), color="k", linestyle=":", linewidth=1)
    left.set(ylim=(0.4, 1.02), ylabel="agreement with its target",
             title=f"Internal objective ({config.internal}), never read in phase 2")
    right.set(yscale="log", ylim=(1e-6, 2), ylabel="readout norm / start",
              title=f"Its readout; dotted: (1 - lr wd)^t ({config.capability.optimizer} lr {lr:g})")
    for ax in (left, right):
        _step_axis(ax)
        ax.set_xlim(0, norm.index.max())
    left.legend(fontsize=8)
    return figure
