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
    assert html.count("<tr>") >= len(aggregates) + 1
    result = render(chromium, report)
    assert result["title"] == "Sweep: report-sweep"
    # each summary figure against each of the 2 swept fields, and one band plot per metric
    assert_renders(result, images=2 * figures + metrics)


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
    # the Pareto and proxy-vs-held-out plots, each figure against the point label, one band plot per metric
    assert_renders(result, images=2 + figures + metrics)
