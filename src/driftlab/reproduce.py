"""``driftlab reproduce post``: every toy-model figure of the post, several seeds each, in one report.

Each of the post's runs is a built-in preset; each becomes a sweep over seeds (so every measured figure
comes with a 95% confidence interval across seeds), and all their trials share one pool of workers. The
report follows the post's sections 6.1 (evolution model) and 6.2 (gradient-descent model): each claim
of the post beside the figure measured here, and whether the measurement supports it under a stated test.
A last section places the probe world's presets (a real detector: a probe on a network's activations)
beside the gradient runs they generalise, with claims of their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import preset_names
from .io import check_writable, write_text
from .plots.common import new_figure
from .report import (CLIPPED, draw_band, esc, figure_png, fmt, gallery, image, key_values, page, paragraph, section,
                     seed_band, table)
from .layout import AGGREGATES, HEADLINE_COLUMN, METRICS, PLOTS, REPORT, TRIALS_DIR
from .runner import default_out_dir
from .sweep import SweepResult, resolve_sweep, run_sweeps, trial_name

# Seeds per run: an evolution seed is one 10,000-agent population; a gradient seed already trains 8 replicas.
EVOLUTION_SEEDS = 5
GRADIENT_SEEDS = 3
EVOLUTION_RUNS = {"evolution-post": "Beta(0.2, 1) (the post's)", "evolution-uniform-prior": "Beta(1, 1) (uniform)"}
GRADIENT_RUNS = {
    "gradient-baseline": "baseline",
    "gradient-no-penalty": "no alignment penalty",
    "gradient-noiseless": "noiseless detector",
    "gradient-tax-0.1": "detector-bias tax 0.1",
    "gradient-tax-0.005": "detector-bias tax 0.005",
}
GRADIENT_SHOWN = ("final_alignment", "final_detector_reading", "final_detector_bias", "slip_first_step",
                  "slipped_fraction", "corrections")
# The probe world's presets generalise the gradient runs to a detector that is a logistic regression on a
# network's activations. Here on a faster clock than the presets' (the README gives those), so that the
# section takes seconds: 16 replicas per seed, 1,200 drift steps at lr 3e-3 with nudges at rate 0.2, audits
# every 50 steps, and a probe refitted at every audit where the preset refits at every audit.
PROBE_SEEDS = 3
PROBE_RUNS = {
    "probe-no-penalty": "probe, no penalty",
    "probe-frozen-unpenalised": "probe, frozen, no penalty (probe-frozen's control)",
    "probe-frozen": "probe, penalty against it, frozen",
    "probe-rotation": "probe, penalty against it, refitted at every audit",
    "probe-evasion-cost": "probe, penalty and an evasion cost (tax 1)",
}
PROBE_CLOCK = {"world.replicas": 16, "world.pretrain_steps": 300, "world.steps": 1200, "world.lr": 3.0e-3,
               "world.nudge_rate": 0.2, "world.eval_examples": 512, "world.detector.audit_every": 50,
               "world.record.points": 6, "world.record.interval": 100}
EVERY_AUDIT = {**PROBE_CLOCK, "world.detector.retrain_every": 50}
PROBE_SET = {"probe-no-penalty": EVERY_AUDIT, "probe-frozen-unpenalised": PROBE_CLOCK, "probe-frozen": PROBE_CLOCK,
             "probe-rotation": EVERY_AUDIT, "probe-evasion-cost": PROBE_CLOCK}
PROBE_SHOWN = ("final_misalignment", "proxy_alignment", "final_deployed_recall", "final_deployed_tpr_at_fpr",
               "final_deployed_auroc", "final_fresh_auroc", "end/blatant_deception", "end/obfuscated_activations",
               "end/unreadable", "slipped_fraction")


@dataclass
class Measured:
    """One run's seed sweep: its aggregates (summary figures across seeds) and combined tidy table."""

    out_dir: Path
    aggregates: pd.DataFrame
    metrics: pd.DataFrame

    def __getitem__(self, figure: str) -> pd.Series:
        """mean, ci95_low, ci95_high, n, ... of one summary figure."""
        return self.aggregates.set_index(HEADLINE_COLUMN).loc[figure]

    def text(self, figure: str) -> str:
        row = self[figure]
        return f"{fmt(row['mean'])}  [95% CI {fmt(row['ci95_low'])}, {fmt(row['ci95_high'])}]  ({int(row['n'])} seeds)"


