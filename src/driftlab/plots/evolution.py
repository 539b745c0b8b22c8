"""Figures of the evolution toy model, like the post's section 6.1."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..stats import fit_line
from ..registry import FIGURES
from ..table import metric_mean
from .common import new_figure, plot_replicas

POST_PRIOR = (0.2, 1.0)
UNIFORM_PRIOR = (1.0, 1.0)


@FIGURES.register_as("evolution")
def evolution_figures(table: pd.DataFrame, config) -> dict:
    return {
        "aligned_fraction": _aligned_fraction(table, config),
        "drift_time": _drift_time(table, config),
        "drift_priors": _drift_priors(config),
    }


def _aligned_fraction(table, config):
    figure, (ax,) = new_figure()
    plot_replicas(ax, table, "aligned_fraction", "aligned", "tab:blue", skip_step0=True)
    plot_replicas(ax, table, "misaligned_undetectable_fraction", "misaligned, undetectable", "tab:red", skip_step0=True)
    mean = metric_mean(table, "aligned_fraction")
    fitted = mean[mean.index >= config.fit_from_step]
    fit = fit_line(np.log10(fitted.index), fitted)
    ax.plot(fitted.index, fit.intercept + fit.slope * np.log10(fitted.index), "k--", linewidth=1,
            label=f"fit: {fit.slope:+.3f} per decade, $R^2$={fit.r2:.3f}")
    ax.set_xscale("log")
    ax.set(xlabel="step (log scale)", ylabel="fraction of population", ylim=(0, 1.02),
           title=f"Aligned fraction, {config.agents:,} agents, Beta{config.drift_prior.alpha, config.drift_prior.beta} prior")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    return figure


def _drift_time(table, config):
    figure, (ax,) = new_figure()
    plot_replicas(ax, table, "median_drift_time_aligned", "median of 1/p (aligned agents)", "tab:green")
    mean = metric_mean(table, "median_drift_time_aligned")
    fitted = mean[mean.index >= config.fit_from_step]
    fit = fit_line(fitted.index, fitted)
    ax.plot(fitted.index, fit.intercept + fit.slope * fitted.index, "k--", linewidth=1,
            label=f"fit: {fit.slope:.3f} steps per step, $R^2$={fit.r2:.3f}")
    ax.set(xlabel="step", ylabel="expected drift time (steps)", title="Expected drift time of the aligned population")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return figure


def _drift_priors(config):
    """The post's prior and the uniform stand-in for its second distribution, side by side.

    Drawn as the density of log10(p), so the mass near p = 0 (the slow drifters) is visible.
    """
    run_prior = (config.drift_prior.alpha, config.drift_prior.beta)
    priors = [POST_PRIOR, UNIFORM_PRIOR]
    if run_prior not in priors:
        priors.append(run_prior)
    figure, axes = new_figure(ncols=len(priors), width=4.0, height=3.2)
    log10_p = np.linspace(-6, 0, 400)
    p = 10.0**log10_p
    for ax, (alpha, beta) in zip(axes, priors):
        density = stats.beta.pdf(p, alpha, beta) * p * np.log(10)
        used = (alpha, beta) == run_prior
        ax.fill_between(log10_p, density, color="tab:purple" if used else "tab:gray", alpha=0.5)
        ax.set(title=f"Beta({alpha:g}, {beta:g})" + (" (this run)" if used else ""),
               xlabel="log10 of drift probability p", ylabel="density of log10 p")
        ax.text(0.05, 0.92, f"P(p < 0.01) = {stats.beta.cdf(0.01, alpha, beta):.2f}\nmean p = {alpha / (alpha + beta):.3f}",
                transform=ax.transAxes, ha="left", va="top", fontsize=8)
        ax.grid(alpha=0.3)
    figure.suptitle("Initial drift priors: the mass near p = 0 is the slow drifters that take over", y=1.02)
    return figure
