"""Where everything lies in a run directory and a sweep directory: the file names, in one place.

A run directory::

    config.yaml         the resolved config (written first)
    metrics.parquet     the tidy table
    plots/*.png         the world's figures
    checkpoints/        staged worlds' checkpoints (lm)
    arguments.parquet   the oversight world's advocate arguments, one row per argument, with the judge's choice
    notes.parquet       the memory world's proposed notes, one row per step: kind, id, text, tokens, accepted
    summary.json        headline and comparison figures, provenance (written last: marks a complete run)

A sweep directory::

    sweep.yaml          the resolved definition, with the swept columns (resuming a different sweep is refused)
    trials/<id>/        one run directory per trial
    trials.json         each trial's swept values, seed, status (ok, or failed with its error), wall time and
                        its split (training, evaluation, cached evaluations) where the world gives one
    metrics.parquet     every ok trial's tidy rows + ``trial``, one column per swept field, ``seed``
    headline.parquet    every ok trial's headline figures: the same label columns + ``headline``, ``value``
    aggregates.parquet  per grid point and headline figure: n, mean, std and 95% CI across seeds
    aggregates.csv      the same, for people
    eval-cache/         evaluations the trials share (their starting model's), see lm/eval_cache.py
    report.html         ``driftlab report``'s default output (of a run directory too)
"""

CONFIG = "config.yaml"
METRICS = "metrics.parquet"
PLOTS = "plots"
CHECKPOINTS = "checkpoints"
ARGUMENTS = "arguments.parquet"
NOTES = "notes.parquet"
SUMMARY = "summary.json"

DEFINITION = "sweep.yaml"
TRIALS_DIR = "trials"
TRIALS = "trials.json"
HEADLINE = "headline.parquet"
HEADLINE_COLUMN = "headline"  # the column of headline.parquet and aggregates that names the figure
AGGREGATES = "aggregates.parquet"
AGGREGATES_CSV = "aggregates.csv"
EVAL_CACHE = "eval-cache"
REPORT = "report.html"