@dataclass
class Claim:
    """A claim of the post, the figures that measure it, and a test of whether they support it."""

    statement: str
    shown: list[tuple[str, str]]  # (run, summary figure) pairs to show
    test: str  # the test, in words
    holds: Callable[[dict[str, Measured]], bool]

    @property
    def anchor(self) -> str:
        """The id the claims summary links to, from the statement's first words (no two claims share them)."""
        return "claim-" + "-".join(re.findall(r"[a-z0-9]+", self.statement.lower())[:8])

    def verdict(self, runs: dict[str, Measured]) -> bool | None:
        """Whether the measurements support the claim; None where a figure the test needs was not measured."""
        try:
            return bool(self.holds(runs))
        except KeyError:
            return None

    def html(self, runs: dict[str, Measured], names: dict[str, str]) -> str:
        measured = {f"{figure}, {names[run]}": runs[run].text(figure) for run, figure in self.shown if run in runs}
        css, word = OUTCOMES[self.verdict(runs)]
        return (f"<div class=\"claim\" id=\"{self.anchor}\"><p><b>Claim:</b> {esc(self.statement)}</p>"
                f"{key_values(measured) if measured else ''}<p><span class=\"verdict {css}\">{word}</span> "
                f"<span class=\"muted\">(test: {esc(self.test)})</span></p></div>")


OUTCOMES = {True: ("holds", "Supported"), False: ("fails", "Not supported"), None: ("muted", "Not tested")}


def claims_summary(claims: list[Claim], runs: dict[str, Measured]) -> str:
    """The report's answer first: how many claims the measurements support, and a row per claim linking to it."""
    verdicts = [claim.verdict(runs) for claim in claims]
    counts = [f"{verdicts.count(True)} of {len(claims)} supported"] + [
        f"{verdicts.count(verdict)} {OUTCOMES[verdict][1].lower()}" for verdict in (False, None) if verdict in verdicts]
    rows = "".join(f"<tr><td><a href=\"#{claim.anchor}\">{esc(claim.statement)}</a></td>"
                   f"<td class=\"{OUTCOMES[verdict][0]}\">{OUTCOMES[verdict][1]}</td></tr>"
                   for claim, verdict in zip(claims, verdicts))
    return section("Claims", paragraph("; ".join(counts) + "."),
                   f"<div class=\"wide\"><table><thead><tr><th>claim</th><th>verdict</th></tr></thead>"
                   f"<tbody>{rows}</tbody></table></div>")


def _below(runs, run_a, figure_a, run_b, figure_b=None) -> bool:
    """The CI of run_a's figure lies entirely below run_b's."""
    return runs[run_a][figure_a]["ci95_high"] < runs[run_b][figure_b or figure_a]["ci95_low"]


EVOLUTION_CLAIMS = [
    Claim("The aligned fraction falls roughly in proportion to log(steps): drift is surprisingly slow.",
          [(run, figure) for figure in ("aligned_fraction_slope_per_decade", "aligned_fraction_log_fit_r2")
           for run in EVOLUTION_RUNS],
          "post's prior: the slope's CI lies below 0 and the mean R² of the line in log10(step) is at least 0.9",
          lambda r: r["evolution-post"]["aligned_fraction_slope_per_decade"]["ci95_high"] < 0
          and r["evolution-post"]["aligned_fraction_log_fit_r2"]["mean"] >= 0.9),
    Claim("The expected drift time of the surviving population grows roughly linearly with steps, because fast "
          "drifters are weeded out (drift time: the median of 1/p over aligned agents).",
          [(run, figure) for figure in ("median_drift_time_slope_per_step", "median_drift_time_linear_fit_r2")
           for run in EVOLUTION_RUNS],
          "post's prior: the slope's CI lies above 0 and the mean R² of the linear fit is at least 0.9",
          lambda r: r["evolution-post"]["median_drift_time_slope_per_step"]["ci95_low"] > 0
          and r["evolution-post"]["median_drift_time_linear_fit_r2"]["mean"] >= 0.9),
    Claim("The result is sensitive to the initial drift distribution: with less mass near p = 0, drift time grows "
          "more slowly and far more misalignment accumulates, undetectably, before drift levels off.",
          [(run, figure) for figure in ("final_misaligned_undetectable_fraction", "median_drift_time_slope_per_step")
           for run in EVOLUTION_RUNS],
          "the uniform prior's undetectable misaligned fraction CI lies above the post prior's, and its drift-time "
          "slope CI lies below",
          lambda r: _below(r, "evolution-post", "final_misaligned_undetectable_fraction", "evolution-uniform-prior")
          and _below(r, "evolution-uniform-prior", "median_drift_time_slope_per_step", "evolution-post")),
]

