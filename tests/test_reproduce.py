"""`driftlab reproduce post`: the post's toy-model claims, measured across seeds, in one report."""

from __future__ import annotations

import base64
import io
import json
import re

import pandas as pd
import pytest
from PIL import Image

from driftlab import reproduce as reproduce_module
from driftlab.cli import main
from driftlab.config import preset_names
from driftlab.reproduce import EVOLUTION_RUNS, GRADIENT_RUNS, PROBE_RUNS, Measured, reproduce
from driftlab.layout import AGGREGATES, METRICS


@pytest.fixture(scope="module")
def post(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce") / "post"
    report, results = reproduce("post", out, workers=2, quiet=True)
    return out, report, sum(result.failed for result in results.values())


def present(runs) -> list[str]:
    return [run for run in runs if run in preset_names()]


def test_every_run_is_a_seed_sweep(post):
    out, _, failed = post
    assert failed == 0
    assert set(present(EVOLUTION_RUNS)) == set(EVOLUTION_RUNS)  # the evolution presets must exist
    for run, seeds in [*((r, reproduce_module.EVOLUTION_SEEDS) for r in present(EVOLUTION_RUNS)),
                       *((r, reproduce_module.GRADIENT_SEEDS) for r in present(GRADIENT_RUNS)),
                       *((r, reproduce_module.PROBE_SEEDS) for r in present(PROBE_RUNS))]:
        trials = json.loads((out / run / "trials.json").read_text())
        assert [t["seed"] for t in trials] == list(range(seeds)) and all(t["status"] == "ok" for t in trials)
        assert pd.read_parquet(out / run / AGGREGATES)["n"].max() == seeds


def test_report_follows_the_post_and_every_claim_is_supported(post):
    out, report, _ = post
    html = report.read_text()
    assert html.index("6.1 Evolution toy model") < html.index("6.2 Gradient-descent toy model")
    verdicts = re.findall(r'<span class="verdict (\w+)">', html)
    assert verdicts == ["holds"] * (3 + len(present(GRADIENT_RUNS)) + len(present(PROBE_RUNS)))
    assert html.index("6.2 Gradient-descent toy model") < html.index("Beyond 6.2: training against a real probe")
    # the answer first: how many claims the measurements support, a row per claim linking to it
    assert html.index(f"<p>{len(verdicts)} of {len(verdicts)} supported.</p>") < html.index("6.1 Evolution toy model")
    links = re.findall(r'<a href="#(claim-[\w-]+)">', html)
    assert len(links) == len(set(links)) == len(verdicts) and all(f'id="{link}"' in html for link in links)
    assert "base,seed=" not in html  # captions name the preset and seed
    assert ("Not run" in html) == (len(present(GRADIENT_RUNS)) < len(GRADIENT_RUNS))

    # The measured figures shown are the sweep's aggregates, with their intervals.
    slope = pd.read_parquet(out / "evolution-post" / AGGREGATES).set_index("headline").loc["aligned_fraction_slope_per_decade"]
    assert f"{slope['mean']:.4g}  [95% CI {slope['ci95_low']:.4g}, {slope['ci95_high']:.4g}]  (5 seeds)" in html

    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    single_run_plots = sum(len(list(next((out / run / "trials").iterdir()).glob("plots/*.png")))
                           for run in present(GRADIENT_RUNS))
    # priors side by side; per gradient run its figure and plots; per probe run its figure and one plot
    assert len(images) == 1 + len(present(GRADIENT_RUNS)) + single_run_plots + 2 * len(present(PROBE_RUNS))
    assert all(Image.open(io.BytesIO(base64.b64decode(data))).format == "PNG" for data in images)


def test_rerun_resumes_and_writes_the_same_report(post, capsys):
    out, report, _ = post
    before = report.read_bytes()
    assert main(["reproduce", "post", "--out", str(out), "--quiet"]) == 0
    every = present([*EVOLUTION_RUNS, *GRADIENT_RUNS, *PROBE_RUNS])
    total = sum(len(json.loads((out / run / "trials.json").read_text())) for run in every)
    assert capsys.readouterr().out.strip().splitlines() == [f"wrote {report}", f"{total} trials: {total} ok, 0 failed"]
    for run in every:
        assert all(t.get("resumed") for t in json.loads((out / run / "trials.json").read_text()))
    assert report.read_bytes() == before


def test_a_missing_gradient_preset_is_reported_not_fatal(post):
    out, _, _ = post
    runs = {run: Measured(out / run, pd.read_parquet(out / run / AGGREGATES), pd.read_parquet(out / run / METRICS))
            for run in present(GRADIENT_RUNS)}
    runs.pop("gradient-tax-0.005", None)
    html = reproduce_module._gradient_section(runs, set(runs))
    assert "Not run: preset not available." in html
    assert html.count('class="verdict holds"') == len(runs)
