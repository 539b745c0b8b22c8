"""The statistics every part of driftlab reports with: line fits, t-intervals across seeds, bootstrap
intervals across items. One place, so a run, a sweep and a report compute an interval the same way."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LineFit:
    slope: float
    intercept: float
    r2: float


def fit_line(x, y) -> LineFit:
    """Ordinary least squares of ``y`` on ``x`` (non-finite points dropped): how the post's claims are measured."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 2 or np.ptp(x) == 0:
        return LineFit(float("nan"), float("nan"), float("nan"))
    slope, intercept = np.polyfit(x, y, 1)
    residual = np.sum((y - (slope * x + intercept)) ** 2)
    total = np.sum((y - y.mean()) ** 2)
    r2 = 1.0 - residual / total if total > 0 else float("nan")
    return LineFit(float(slope), float(intercept), float(r2))


# --- across seeds: Student-t intervals ----------------------------------------------------------


def ci95_halfwidth(std, n):
    """Half-width of the 95% Student-t interval of a mean of ``n`` values (right for a handful of seeds)."""
    from scipy import stats

    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * std / np.sqrt(n), np.nan)


def mean_ci95(values) -> dict:
    """n, mean, sample std and the 95% confidence interval of the mean of the finite ``values``."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    n = values.size
    mean = float(values.mean()) if n else math.nan
    std = float(values.std(ddof=1)) if n > 1 else math.nan
    half = float(ci95_halfwidth(std, n))
    return {"n": n, "mean": mean, "std": std, "ci95_low": mean - half, "ci95_high": mean + half}


# --- across items: percentile bootstrap ---------------------------------------------------------


def resampled_items(n: int, samples: int, seed: int) -> np.ndarray:
    """``samples`` bootstrap resamples of item indices, ``[samples, n]`` (fixed seed: same at every stage)."""
    return np.random.default_rng(seed).integers(0, n, size=(samples, n))


def percentile_interval(statistics: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval; resamples whose statistic is undefined (0/0) are left out."""
    finite = statistics[np.isfinite(statistics)]
    if finite.size == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_ci(values: np.ndarray, samples: int, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (resampling items)."""
    values = np.asarray(values, dtype=np.float64)
    return percentile_interval(values[resampled_items(values.size, samples, seed)].mean(axis=1), level)


def crossed_bootstrap_ci(values: np.ndarray, samples: int, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` [groups, items], every group measured on the same
    items (judges trained from different seeds, each on the same images): groups and items are resampled
    independently, so the interval is over both."""
    values = np.asarray(values, dtype=np.float64)
    groups, items = values.shape
    rng = np.random.default_rng(seed)
    by_group = rng.integers(0, groups, size=(samples, groups, 1))
    by_item = rng.integers(0, items, size=(samples, 1, items))
    return percentile_interval(values[by_group, by_item].mean(axis=(1, 2)), level)