GRADIENT_CLAIMS = {
    "gradient-baseline": Claim(
        "Baseline: the detector's bias grows and misalignment accumulates while the detector still reads ~100%.",
        [("gradient-baseline", f) for f in GRADIENT_SHOWN],
        "final bias CI above 0, final alignment CI below 0.5, mean final detector reading at least 0.95",
        lambda r: r["gradient-baseline"]["final_detector_bias"]["ci95_low"] > 0
        and r["gradient-baseline"]["final_alignment"]["ci95_high"] < 0.5
        and r["gradient-baseline"]["final_detector_reading"]["mean"] >= 0.95),
    "gradient-no-penalty": Claim(
        "No alignment penalty (penalty = 0): detector noise alone (false positives) drives the bias up.",
        [("gradient-no-penalty", f) for f in GRADIENT_SHOWN],
        "final bias CI above 0",
        lambda r: r["gradient-no-penalty"]["final_detector_bias"]["ci95_low"] > 0),
    "gradient-noiseless": Claim(
        "Noiseless detector, penalty on: drift still happens, with a sawtooth of corrections; each correction "
        "raises alignment and also makes the detector less reliable (raises its bias).",
        [("gradient-noiseless", f) for f in GRADIENT_SHOWN],
        "final alignment CI below 0.5, corrections CI above 0, final bias CI above 0",
        lambda r: r["gradient-noiseless"]["final_alignment"]["ci95_high"] < 0.5
        and r["gradient-noiseless"]["corrections"]["ci95_low"] > 0
        and r["gradient-noiseless"]["final_detector_bias"]["ci95_low"] > 0),
    "gradient-tax-0.1": Claim(
        "A detector-bias tax of 0.1 (tax * b added to the loss): alignment no longer collapses.",
        [("gradient-tax-0.1", f) for f in GRADIENT_SHOWN],
        "final alignment CI above 0.9 and no replica slipped through",
        lambda r: r["gradient-tax-0.1"]["final_alignment"]["ci95_low"] > 0.9
        and r["gradient-tax-0.1"]["slipped_fraction"]["mean"] == 0),
    "gradient-tax-0.005": Claim(
        "A weaker tax of 0.005 (shown in the post without comment): a weaker tug of war.",
        [(run, "final_alignment") for run in ("gradient-baseline", "gradient-tax-0.005", "gradient-tax-0.1")],
        "final alignment CI lies between the baseline's and the 0.1 tax's",
        lambda r: _below(r, "gradient-baseline", "final_alignment", "gradient-tax-0.005")
        and _below(r, "gradient-tax-0.005", "final_alignment", "gradient-tax-0.1")),
}


