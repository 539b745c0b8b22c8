"""HTML reports: self-contained, escaped, and rendered by a real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from driftlab.cli import main
from driftlab.config import validate_config
from driftlab.report import MAX_FIELD_PLOTS, MAX_STEP_PLOTS
from driftlab.runner import execute

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium + chromium-driver, headless, with a fresh profile and no background traffic.

    Without them the tests that render are skipped, saying why; under DRIFTLAB_REQUIRE_BROWSER=1 (set by
    .ci/run) they fail instead, so CI cannot pass without rendering."""
    browser, chromedriver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not (browser and chromedriver):
        reason = ("rendering needs a headless Chromium: Debian's chromium and chromium-driver "
                  "(apt-get install chromium chromium-driver), not found on PATH")
        if os.environ.get("DRIFTLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; DRIFTLAB_REQUIRE_BROWSER=1 requires them")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tempfile.mkdtemp(prefix="driftlab-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1200,2400"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def render(driver, html_file: Path) -> dict:
    """Open the file; return its title, console errors, image states and a screenshot's pixel spread."""
    driver.get(html_file.resolve().as_uri())
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    screenshot = html_file.with_suffix(".png")
    driver.save_screenshot(str(screenshot))
    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=np.float64)
    return {"title": driver.title, "errors": errors, "images": images, "pixel_std": pixels.std()}


def assert_self_contained(html: str) -> None:
    """Nothing to fetch: no scripts, no stylesheets or fonts from elsewhere, only data: images."""
    assert "<script" not in html.lower()
    assert not re.search(r"<link|@import|url\(", html, re.IGNORECASE)
    sources = re.findall(r'src="([^"]*)"', html)
    assert sources and all(src.startswith("data:image/png;base64,") for src in sources)


def assert_renders(result: dict, images: int) -> None:
    assert result["errors"] == []
    assert len(result["images"]) == images
    assert all(complete and width > 0 and height > 0 for complete, width, height in result["images"])
    assert result["pixel_std"] > 10  # a blank (or single-colour) page has none


