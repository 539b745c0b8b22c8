"""Self-contained HTML reports of a run or a sweep directory.

One file that opens anywhere without a network: PNG images embedded as base64 data URIs, inline CSS,
no scripts. Every string that came from a user (run names, descriptions, config text, error messages)
goes through :func:`html.escape`. Plots are drawn from the tidy tables and summaries alone.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError, DriftlabError
from .io import check_writable, write_text
from .plots.common import new_figure
from .layout import (AGGREGATES, ARGUMENTS, CONFIG, DEFINITION, HEADLINE, HEADLINE_COLUMN, METRICS, PLOTS, REPORT,
                     SUMMARY, TRIALS, TRIALS_DIR)
from .stats import ci95_halfwidth, mean_ci95
from .sweep import LABEL, point_names
from .worlds.base import Comparison, World

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f7f7f7; padding: .8em; overflow-x: auto; font-size: .85em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; }
.claim { border-left: 4px solid #888; padding: .3em .9em; margin: 1em 0; background: #fafafa; }
.holds { color: #1a7f37; font-weight: bold; } .fails { color: #b42318; font-weight: bold; }
.muted { color: #666; } .wide { overflow-x: auto; max-width: 100%; }
.wide td { min-width: 6em; } pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.gallery { display: flex; flex-wrap: wrap; gap: 0 1.5em; } .gallery figure { flex: 0 1 auto; }
"""

# --- HTML pieces (every argument that may hold user text is escaped here) ----------------------


def read(path: Path, parse: Callable[[Path], object] = lambda path: json.loads(path.read_text())):
    """A file of the directory reported on (JSON unless ``parse`` says otherwise), or one line naming it: a
    damaged file is the user's to restore, not an unexpected error."""
    try:
        return parse(path)
    except Exception as error:  # noqa: BLE001 - whatever the reader raises, the file is what is wrong
        raise ConfigError(f"{path}: damaged or unreadable ({type(error).__name__}: {error})") from None