PROBE_CLAIMS = {
    "probe-no-penalty": Claim(
        "With no training against it, a real probe reads the drift (the baseline's detector before it is "
        "trained against): misalignment rises to ~1 and the refitted probe catches every replica.",
        [("probe-no-penalty", f) for f in PROBE_SHOWN],
        "final misalignment CI above 0.9 and the share of replicas caught (blatant deception: TPR at 1% FPR at "
        "least 0.5) at least 0.9",
        lambda r: r["probe-no-penalty"]["final_misalignment"]["ci95_low"] > 0.9
        and r["probe-no-penalty"]["end/blatant_deception"]["mean"] >= 0.9),
    "probe-frozen-unpenalised": Claim(
        "The control of the frozen probe: drift alone, with no penalty, already takes some replicas past a frozen "
        "probe's alarm; the penalty then silences the alarm in every replica, but mostly by moving the probe's "
        "threshold: recalibrated on benign situations, the penalised probe still catches most of what the "
        "control's does.",
        [(run, f) for f in ("final_misalignment", "final_deployed_recall", "final_deployed_tpr_at_fpr",
                            "final_deployed_auroc", "slipped_fraction", "end/blatant_deception")
         for run in ("probe-frozen-unpenalised", "probe-frozen")],
        "the control's slipped fraction has its CI inside (0, 1); the penalised run's mean recall is below 0.05 "
        "while its mean TPR at 1% FPR is at least half the control's",
        lambda r: 0 < r["probe-frozen-unpenalised"]["slipped_fraction"]["ci95_low"]
        and r["probe-frozen-unpenalised"]["slipped_fraction"]["ci95_high"] < 1
        and r["probe-frozen"]["final_deployed_recall"]["mean"] < 0.05
        and r["probe-frozen"]["final_deployed_tpr_at_fpr"]["mean"]
        >= 0.5 * r["probe-frozen-unpenalised"]["final_deployed_tpr_at_fpr"]["mean"]),
    "probe-frozen": Claim(
        "The baseline with a real detector: trained against, the probe goes silent while misalignment rises "
        "(it says aligned, the truth is misaligned, as the gradient model's detector reads ~100%), and every "
        "replica slips past its alarm; a probe fitted afresh still reads the misalignment (obfuscated activations).",
        [("gradient-baseline", "final_alignment"), ("gradient-baseline", "final_detector_reading"),
         *[("probe-frozen", f) for f in ("heldout_alignment", "proxy_alignment", *PROBE_SHOWN)]],
        "held-out alignment CI below 0.1, mean proxy alignment at least 0.95, every replica slipped through, "
        "mean fresh-probe AUROC at least 0.95",
        lambda r: r["probe-frozen"]["heldout_alignment"]["ci95_high"] < 0.1
        and r["probe-frozen"]["proxy_alignment"]["mean"] >= 0.95
        and r["probe-frozen"]["slipped_fraction"]["mean"] == 1
        and r["probe-frozen"]["final_fresh_auroc"]["mean"] >= 0.95),
    "probe-rotation": Claim(
        "Whac-a-mole rounds (not in the gradient model): refitting the probe does not restore detection; "
        "training against each new probe makes misalignment harder to read at the probed layer at all.",
        [("probe-rotation", f) for f in PROBE_SHOWN] + [("probe-frozen", "final_fresh_auroc")],
        "mean held-out alignment below 0.1, and the fresh probe's final AUROC CI lies below the frozen run's",
        lambda r: r["probe-rotation"]["heldout_alignment"]["mean"] < 0.1
        and _below(r, "probe-rotation", "final_fresh_auroc", "probe-frozen")),
    "probe-evasion-cost": Claim(
        "The tax that stops the gradient model's drift has no such effect with a real probe: charging for the "
        "change of the probed representation (tax 1) leaves the replicas misaligned, evading the probe.",
        [("gradient-tax-0.1", "final_alignment"),
         *[("probe-evasion-cost", f) for f in ("heldout_alignment", *PROBE_SHOWN)]],
        "the share of replicas that end honest has its CI below 0.5",
        lambda r: r["probe-evasion-cost"]["end/honest"]["ci95_high"] < 0.5),
}