def test_run_report_escapes_user_text_and_renders(tmp_path, chromium, capsys):
    config = validate_config({
        "name": HOSTILE, "description": "<b>bold?</b>",
        "world": {"type": "evolution", "agents": 300, "steps": 200, "replicas": 2},
    })
    run = execute(config, tmp_path / "run", quiet=True).out_dir
    assert main(["report", str(run)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {run / 'report.html'}"
    html = (run / "report.html").read_text()
    assert_self_contained(html)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<b>bold?</b>" not in html
    for figure in ("aligned_fraction_slope_per_decade", "final_aligned_fraction", "wall time (s)", "numpy version"):
        assert figure in html

    result = render(chromium, run / "report.html")
    assert result["title"] == f"Run: {HOSTILE}"  # escaped once: the browser shows the text as written
    assert_renders(result, images=len(list((run / "plots").glob("*.png"))))


def test_sweep_report_has_aggregates_and_plots_per_swept_field(tmp_path, chromium):
    sweep = {
        "name": "report-sweep", "description": "<img src=x onerror=alert(1)>", "base": "evolution-post",
        "set": {"world.agents": 300, "world.steps": 200},
        "grid": {"world.drift_prior.alpha": [0.2, 1.0], "world.donor_copy": ["joint", "independent"]},
        "seeds": 2,
    }
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(sweep))
    out = tmp_path / "sweep"
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    report = tmp_path / "elsewhere" / "sweep-report.html"
    assert main(["report", str(out), "--out", str(report)]) == 0
    html = report.read_text()
    assert_self_contained(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html

    aggregates = pd.read_parquet(out / "aggregates.parquet")
    figures = aggregates["headline"].nunique()
    metrics = pd.read_parquet(out / "metrics.parquet")["metric"].nunique()
    assert html.count("<tr>") >= figures + 1  # a row per summary figure, a column per point
    assert "<th>donor_copy=joint, alpha=0.2</th>" in html
    result = render(chromium, report)
    assert result["title"] == "Sweep: report-sweep"
    # the first summary figures against each of the 2 swept fields (12 plots at most), one band plot per metric
    assert_renders(result, images=2 * min(figures, MAX_FIELD_PLOTS // 2) + min(metrics, MAX_STEP_PLOTS))


def test_report_of_a_directory_that_is_neither(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not a finished run or sweep directory" in err



def test_sweep_over_methods_compares_them_from_the_sweep_tables(tmp_path, chromium):
    from driftlab.report import method_comparison
    from driftlab.runner import load_run
    from driftlab.stats import mean_ci95

    sweep = {
        "name": "methods", "base": "gradient-baseline", "seeds": 2,
        "set": {"world.replicas": 2, "world.steps": 600, "world.record.schedule": "log"},
        "points": [{"label": "no method", "methods": []},
                   {"label": HOSTILE, "methods": [{"name": "l2-to-initial", "weight": 0.05}]},
                   {"label": "tax", "methods": [{"name": "detector-bias-tax", "tax": 0.1}]}],
    }
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(sweep))
    out = tmp_path / "sweep"
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert_self_contained(html)
    assert "<h2>Methods compared</h2>" in html and HOSTILE not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html

    aggregates = pd.read_parquet(out / "aggregates.parquet")
    frame = method_comparison(aggregates, pd.read_parquet(out / "headline.parquet"),
                              ["label", "methods"]).set_index("point")
    assert list(frame.index) == ["no method", HOSTILE, "tax"]
    for label, trial in [("no method", "no-method"), ("tax", "tax")]:
        summaries = [load_run(out / "trials" / f"{trial},seed={seed}")[1]["headline"] for seed in (0, 1)]
        gap = mean_ci95([s["proxy_alignment"] - s["heldout_alignment"] for s in summaries])  # paired per trial
        assert frame.loc[label, "gap"] == pytest.approx(gap["mean"])
        assert frame.loc[label, "gap_low"] == pytest.approx(gap["ci95_low"])
        heldout = np.mean([s["heldout_alignment"] for s in summaries])
        assert frame.loc[label, "heldout_alignment"] == pytest.approx(heldout)
    # L2-SP pays in capability for its alignment; the tax holds alignment at no capability cost: it alone is optimal
    assert frame.loc[HOSTILE, "capability"] < frame.loc["tax", "capability"]
    assert frame["pareto"].tolist() == [False, False, True]

    result = render(chromium, out / "report.html")
    figures = aggregates["headline"].nunique()
    metrics = pd.read_parquet(out / "metrics.parquet")["metric"].nunique()
    # the Pareto and proxy-vs-held-out plots, the first figures against the point label, a band plot per metric
    assert_renders(result, images=2 + min(figures, MAX_FIELD_PLOTS) + min(metrics, MAX_STEP_PLOTS))
    # the verdict opens the report: the comparison table and the Pareto plot lie on the first screen
    chromium.set_window_size(1280, 900)
    first_screen = chromium.execute_script("return window.innerHeight")
    verdict = chromium.execute_script(
        "const section = [...document.querySelectorAll('section')].find(s => s.querySelector('h2')"
        "  .textContent === 'Methods compared');"
        "return [section.querySelector('table').getBoundingClientRect().bottom,"
        "        section.querySelector('img').getBoundingClientRect().top,"
        "        document.querySelector('section').isSameNode(section)]")
    assert verdict[2] and verdict[0] < first_screen and verdict[1] < first_screen
    # wide tables scroll inside their wrapper: the page itself never scrolls sideways
    assert chromium.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def test_a_grid_over_methods_of_one_name_names_its_points_by_their_settings(tmp_path):
    """Two points with l2-to-initial at different weights (and a second swept field): the report is written,
    each point named apart by the setting that differs, not by the method's name alone."""
    sweep = {"name": "grid-methods", "base": "gradient-baseline", "seeds": 1,
             "set": {"world.replicas": 2, "world.steps": 50},
             "grid": {"methods": [[], [{"name": "l2-to-initial", "weight": 1.0}],
                                  [{"name": "l2-to-initial", "weight": 0.1}]],
                      "world.lr": [0.01, 0.02]}}
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(sweep))
    out = tmp_path / "sweep"
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    for name in ("no method, lr=0.01", "l2-to-initial (weight=1.0), lr=0.02", "l2-to-initial (weight=0.1), lr=0.01"):
        assert name in html


def test_sweep_report_stays_bounded_however_many_figures_and_metrics(tmp_path):
    """Hundreds of summary figures and metrics (as an lm methods sweep has): a bounded number of plots, the rest
    named as left out, and a file far under the 3 MB the methods-lm-smoke report must stay within."""
    sweep = {"name": "many", "base": "evolution-post", "set": {"world.agents": 300, "world.steps": 200},
             "grid": {"world.drift_prior.alpha": [0.2, 1.0]}, "seeds": 2}
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(sweep))
    out = tmp_path / "sweep"
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    aggregates, metrics = pd.read_parquet(out / "aggregates.parquet"), pd.read_parquet(out / "metrics.parquet")
    pd.concat([aggregates.assign(headline=aggregates["headline"] + f"_{i}") for i in range(40)]).to_parquet(
        out / "aggregates.parquet")
    pd.concat([metrics.assign(metric=metrics["metric"] + f"_{i}") for i in range(40)]).to_parquet(
        out / "metrics.parquet")
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert html.count("<img") == MAX_FIELD_PLOTS + MAX_STEP_PLOTS
    figures, recorded = 40 * aggregates["headline"].nunique(), 40 * metrics["metric"].nunique()
    assert f"{figures - MAX_FIELD_PLOTS} more summary figures not drawn here" in html
    assert f"{recorded - MAX_STEP_PLOTS} more metrics not drawn here" in html
    assert len(html.encode()) < 3_000_000


def test_intervals_are_clipped_to_a_quantitys_range_and_the_caption_says_so():
    from driftlab.report import CLIPPED, clip_aggregates, curve_plots, esc, natural_range, seed_band

    assert natural_range("eval/dilemmas/heldout/p_misaligned") == (0.0, 1.0)
    assert natural_range("heldout_alignment") == (0.0, 1.0)
    assert natural_range("kl/from_start") == (0.0, float("inf"))
    assert natural_range("wall_time_s") == natural_range("median_drift_time_aligned") == (0.0, float("inf"))
    for unbounded in ("aligned_fraction_slope_per_decade", "aligned_fraction_log_fit_r2", "detector_bias"):
        assert natural_range(unbounded) == (float("-inf"), float("inf"))

    # two seeds near 0 and one at 0.3: the t-interval reaches far below 0, which a probability cannot
    metrics = pd.DataFrame({"step": 1, "trial": ["a", "b", "c", "a", "b", "c"], "replica": 0,
                            "metric": ["accuracy"] * 3 + ["detector_bias"] * 3, "value": [0.0, 0.01, 0.3] * 2})
    assert seed_band(metrics, "accuracy")["low"].iloc[0] == 0.0
    assert seed_band(metrics, "detector_bias")["low"].iloc[0] < -0.1  # unbounded: left as measured
    aggregates = pd.DataFrame({"headline": ["accuracy", "accuracy", "kl", "detector_bias", "rate"],
                               "mean": [0.05, 0.98, 0.01, -0.2, 1.5], "ci95_low": [-0.2, 0.9, -0.3, -0.5, 1.2],
                               "ci95_high": [0.3, 1.1, 0.4, 0.1, 1.8]})
    clipped = clip_aggregates(aggregates)
    assert clipped["ci95_low"].tolist() == [0.0, 0.9, 0.0, -0.5, 1.2]  # a "rate" of 1.5 is misread: not clipped
    assert clipped["ci95_high"].tolist() == [0.3, 1.0, 0.4, 0.1, 1.8]
    assert "clipped" in CLIPPED and esc(CLIPPED) in curve_plots(["accuracy"], {"all seeds": metrics})[0]


def test_the_lm_world_names_one_plot_per_eval_part_by_the_letter_scorer_where_it_ran():
    from driftlab.worlds.lm import LmWorld

    metrics = ["capability/accuracy", "kl/from_start", "eval/d/heldout/p_misaligned",
               "eval/d/heldout/cont_p_misaligned", "eval/d/heldout/score", "eval/d/heldout/order_consistency",
               "eval/d/proxy/cont_p_misaligned", "eval/d/heldout/other_domains/p_misaligned", "kl-to-base/kl"]
    assert LmWorld.step_metrics(metrics) == ["capability/accuracy", "kl/from_start", "eval/d/heldout/p_misaligned",
                                             "eval/d/proxy/cont_p_misaligned",
                                             "eval/d/heldout/other_domains/p_misaligned"]
    figures = ["eval_d_heldout_p_misaligned_final", "eval_d_heldout_cont_p_misaligned_final",
               "eval_d_proxy_cont_p_misaligned_final", "eval_d_heldout_p_misaligned_start",
               "capability_accuracy_final", "eval_d_heldout_p_misaligned_final_signal",
               "eval_d_heldout_label_mass_final"]
    assert LmWorld.plotted_figures(figures) == ["eval_d_heldout_p_misaligned_final",
                                                "eval_d_proxy_cont_p_misaligned_final", "capability_accuracy_final"]