def read_summary(path: Path) -> dict:
    summary = read(path)
    if not isinstance(summary, dict) or not isinstance(summary.get("headline"), dict):
        raise ConfigError(f"{path}: damaged (not a run summary with headline figures)")
    return summary


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: Iterable[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n<h1>{esc(title)}</h1>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def section(heading: str, *parts: str) -> str:
    return f"<section><h2>{esc(heading)}</h2>\n" + "\n".join(parts) + "\n</section>"


def paragraph(text: str, css_class: str = "") -> str:
    return f"<p class=\"{css_class}\">{esc(text)}</p>" if css_class else f"<p>{esc(text)}</p>"


def preformatted(text: str) -> str:
    return f"<pre>{esc(text)}</pre>"


def image(png: bytes, caption: str) -> str:
    """An embedded PNG; in a gallery it takes the width it was drawn at (read from the PNG header)."""
    data = base64.b64encode(png).decode("ascii")
    width = int.from_bytes(png[16:20], "big")
    return (f"<figure style=\"flex-basis: {min(width, 1100)}px\"><img src=\"data:image/png;base64,{data}\" "
            f"alt=\"{esc(caption)}\"><figcaption>{esc(caption)}</figcaption></figure>")


def gallery(images: list[str]) -> str:
    """Several images side by side, wrapping to the page width."""
    return "<div class=\"gallery\">" + "".join(images) + "</div>"


def figure_png(figure) -> bytes:
    """A matplotlib figure as PNG bytes (and the figure freed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def fmt(value: object) -> str:
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "–"
        return f"{value:.4g}" if abs(value) < 1e5 or value == 0 else f"{value:.3e}"
    return str(value)


def table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{esc(column)}</th>" for column in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(
            f"<td class=\"num\">{esc(fmt(v))}</td>" if isinstance(v, (int, float, np.number)) else f"<td>{esc(v)}</td>"
            for v in record
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<div class=\"wide\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"


def key_values(items: dict) -> str:
    return table(pd.DataFrame({"": list(items), "value": [_scalar(v) for v in items.values()]}))


def _scalar(value: object) -> object:
    return value if value is None or isinstance(value, (int, float, str)) else json.dumps(value)


# --- plots from the tidy tables ----------------------------------------------------------------


# A quantity's natural range, read from the words of its name: a t-interval over a few seeds reaches past it
# (a probability below 0), which says nothing true. A slope, fit or gap of such a quantity is unbounded.
UNBOUNDED_WORDS = frozenset({"slope", "r2", "rise", "gap", "minus", "change", "delta", "log", "fit"})
UNIT_WORDS = frozenset({"accuracy", "alignment", "aligned", "fraction", "rate", "p", "score", "consistency", "auroc",
                        "share", "mass", "chance", "misalignment", "caught", "obfuscated", "honest", "deception",
                        "unreadable", "tpr"})
NONNEGATIVE_WORDS = frozenset({"kl", "time", "s", "seconds", "step", "steps", "items", "skipped", "corrections",
                               "variance", "n"})
CLIPPED = ("95% CIs clipped to each quantity's range ([0, 1] for probabilities, accuracies, rates and alignment; "
           "at least 0 for KL, times and counts)")


def natural_range(name: str) -> tuple[float, float]:
    """The range a quantity named ``name`` cannot leave ((-inf, inf) where its name does not say)."""
    words = set(re.split(r"[^a-z0-9]+", name.lower()))
    if words & UNBOUNDED_WORDS:
        return -math.inf, math.inf
    if words & NONNEGATIVE_WORDS:  # before the unit words: the drift time of aligned agents is a time
        return 0.0, math.inf
    if words & UNIT_WORDS:
        return 0.0, 1.0
    return -math.inf, math.inf


def clip_interval(name: str, mean, low, high) -> tuple[np.ndarray, np.ndarray]:
    """``low`` and ``high`` clipped to ``name``'s natural range, only where every mean lies inside it: a name
    the rule misreads must not hide a value outside."""
    bottom, top = natural_range(name)
    mean = np.asarray(mean, dtype=float)
    finite = mean[np.isfinite(mean)]
    if np.any((finite < bottom) | (finite > top)):
        return np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return np.clip(low, bottom, top), np.clip(high, bottom, top)


def clip_aggregates(aggregates: pd.DataFrame) -> pd.DataFrame:
    """Each summary figure's 95% CIs clipped to its natural range (:func:`clip_interval`)."""
    aggregates = aggregates.copy()
    for name, rows in aggregates.groupby(HEADLINE_COLUMN, sort=False):
        low, high = clip_interval(name, rows["mean"], rows["ci95_low"], rows["ci95_high"])
        aggregates.loc[rows.index, "ci95_low"], aggregates.loc[rows.index, "ci95_high"] = low, high
    return aggregates


def seed_band(metrics: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per step, the mean over trials (seeds) of each trial's replica-mean, with a 95% t-interval clipped to
    the metric's natural range."""
    rows = metrics[metrics["metric"] == metric]
    per_trial = rows.groupby(["step", "trial"])["value"].mean().unstack("trial")
    n = per_trial.notna().sum(axis=1)
    mean = per_trial.mean(axis=1)
    half = ci95_halfwidth(per_trial.std(axis=1, ddof=1), n)
    low, high = clip_interval(metric, mean, mean - half, mean + half)
    return pd.DataFrame({"mean": mean, "low": low, "high": high, "n": n})


def draw_band(ax, band: pd.DataFrame, label: str, color=None, positive_steps: bool = False) -> None:
    if positive_steps:
        band = band[band.index > 0]
    (line,) = ax.plot(band.index, band["mean"], label=label, color=color, linewidth=1.8)
    ax.fill_between(band.index, band["low"], band["high"], color=line.get_color(), alpha=0.2, linewidth=0)


def log_spaced(steps: pd.Index) -> bool:
    """True for a log-spaced record schedule (few recorded steps over a long run): plot on a log axis."""
    return len(steps) > 2 and steps.max() > 10 * len(steps)


def curve_plots(shown: list[str], groups: dict[str, pd.DataFrame]) -> list[str]:
    """One figure per metric of ``shown``: a band (mean and 95% CI across seeds) for each group of trials."""
    parts = []
    for metric in shown:
        figure, (ax,) = new_figure(width=6.5, height=3.8)
        log_x = False
        for label, rows in groups.items():
            band = seed_band(rows, metric)
            log_x = log_spaced(band.index)
            draw_band(ax, band, label, positive_steps=log_x)
        if log_x:
            ax.set_xscale("log")
        ax.set(xlabel="step" + (" (log scale)" if log_x else ""), ylabel=metric, title=metric)
        ax.grid(alpha=0.3)
        if len(groups) > 1:
            ax.legend(fontsize=7)
        parts.append(image(figure_png(figure), f"{metric}: mean across seeds, band = {CLIPPED}"))
    return parts


def figure_vs_field_plots(aggregates: pd.DataFrame, swept: list[str], names: list[str]) -> list[str]:
    """Each summary figure of ``names`` against each swept field, one series per combination of the other
    fields: a line over a numeric field, points with error bars over categories (labels have no order)."""
    parts = []
    for name in names:
        rows = aggregates[aggregates[HEADLINE_COLUMN] == name]
        for field in swept:
            if rows[field].nunique(dropna=False) < 2:
                continue  # nothing to plot against
            others = [f for f in swept if f != field]
            figure, (ax,) = new_figure(width=5.5, height=3.6)
            lines = list(rows.groupby(others, sort=False, dropna=False)) if others else [((), rows)]
            numeric = pd.api.types.is_numeric_dtype(rows[field]) and not pd.api.types.is_bool_dtype(rows[field])
            categories = list(dict.fromkeys(rows[field].astype(str)))
            for index, (key, line) in enumerate(lines):
                key = key if isinstance(key, tuple) else (key,)
                label = ", ".join(f"{o.rsplit('.', 1)[-1]}={k}" for o, k in zip(others, key)) or None
                if numeric:
                    line = line.sort_values(field)
                    (drawn,) = ax.plot(line[field], line["mean"], marker="o", label=label)
                    ax.fill_between(line[field], line["ci95_low"], line["ci95_high"], color=drawn.get_color(),
                                    alpha=0.2)
                else:  # side by side within a category, so that the series' bars do not hide each other
                    offset = 0.3 * (index / (len(lines) - 1) - 0.5) if len(lines) > 1 else 0.0
                    x = [categories.index(str(v)) + offset for v in line[field]]
                    ax.errorbar(x, line["mean"], yerr=_error_bars(line["mean"], line["ci95_low"], line["ci95_high"]),
                                fmt="o", capsize=3, label=label)
            if not numeric:
                ax.set_xticks(range(len(categories)), categories, rotation=30, ha="right")
            ax.set(xlabel=field, ylabel=name, title=f"{name} vs {field.rsplit('.', 1)[-1]}")
            ax.grid(alpha=0.3)
            if others:
                ax.legend(fontsize=7)
            shape = "band" if numeric else "bars"
            parts.append(image(figure_png(figure), f"{name} against {field}: mean across seeds, {shape} = {CLIPPED}"))
    return parts


# --- comparing methods ------------------------------------------------------------------------

# The figures every world names alike (worlds.base.Comparison), so that one comparison reads any world.
CAPABILITY, HELDOUT, PROXY = Comparison.names()
NO_SIGNAL = "no signal"


def pareto_optimal(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where no other point is at least as good in both and better in one (by the means)."""
    return np.array([not np.any((x >= xi) & (y >= yi) & ((x > xi) | (y > yi))) for xi, yi in zip(x, y)])


def method_comparison(aggregates: pd.DataFrame, figures: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """Per grid point: capability, held-out and proxy alignment (mean, 95% CI across seeds) and the gap
    proxy - held-out, paired within each trial (from the per-trial figures, when the sweep has them)."""

    def point_key(rows: pd.DataFrame) -> pd.Series:
        return rows[columns].astype(str).agg("\x1f".join, axis=1)

    first = aggregates[aggregates[HEADLINE_COLUMN] == CAPABILITY]
    frame = pd.DataFrame({"point": point_names(first, columns)}, index=point_key(first))
    for name in (CAPABILITY, HELDOUT, PROXY):
        rows = aggregates[aggregates[HEADLINE_COLUMN] == name]
        rows = rows.set_index(point_key(rows))
        frame[name], frame[f"{name}_low"], frame[f"{name}_high"] = rows["mean"], rows["ci95_low"], rows["ci95_high"]
    gaps = {}
    if figures is not None:
        per_trial = figures.assign(key=point_key(figures)).pivot(index=["key", "trial"], columns=HEADLINE_COLUMN,
                                                                  values="value")
        gaps = {key: mean_ci95(gap) for key, gap in (per_trial[PROXY] - per_trial[HELDOUT]).groupby(level="key")}
    for stat, column in (("mean", "gap"), ("ci95_low", "gap_low"), ("ci95_high", "gap_high")):
        frame[column] = [gaps[key][stat] if key in gaps else math.nan for key in frame.index]
    frame["pareto"] = pareto_optimal(frame[CAPABILITY].to_numpy(), frame[HELDOUT].to_numpy()) & frame[HELDOUT].notna()
    return frame.reset_index(drop=True)


def _interval(frame: pd.DataFrame, name: str, absent: str = "–") -> list[str]:
    """Mean [CI] per point; ``absent`` where no trial of the point had the figure."""
    return [f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]" if math.isfinite(m) else absent for m, lo, hi in
            zip(frame[name], frame[f"{name}_low"], frame[f"{name}_high"])]


def _error_bars(mean: pd.Series, low: pd.Series, high: pd.Series) -> np.ndarray:
    """Distances from the mean to the CI ends, for matplotlib; 0 where there is no interval (one seed)."""
    return np.nan_to_num(np.vstack([mean - low, high - mean]))


def _figure_bars(frame: pd.DataFrame, name: str) -> np.ndarray:
    """:func:`_error_bars` of a comparison figure (columns ``name``, ``name_low``, ``name_high``)."""
    return _error_bars(frame[name], frame[f"{name}_low"], frame[f"{name}_high"])


def comparison_plots(frame: pd.DataFrame) -> list[str]:
    import matplotlib.pyplot as plt

    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = "os^Dv<>PX"  # points often coincide: shapes and colours both tell them apart
    figure, (ax,) = new_figure(width=6.0, height=4.4)
    for i, row in frame.iterrows():
        color = colors[i % len(colors)]
        ax.errorbar(row[CAPABILITY], row[HELDOUT], xerr=_figure_bars(frame.loc[[i]], CAPABILITY),
                    yerr=_figure_bars(frame.loc[[i]], HELDOUT), fmt=markers[i % len(markers)], color=color,
                    markersize=8, markerfacecolor=color if row["pareto"] else "none", capsize=3, label=row["point"])
    front = frame[frame["pareto"]].sort_values(CAPABILITY)
    ax.plot(front[CAPABILITY], front[HELDOUT], color="#888", linewidth=1, linestyle="--", zorder=0)
    ax.set(xlabel="capability", ylabel="held-out alignment", title="held-out alignment against capability")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    pareto = image(figure_png(figure), f"Per method: mean across seeds with {CLIPPED}, in both directions; "
                   "filled markers and the dashed line: the Pareto front (no other point has both more capability "
                   "and more held-out alignment)")

    figure, (ax,) = new_figure(width=6.5, height=0.45 * len(frame) + 1.6)
    y = np.arange(len(frame))[::-1]
    ax.errorbar(frame[PROXY], y + 0.12, xerr=_figure_bars(frame, PROXY), fmt="s", capsize=3,
                label="proxy (fixed metric)")
    ax.errorbar(frame[HELDOUT], y - 0.12, xerr=_figure_bars(frame, HELDOUT), fmt="o", capsize=3, label="held-out")
    ax.set_yticks(y, frame["point"])
    ax.set(xlabel="alignment", title="what the fixed metric said, and what held")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=7)
    gap = image(figure_png(figure), f"Per method: proxy and held-out alignment, mean across seeds with {CLIPPED}")
    return [pareto, gap]


def methods_section(aggregates: pd.DataFrame, figures: pd.DataFrame | None, columns: list[str]) -> str:
    missing = [name for name in (CAPABILITY, HELDOUT, PROXY) if name not in set(aggregates[HEADLINE_COLUMN])]
    if missing:
        return section("Methods compared", paragraph(
            f"This world's summaries lack {', '.join(missing)}, so the methods cannot be compared here (a language "
            "model's run leaves alignment out when none of its evals gave a signal)."))
    frame = method_comparison(aggregates, figures, columns)
    shown = pd.DataFrame({
        "method": frame["point"],
        "capability": _interval(frame, CAPABILITY),
        # a language model whose choices did not depend on the options has no alignment figure: "no signal"
        "held-out alignment": _interval(frame, HELDOUT, NO_SIGNAL),
        "proxy alignment": _interval(frame, PROXY, NO_SIGNAL),
        "gap proxy - held-out": _interval(frame, "gap", NO_SIGNAL),
        "Pareto-optimal": np.where(frame["pareto"], "yes", "no"),
        "proxy above held-out (CI > 0)": np.where(frame["gap_low"] > 0, "yes", "no"),
    })
    return section(
        "Methods compared",
        paragraph("Each method's final capability and held-out alignment (mean across seeds, 95% CI), and the "
                  "gap between the proxy (the fixed metric training and selection could see) and the held-out "
                  "alignment, paired within each trial. Where the gap's whole interval lies above 0, the fixed "
                  f"metric said alignment was better than it was. {CLIPPED}; the gap's are not."),
        table(shown),
        gallery(comparison_plots(frame)),
    )


# --- the two reports: each a list of sections, each section a function of what the directory holds -------


@dataclass
class RunContents:
    directory: Path
    summary: dict


def run_headline(run: RunContents) -> str:
    scalars = {k: v for k, v in run.summary["headline"].items() if not isinstance(v, (dict, list))}
    return section("Headline figures", key_values(scalars))


def run_plots(run: RunContents) -> str:
    plots = [image(path.read_bytes(), path.stem) for path in sorted((run.directory / PLOTS).glob("*.png"))]
    return section("Plots", gallery(plots)) if plots else ""


def run_config(run: RunContents) -> str:
    return section("Config", preformatted(read(run.directory / CONFIG, Path.read_text)))


def run_provenance(run: RunContents) -> str:
    summary = run.summary
    return section("Provenance", key_values({
        "world": summary.get("world"),
        "methods": ", ".join(summary.get("methods", [])) or "none",
        "seed": summary.get("seed"),
        "wall time (s)": summary.get("wall_time_s"),
        **{f"{name} version": version for name, version in summary.get("versions", {}).items()},
        "platform": summary.get("platform"),
    }))


def _rate(value: tuple | None) -> str:
    """An oversight rate as "mean [low, high]", "no signal" where the judge gave none, "–" where absent."""
    if value is None:
        return "–"
    mean, low, high, signal = value
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]" if signal else NO_SIGNAL


def run_oversight(run: RunContents) -> str:
    """The oversight world's figures per protocol, and the wrong-side arguments the judge followed most."""
    from .names import parse_oversight_metric
    from .plots.oversight import cells, table_lookup
    from .worlds.oversight import cell_values, withheld

    names = read(run.directory / METRICS, lambda path: pd.read_parquet(path, columns=["metric"]))["metric"].unique()
    if not any(parse_oversight_metric(name) for name in names):
        return ""
    metrics = read(run.directory / METRICS, pd.read_parquet)
    found = cells(metrics)
    value = table_lookup(metrics)
    final = cell_values(metrics)

    def number(protocol: str, statistic: str, side: str | None) -> str:
        return fmt((value(protocol, statistic, side) or (math.nan,))[0])

    rows = []
    for protocol, side in found:
        rows.append({
            "protocol": protocol, "argued for": side or ("every answer" if protocol == "debate" else "nothing"),
            "accuracy (debate: the correct side's win rate)": _rate(value(protocol, "win_rate" if protocol == "debate"
                                                                          else "accuracy", side)),
            "fool rate": (value(protocol, "fool_rate", side) and withheld(final, protocol, "fool_rate", side)
                          or _rate(value(protocol, "fool_rate", side))),
            "questions": number(protocol, "items", side),
            "signal": {"1": "yes", "0": "no"}.get(number(protocol, "signal", side), "–"),
            "order consistency (chance)": f"{number(protocol, 'order_consistency', side)} "
                                          f"({number(protocol, 'consistency_chance', side)})",
            "position R^2": number(protocol, "position_r2", side), "label mass": number(protocol, "label_mass", side),
        })
    parts = [paragraph("Per protocol, the judge's accuracy and fool rate (it chose a wrong answer that was argued "
                       "for), with 95% bootstrap intervals over questions, and the validity figures of its choices. "
                       "Where the judge's choices did not depend on the answers' content (signal: no) its rates are "
                       "not rates, and are shown as \"no signal\"; a fool rate is shown only where the judge alone, "
                       "too, chose by content and above chance by its interval, and otherwise says why not."),
             table(pd.DataFrame(rows))]
    if (run.directory / ARGUMENTS).is_file():
        arguments = read(run.directory / ARGUMENTS, pd.read_parquet)
        wrong = arguments[arguments["side"] == "wrong"].sort_values("judge_fooled", ascending=False, kind="stable")
        if len(wrong):
            parts += [paragraph(f"The wrong-side arguments the judge followed most (judge_fooled: the share of "
                                f"orders in which it chose a wrong answer argued for); all arguments are in "
                                f"{ARGUMENTS}."),
                      table(wrong.head(5)[["protocol", "question", "correct", "argued_for", "round", "text",
                                           "judge_fooled"]])]
    return section("Oversight: accuracy and fool rate per protocol", *parts)


RUN_SECTIONS = [run_headline, run_oversight, run_plots, run_config, run_provenance]


def run_report(run_dir: Path) -> str:
    run = RunContents(run_dir, read_summary(run_dir / SUMMARY))
    return page(f"Run: {run.summary['name']}", [part(run) for part in RUN_SECTIONS])


@dataclass
class SweepContents:
    """A finished sweep directory's tables, read once; ``columns`` name a grid point (the sweep saved them)."""

    directory: Path
    definition: dict
    trials: pd.DataFrame
    columns: list[str]
    aggregates: pd.DataFrame | None
    headline: pd.DataFrame | None
    metrics: pd.DataFrame | None

    @property
    def shown(self) -> list[str]:
        """A label names its point (the definition lists its values); otherwise the swept fields do."""
        return [LABEL] if LABEL in self.columns else self.columns

    @property
    def ok(self) -> pd.Series:
        return self.trials["status"] == "ok"

    @cached_property
    def first_summary(self) -> dict | None:
        """The first finished trial's summary (its world, versions, platform); None where none finished."""
        if not self.ok.any():
            return None
        return read_summary(self.directory / TRIALS_DIR / self.trials.loc[self.ok, "id"].iloc[0] / SUMMARY)

    @property
    def world(self) -> type[World]:
        """The trials' world, which names the metrics worth a plot over steps (the base World: all of them)."""
        from .registry import WORLDS

        return (self.first_summary and WORLDS.find(self.first_summary.get("world"))) or World

    @classmethod
    def read(cls, sweep_dir: Path) -> SweepContents:
        from .config import _parse_yaml

        if not (sweep_dir / TRIALS).is_file():
            raise DriftlabError(f"sweep has not finished (no {TRIALS}); resume it first: {sweep_dir}")
        definition = read(sweep_dir / DEFINITION, lambda path: _parse_yaml(path.read_text(), str(path)))
        if not isinstance(definition, dict) or not isinstance(definition.get("columns"), list):
            raise ConfigError(f"{sweep_dir / DEFINITION}: damaged (not a sweep definition with its columns)")
        tables = {name: read(sweep_dir / name, pd.read_parquet) if (sweep_dir / name).is_file() else None
                  for name in (AGGREGATES, HEADLINE, METRICS)}
        if tables[AGGREGATES] is not None:
            tables[AGGREGATES] = clip_aggregates(tables[AGGREGATES])
        trials = read(sweep_dir / TRIALS, lambda path: pd.DataFrame(json.loads(path.read_text())))
        return cls(sweep_dir, definition, trials, definition["columns"], tables[AGGREGATES], tables[HEADLINE],
                   tables[METRICS])


def sweep_trials(sweep: SweepContents) -> str:
    ok, seeds = sweep.ok, ", ".join(map(str, sweep.definition["seeds"]))
    parts = [paragraph(f"{len(ok)} trials: {int(ok.sum())} ok, {int((~ok).sum())} failed; seeds {seeds}; "
                       f"swept: {', '.join(sweep.columns) or 'nothing'}")]
    if (~ok).any():
        parts.append(table(sweep.trials.loc[~ok, ["id", "error"]]))
    return section("Trials", *parts)


def sweep_headline(sweep: SweepContents) -> str:
    if sweep.aggregates is None:
        return ""
    return section("Summary figures per point", paragraph(
        f"Mean [95% CI] across seeds; n: seeds with the figure, where fewer than the most. {CLIPPED}. Every "
        f"figure with its std is in {AGGREGATES}."), table(figures_by_point(sweep.aggregates, sweep.columns)))


def sweep_methods(sweep: SweepContents) -> str:
    if sweep.aggregates is None or "methods" not in sweep.columns:
        return ""
    return methods_section(sweep.aggregates, sweep.headline, sweep.columns)


def sweep_against_fields(sweep: SweepContents) -> str:
    """The comparison figures first, then those the world names (:meth:`World.plotted_figures`), each against
    each swept field that varies, up to :data:`MAX_FIELD_PLOTS` plots; figures measured nowhere are left out."""
    if sweep.aggregates is None or not sweep.columns:
        return ""
    measured = sweep.aggregates[sweep.aggregates["mean"].notna()]  # "no signal" everywhere: nothing to draw
    present = list(dict.fromkeys(measured[HEADLINE_COLUMN]))
    names = [name for name in Comparison.names() if name in present] + \
            [name for name in sweep.world.plotted_figures(present) if name not in Comparison.names()]
    fields = [field for field in sweep.shown if sweep.aggregates[field].nunique(dropna=False) > 1]
    shown = names[:max(1, MAX_FIELD_PLOTS // max(len(fields), 1))]
    plots = figure_vs_field_plots(sweep.aggregates, sweep.shown, shown)
    left_out = _left_out(sweep.aggregates[HEADLINE_COLUMN].nunique() - len(shown), "summary figures",
                         "the table \"Summary figures per point\" below")
    return section("Summary figures against the swept fields", gallery(plots), left_out)


def sweep_curves(sweep: SweepContents) -> str:
    """The metrics the world names as worth a plot over steps (:meth:`World.step_metrics`), up to
    :data:`MAX_STEP_PLOTS`, a band per grid point."""
    if sweep.metrics is None:
        return ""
    recorded = list(sweep.metrics["metric"].unique())
    shown = sweep.world.step_metrics(recorded)[:MAX_STEP_PLOTS]
    groups = dict(_point_groups(sweep.metrics[sweep.metrics["metric"].isin(shown)], sweep.shown))
    return section("Metrics over steps", gallery(curve_plots(shown, groups)),
                   _left_out(len(recorded) - len(shown), "metrics", METRICS))


def _left_out(count: int, what: str, where: str) -> str:
    """The sentence that says a bounded part of the report is not all there is."""
    return paragraph(f"{count} more {what} not drawn here: see {where}.", "muted") if count > 0 else ""


def sweep_provenance(sweep: SweepContents) -> str:
    first = sweep.first_summary
    if first is None:
        return ""
    return section("Provenance", key_values({
        "trials": len(sweep.trials),
        "total trial wall time (s)": round(float(sweep.trials.get("wall_time_s", pd.Series(dtype=float)).sum()), 2),
        **{f"{name} version": version for name, version in first.get("versions", {}).items()},
        "platform": first.get("platform"),
    }))


def sweep_definition(sweep: SweepContents) -> str:
    import yaml

    return section("Sweep definition (resolved)", preformatted(yaml.safe_dump(sweep.definition, sort_keys=False)))


def sweep_oversight(sweep: SweepContents) -> str:
    """Per grid point and protocol of an oversight sweep: the fool rate against the accuracy when the correct
    answer is argued for, mean and 95% CI across seeds."""
    from .plots.oversight import fool_figure, sweep_points

    if sweep.aggregates is None:
        return ""
    frame = sweep_points(sweep.aggregates, sweep.columns,
                         lambda row: point_names(pd.DataFrame([row]), sweep.columns)[0] if sweep.columns else "all")
    if frame.empty:
        return ""
    reasons = withheld_fool_rates(sweep)
    shown = pd.DataFrame({
        "point": frame["point"], "protocol": frame["protocol"],
        "accuracy when the correct answer is argued": [_rate((r.x, r.x_low, r.x_high, r.signal)) for r in
                                                       frame.itertuples()],
        "fool rate": [_rate((r.y, r.y_low, r.y_high, r.signal)) if r.signal or (r.point, r.protocol) not in reasons
                      else "withheld" for r in frame.itertuples()],
        "withheld in": [reasons.get((r.point, r.protocol), "") for r in frame.itertuples()],
    })
    parts = [paragraph(f"Mean across seeds with {CLIPPED}, over the trials in which the fool rate could be read (the "
                       "aggregates' n says how many); \"withheld in\" says in how many trials it could not, and why: "
                       "\"no signal\" (the judge's choices did not depend on the answers' content), or the judge alone "
                       "not above chance, without which being fooled means nothing."), table(shown)]
    if frame["signal"].any():
        figure = fool_figure(frame, label=lambda row: f"{row['point']}: {row['protocol']}")
        parts.append(gallery([image(figure_png(figure), "Fool rate against accuracy when the correct answer is "
                                    "argued for, per grid point and protocol")]))
    return section("Oversight: fool rate against accuracy per protocol", *parts)


def withheld_fool_rates(sweep: SweepContents) -> dict[tuple[str, str], str]:
    """Per (point, protocol), the trials whose summary withheld the fool rate and why (the reason strings that a
    sweep's numeric tables drop): "2 of 3 trials: judge alone: no signal"."""
    from collections import Counter

    from .names import oversight_metric
    from .plots.oversight import AXES
    from .worlds.oversight import headline_key

    ok = sweep.trials[sweep.ok]
    names = point_names(ok, sweep.columns) if sweep.columns else ["all"] * len(ok)
    found: dict[tuple[str, str], Counter] = {}
    counts = Counter(names)
    for name, trial in zip(names, ok["id"]):
        headline = read_summary(sweep.directory / TRIALS_DIR / trial / SUMMARY)["headline"]
        for protocol, (_, (statistic, side)) in AXES.items():
            reason = headline.get(headline_key(oversight_metric(protocol, statistic, side)))
            if isinstance(reason, str):
                found.setdefault((name, protocol), Counter())[reason] += 1
    return {key: "; ".join(f"{n} of {counts[key[0]]} trials: {reason}" for reason, n in reasons.items())
            for key, reasons in found.items()}


def sweep_end_states(sweep: SweepContents) -> str:
    """Where each end state of the probe world occurs over the grid (only for sweeps whose summaries have them)."""
    from .plots.probe import END_STATES_TEXT, end_state_table, phase_figures

    if sweep.aggregates is None:
        return ""
    shares = end_state_table(sweep.aggregates, sweep.shown)
    if shares.empty:
        return ""
    figures = [image(figure_png(figure), "Mean share of replicas in each end state across seeds, per grid point")
               for figure in phase_figures(sweep.aggregates, sweep.shown)]
    return section("End states: where each occurs", paragraph(END_STATES_TEXT), table(shares), gallery(figures))


def sweep_debate(sweep: SweepContents) -> str:
    """The debate world over pixels revealed x advocate strength, as ``driftlab reproduce post`` shows the post:
    the paper's figures beside the measured ones, the rates against k, the phase plot, and each claim tested."""
    from .plots.debate import STRENGTH, against_pixels, is_debate_sweep, phase_figure
    from .reproduce import PAPER_DEBATE, debate_claims, debate_points

    if not is_debate_sweep(sweep.aggregates, sweep.columns):
        return ""
    parts = [paragraph(
        "Per point, every protocol on the same held-out images and judges; each figure is the mean across seeds "
        "of the trials' means over their judges, with its 95% CI across seeds (each trial's own interval, over "
        f"images and judges, is in its summary). A debate's liar win rate is 1 - its accuracy. {CLIPPED}."),
        gallery([image(figure_png(against_pixels(sweep.aggregates)), "Rates against the pixels revealed, per advocate "
                       "strength: mean and 95% CI across seeds")])]
    if STRENGTH not in sweep.columns:
        return section("Debate on images", *parts)
    runs = debate_points(sweep.aggregates, sweep.directory)
    rows = [{"pixels": k, "advocates": run.split(", ")[1], "judge alone: paper": f"{paper['alone_accuracy']:.3f}",
             "judge alone: measured": runs[run].text("alone_accuracy"),
             "debate: paper": f"{paper['debate_accuracy']:.3f}", "debate: measured": runs[run].text("debate_accuracy"),
             "uncommitted debate: measured": runs[run].text("debate_uncommitted_accuracy")}
            for k, paper in PAPER_DEBATE.items() for run in runs if run.startswith(f"k={k}, ")]
    if rows:
        parts += [paragraph("The paper's setting (MNIST 28x28, debaters searching by Monte Carlo tree search) beside "
                            "8x8 digits here; the README says why the figures differ."),
                  table(pd.DataFrame(rows))]
    parts.append(gallery([image(figure_png(phase_figure(sweep.aggregates)), "How often the liar gets its way over "
                                "pixels x advocate strength (mean across seeds)")]))
    parts += [claim.html(runs, {run: run for run in runs}) for claim in debate_claims(runs)]
    return section("Debate on images: the paper's figures and the seed's questions", *parts)


# The verdict first (the methods compared, or a world's own answer), then the figures, then the long tables.
SWEEP_SECTIONS = [sweep_methods, sweep_oversight, sweep_debate, sweep_end_states, sweep_trials, sweep_against_fields,
                  sweep_curves, sweep_headline, sweep_provenance, sweep_definition]
# Bounds on the per-key parts: an lm methods sweep has hundreds of figures x points, which would bury the
# answer (and weigh tens of MB); every number stays in the sweep's parquet tables.
MAX_FIELD_PLOTS = 12
MAX_STEP_PLOTS = 16


def sweep_report(sweep_dir: Path) -> str:
    sweep = SweepContents.read(sweep_dir)
    description = sweep.definition.get("description", "").strip()
    return page(f"Sweep: {sweep.definition['name']}",
                [paragraph(description) if description else "", *(part(sweep) for part in SWEEP_SECTIONS)])


def figures_by_point(aggregates: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A row per summary figure, a column per grid point ("–" where no trial of the point measured it): a
    long table of figures x points, turned so that it reads across."""
    most = aggregates["n"].max()
    cells = [(f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]" + (f" (n={n})" if n < most else "")) if math.isfinite(m) else "–"
             for m, lo, hi, n in aggregates[["mean", "ci95_low", "ci95_high", "n"]].itertuples(index=False)]
    frame = pd.DataFrame({"figure": aggregates[HEADLINE_COLUMN].to_numpy(), "cell": cells,
                          "point": point_names(aggregates, columns) if columns else "all trials"})
    wide = frame.pivot(index="figure", columns="point", values="cell")
    wide = wide.loc[list(dict.fromkeys(frame["figure"])), list(dict.fromkeys(frame["point"]))].fillna("–")
    return wide.reset_index().rename_axis(columns=None)


def _point_groups(metrics: pd.DataFrame, swept: list[str]):
    if not swept:
        yield "all seeds", metrics
        return
    for key, rows in metrics.groupby(swept, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        yield ", ".join(str(k) if f == LABEL else f"{f.rsplit('.', 1)[-1]}={k}" for f, k in zip(swept, key)), rows


def write_report(directory: Path, out: Path | None = None) -> Path:
    """Write the report of a run or sweep directory (default ``DIR/report.html``)."""
    directory = Path(directory)
    if (directory / DEFINITION).is_file():
        render = sweep_report
    elif (directory / SUMMARY).is_file():
        render = run_report
    else:
        raise ConfigError(f"not a finished run or sweep directory (no {SUMMARY} or {DEFINITION}): {directory}")
    out = Path(out) if out else directory / REPORT
    check_writable(out, directory=False)  # before the minutes a large sweep's report may take
    write_text(out, render(directory))
    return out