def reproduce(target: str, out_dir: Path | None = None, workers: int | None = None, quiet: bool = False):
    """Run the post's presets as seed sweeps into ``out_dir`` and write ``out_dir/report.html``.

    Returns the report's path and each run's sweep result. Re-running with the same ``out_dir``
    resumes, like any sweep. Presets are picked up by name; a missing one is reported, not fatal.
    """
    out_dir = Path(out_dir) if out_dir else default_out_dir(f"reproduce-{target}")
    check_writable(out_dir)
    available = set(preset_names())
    seeds = {**dict.fromkeys(EVOLUTION_RUNS, EVOLUTION_SEEDS), **dict.fromkeys(GRADIENT_RUNS, GRADIENT_SEEDS),
             **dict.fromkeys(PROBE_RUNS, PROBE_SEEDS)}
    wanted = [run for run in seeds if run in available]
    plans = [(resolve_sweep({"name": run, "base": run, "seeds": seeds[run],
                             "set": PROBE_SET.get(run, {})}), out_dir / run) for run in wanted]
    results = run_sweeps(plans, workers=workers, quiet=quiet, desc=f"reproduce {target}")
    runs = {run: m for run, result in zip(wanted, results) if (m := _load(result)) is not None}
    failed = sum(result.failed for result in results)

    body = [paragraph(
        f"Every toy-model figure of the post: {EVOLUTION_SEEDS} seeds per evolution run, {GRADIENT_SEEDS} per "
        "gradient run. Bands and intervals are 95% Student-t confidence intervals across seeds. Each run's sweep "
        "directory beside this file holds its trials, combined tidy table and aggregates.")]
    if failed:
        body.append(paragraph(f"{failed} trial(s) failed; see trials.json in the sweep directories.", "fails"))
    claims = [*EVOLUTION_CLAIMS, *GRADIENT_CLAIMS.values(), *PROBE_CLAIMS.values()]
    body.insert(0, claims_summary(claims, runs))
    body += [_evolution_section(runs), _gradient_section(runs, available), _probe_section(runs, available)]
    report = out_dir / REPORT
    write_text(report, page("Will AI systems drift into misalignment? The toy models, reproduced", body))
    return report, dict(zip(wanted, results))


def _load(result: SweepResult) -> Measured | None:
    if not (result.out_dir / AGGREGATES).is_file():
        return None  # every trial failed
    return Measured(result.out_dir, pd.read_parquet(result.out_dir / AGGREGATES),
                    pd.read_parquet(result.out_dir / METRICS))


def _evolution_section(runs: dict[str, Measured]) -> str:
    intro = paragraph(
        "A population of 10,000 agents, each aligned or misaligned, with a drift probability p and a "
        "detectability d. Each step aligned agents drift with probability p, detectable misaligned agents are "
        "eliminated and replaced by aligned copies of survivors; undetectable misaligned agents stay.")
    claims = [claim.html(runs, EVOLUTION_RUNS) for claim in EVOLUTION_CLAIMS]
    if not all(run in runs for run in EVOLUTION_RUNS):
        return section("6.1 Evolution toy model", intro,
                       paragraph("Not run: an evolution preset is missing or failed.", "fails"), *claims)
    return section("6.1 Evolution toy model", intro, _priors_figure(runs), *claims)


def _priors_figure(runs: dict[str, Measured]) -> str:
    """Aligned fraction and drift time of both priors side by side."""
    figure, (aligned_ax, drift_ax) = new_figure(ncols=2, width=5.8, height=4.0)
    for run, label in EVOLUTION_RUNS.items():
        draw_band(aligned_ax, seed_band(runs[run].metrics, "aligned_fraction"), label, positive_steps=True)
        draw_band(drift_ax, seed_band(runs[run].metrics, "median_drift_time_aligned"), label, positive_steps=True)
    aligned_ax.set(xscale="log", xlabel="step (log scale)", ylabel="aligned fraction", ylim=(0, 1.02),
                   title="Aligned fraction")
    drift_ax.set(xscale="log", yscale="log", xlabel="step (log scale)", ylabel="median 1/p of aligned agents",
                 title="Expected drift time (median)")
    for ax in (aligned_ax, drift_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, title="drift prior p ~", title_fontsize=8)
    return image(figure_png(figure), f"The two drift priors side by side: mean across seeds, band = {CLIPPED}")


def _gradient_section(runs: dict[str, Measured], available: set[str]) -> str:
    parts = [paragraph(
        "Four trainable scalars (capability c, alignment a, detector bias b, detector variance v) start at "
        "(0, 1, 0, 1) and are trained by one optimizer on -(c + detector(a) + occasional alignment penalty), "
        "with detector(a) = min(1, (a + b) z), z ~ Normal(1, eps v).")]
    parts += _run_parts(runs, available, GRADIENT_RUNS, GRADIENT_CLAIMS, GRADIENT_RUNS, _training_figure, "*.png")
    parts.append(paragraph(
        "The post's conclusion: drift depends on how often the model is nudged toward misalignment (the "
        "penalty), how noisy detectors are (eps), and how much evading detectors costs (the tax)."))
    return section("6.2 Gradient-descent toy model", *parts)


def _probe_section(runs: dict[str, Measured], available: set[str]) -> str:
    parts = [paragraph(
        "The gradient model with a real detector (driftlab's probe world, issue 13): small MLPs learn a capability "
        "task and, from occasional nudges, a misaligned action in tempting situations; the developer's detector "
        "is a logistic-regression probe on a hidden layer, fitted on labelled activations once misbehaviour shows, "
        "and training is penalised by its reading (in the frozen probe's control, not). Caught means the deployed "
        "probe's true-positive rate at 1% false positives, its threshold recalibrated on benign situations, is at "
        "least 0.5; end states are named after the Obfuscation Atlas. The gradient runs each claim stands beside "
        "are shown with it. "
        "Run here on a faster clock than the presets (16 replicas per seed, 1,200 drift steps, lr 3e-3, nudge "
        "rate 0.2, audits and refits every 50 steps); the README gives the presets' own figures.")]
    parts += _run_parts(runs, available, PROBE_RUNS, PROBE_CLAIMS, {**GRADIENT_RUNS, **PROBE_RUNS},
                        _probe_figure, "misalignment_vs_probes.png")
    return section("Beyond 6.2: training against a real probe", *parts)


def _run_parts(runs: dict[str, Measured], available: set[str], labels: dict[str, str], claims: dict[str, Claim],
               names: dict[str, str], figure: Callable[[str, Measured], str], plots: str) -> list[str]:
    """Per run: its figure across seeds, the first trial's ``plots``, and its claim; then the runs compared."""
    parts = []
    for run, label in labels.items():
        heading = f"<h3>{esc(label)} <span class=\"muted\">({esc(run)})</span></h3>"
        if run not in runs:
            reason = "preset not available" if run not in available else "every trial failed"
            parts.append(heading + paragraph(f"Not run: {reason}.", "fails") + claims[run].html(runs, names))
            continue
        first_trial = sorted((runs[run].out_dir / TRIALS_DIR).iterdir())[0]
        single = [image(png.read_bytes(), f"{trial_name(run, first_trial.name)}: {png.stem.replace('_', ' ')} "
                        "(one seed, every replica)") for png in sorted((first_trial / PLOTS).glob(plots))]
        parts.append(heading + gallery([figure(run, runs[run]), *single]) + claims[run].html(runs, names))
    compared = {labels[run]: runs[run].aggregates.set_index(HEADLINE_COLUMN)["mean"] for run in labels if run in runs}
    if compared:
        parts.append("<h3>The runs compared (means across seeds)</h3>"
                     + table(pd.DataFrame(compared).T.reset_index(names="run")))
    return parts


def _probe_figure(run: str, measured: Measured) -> str:
    """The truth against what the deployed probe says, and how readable misalignment is: mean across seeds
    with 95% CI."""
    figure, (ax,) = new_figure(width=6.0, height=3.8)
    for metric, label in (("misalignment", "true misalignment"), ("deployed_flag_rate", "deployed probe flags"),
                          ("deployed_auroc", "deployed probe's AUROC"), ("fresh_auroc", "fresh probe's AUROC")):
        draw_band(ax, seed_band(measured.metrics, metric), label)
    ax.set(xlabel="drift step", ylim=(-0.03, 1.03), title=f"{PROBE_RUNS[run]}: across seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return image(figure_png(figure), f"{run}: mean across seeds of the replica means, band = {CLIPPED}")


def _training_figure(run: str, measured: Measured) -> str:
    """Alignment, the detector's reading, bias and variance over training: mean across seeds with 95% CI."""
    figure, (ax,) = new_figure(width=6.0, height=3.8)
    for metric in ("alignment", "detector_reading", "detector_bias", "detector_variance"):
        draw_band(ax, seed_band(measured.metrics, metric), metric.replace("_", " "))
    ax.set(xlabel="step", title=f"{GRADIENT_RUNS[run]}: across seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return image(figure_png(figure), f"{run}: mean across seeds of the replica means, band = {CLIPPED}")


# --- the debate world (issue 23): the paper's figures and the seed's questions, over a sweep of its grid ---------

# Irving, Christiano and Amodei (2018), MNIST: the judge's accuracy alone and after a precommitted debate.
PAPER_DEBATE = {6: {"alone_accuracy": 0.594, "debate_accuracy": 0.889},
                4: {"alone_accuracy": 0.482, "debate_accuracy": 0.852}}
STRONGEST = "lookahead"
LIAR_WINS = ("debate_liar_win_rate", "debate_uncommitted_liar_win_rate")


def debate_points(aggregates: pd.DataFrame, out_dir: Path) -> dict[str, Measured]:
    """Each (pixels, strength) point of a debate sweep as a run of its own, named ``k=6, lookahead``."""
    from .plots.debate import PIXELS, STRENGTH

    return {f"k={k}, {strength}": Measured(out_dir, rows, pd.DataFrame())
            for (k, strength), rows in aggregates.groupby([PIXELS, STRENGTH], sort=True)}


def _at_every_k(runs: dict[str, Measured], test: Callable[[dict[str, Measured]], bool]) -> bool:
    """``test(by_strength)`` at every number of pixels swept: the points of one k, by strength."""
    by_k: dict[str, dict[str, Measured]] = {}
    for name, measured in runs.items():
        k, strength = name.split(", ")
        by_k.setdefault(k, {})[strength] = measured
    return all(test(points) for points in by_k.values())


def debate_claims(runs: dict[str, Measured]) -> list[Claim]:
    """The paper's claims where its setting was swept, and the seed's questions as claims, tested over every
    point of the sweep."""
    claims = []
    for k, paper in PAPER_DEBATE.items():
        strongest = f"k={k}, {STRONGEST}"
        if strongest not in runs:
            continue
        claims.append(Claim(
            f"The paper (MNIST, {k} pixels, agents searching by Monte Carlo tree search): a precommitted debate raises "
            f"the judge's accuracy from {paper['alone_accuracy']:.1%} alone to {paper['debate_accuracy']:.1%}.",
            [(f"k={k}, {s}", figure) for s in ("random", "greedy", STRONGEST) for figure in paper
             if f"k={k}, {s}" in runs],
            f"with {STRONGEST} advocates (the strongest here), the debate accuracy's CI lies above the judge alone's",
            lambda r, run=strongest: _below(r, run, "alone_accuracy", run, "debate_accuracy")))
    claims += [
        Claim("Debate beats consultancy at every k and advocate strength: the judge is right more often after a "
              "precommitted debate than after a consultant who argues for the truth on half the images.",
              [(run, figure) for run in runs for figure in ("consultancy_accuracy", "debate_accuracy")],
              "at every point, consultancy's accuracy CI lies below the debate's",
              lambda r: all(_below(r, run, "consultancy_accuracy", run, "debate_accuracy") for run in r)),
        Claim("Precommitment helps the judge: without it the liar wins more often.",
              [(run, figure) for run in runs for figure in LIAR_WINS],
              "at every point, the uncommitted debate's mean liar win rate is above the precommitted one's",
              lambda r: all(m["debate_uncommitted_liar_win_rate"]["mean"] > m["debate_liar_win_rate"]["mean"]
                            for m in r.values())),
        Claim("A stronger advocate fools the judge more in consultancy.",
              [(run, "consultancy_liar_fool_rate") for run in runs],
              "at every k, the mean fool rate does not fall from random to greedy to lookahead advocates",
              lambda r: _at_every_k(r, lambda p: p["random"]["consultancy_liar_fool_rate"]["mean"]
                                    <= p["greedy"]["consultancy_liar_fool_rate"]["mean"]
                                    <= p["lookahead"]["consultancy_liar_fool_rate"]["mean"])),
        Claim("A stronger advocate makes the liar win less in debate.",
              [(run, figure) for run in runs for figure in LIAR_WINS],
              "at every k and in both debates, the liar's mean win rate with lookahead advocates is no higher than "
              "with random ones",
              lambda r: _at_every_k(r, lambda p: all(p["lookahead"][f]["mean"] <= p["random"][f]["mean"]
                                                     for f in LIAR_WINS))),
        Claim("There is a regime (few pixels, a strong liar) where the liar wins a debate more often than not.",
              [(run, figure) for run in runs if not run.endswith("random") for figure in LIAR_WINS],
              "at some point with searching advocates (greedy or lookahead), a debate's mean liar win rate is "
              "above 0.5",
              lambda r: any(m[f]["mean"] > 0.5 for run, m in r.items() if not run.endswith("random")
                            for f in LIAR_WINS)),
    ]
    return claims
