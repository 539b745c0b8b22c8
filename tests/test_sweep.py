"""Sweeps: validation, trials and their tables, failures, resuming after a kill, and Ray vs local."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from driftlab.cli import main
from driftlab.config import resolve
from driftlab.errors import ConfigError, DriftlabError
from driftlab.runner import execute, load_run
from driftlab.sweep import TrialResources, load_sweep, run_sweeps, trial_names, trial_resources

TINY = {"world.agents": 300, "world.steps": 200}


def write_sweep(folder: Path, **fields) -> Path:
    sweep = {"name": "tiny", "base": "evolution-post", "set": dict(TINY), "seeds": 2, **fields}
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep))
    return path


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, err
    return err


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"grdi": {}}, "grdi: unknown field"),
        ({"seeds": 0}, "seeds"),
        ({"seeds": [1, 1]}, "distinct seeds"),
        ({"grid": {"world.agents": [100]}, "points": [{"world.agents": 5}]}, "either grid or points"),
        ({"grid": {"world.agents": []}}, "grid.world.agents has no values"),
        ({"grid": {"world.agents": [100, -5]}}, "trial agents=-5,seed=0: world.agents: Input should be greater than 0"),
        ({"grid": {"world.agnets": [1]}}, "world.agnets: unknown field"),
        ({"grid": {"seed": [1, 2]}}, "list the seeds under 'seeds'"),
        ({"base": "no-such-preset"}, "unknown preset 'no-such-preset'"),
        ({"base": "missing.yaml"}, "config file not found"),
    ],
)
def test_bad_sweeps_fail_before_anything_runs(tmp_path, capsys, fields, expected):
    out = tmp_path / "out"
    assert main(["sweep", str(write_sweep(tmp_path, **fields)), "--out", str(out), "--quiet"]) == 2
    assert expected in error_line(capsys)
    assert not out.exists()


def test_cli_set_may_not_override_a_swept_field(tmp_path, capsys):
    path = write_sweep(tmp_path, grid={"world.drift_prior.alpha": [0.2, 1.0]})
    assert main(["sweep", str(path), "--set", "world.drift_prior={alpha: 1}", "--quiet"]) == 2
    assert "the sweep varies world.drift_prior.alpha" in error_line(capsys)


def test_a_sweep_logged_to_a_file_says_each_finished_trial(tmp_path, capsys):
    path = write_sweep(tmp_path, seeds=[1, 2])
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    lines = capsys.readouterr().err.strip().splitlines()  # pytest's stderr is not a terminal, as in a log
    assert [line.split(":")[0] for line in lines] == ["trial 1/2 tiny, seed 1", "trial 2/2 tiny, seed 2"]
    assert all(re.fullmatch(r"trial \d/2 tiny, seed \d: ok in \d+ s", line) for line in lines), lines
    assert main(["sweep", str(path), "--out", str(tmp_path / "quiet"), "--workers", "1", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_progress_lines_name_a_point_as_the_report_does(tmp_path):
    """A grid over mappings and lists: the trial's directory is a slug (made unique by a hash where truncation
    would collide); what a reader sees is the point as the report names it (methods by name), and its seed."""
    priors = [{"alpha": 0.2, "beta": 1.0}, {"alpha": 1.0, "beta": 1.0}]
    sweep = load_sweep(write_sweep(tmp_path, seeds=[3], grid={"world.drift_prior": priors, "methods": [[]]}))
    assert list(trial_names(sweep).values()) == ['no method, drift_prior={"alpha": 0.2, "beta": 1.0}, seed 3',
                                                 'no method, drift_prior={"alpha": 1.0, "beta": 1.0}, seed 3']
    labelled = load_sweep(write_sweep(tmp_path, seeds=1, points=[{"label": "no method", "methods": []}]))
    assert list(trial_names(labelled).values()) == ["no method, seed 0"]
    assert list(trial_names(load_sweep(write_sweep(tmp_path, seeds=1))).values()) == ["tiny, seed 0"]


def test_several_sweeps_share_one_executor_each_in_its_own_directory(tmp_path, capsys):
    first = write_sweep(tmp_path, seeds=[1])
    (tmp_path / "b").mkdir()
    second = write_sweep(tmp_path / "b", name="other", seeds=[1], set={**TINY, "world.steps": 100})
    out = tmp_path / "both"
    assert main(["sweep", str(first), str(second), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert [line for line in capsys.readouterr().out.splitlines() if line.startswith("wrote")] == [
        f"wrote {out / 'tiny'}", f"wrote {out / 'other'}"]
    steps = [load_run(out / name / "trials" / "base,seed=1")[0]["step"].max() for name in ("tiny", "other")]
    assert steps == [200, 100]  # each sweep's trials ran its own settings
    assert main(["sweep", str(first), str(first), "--out", str(tmp_path / "twice"), "--quiet"]) == 2
    assert "the sweep 'tiny' is named twice" in error_line(capsys)


def test_grid_trials_tables_and_aggregates(tmp_path, capsys):
    base = tmp_path / "base.yaml"  # a base config given as a path relative to the sweep file
    base.write_text(yaml.safe_dump({"name": "from-file", "world": {"type": "evolution", **{k.split(".")[1]: v for k, v in TINY.items()}}}))
    path = write_sweep(tmp_path, base="base.yaml", set={}, grid={"world.drift_prior.alpha": [0.2, 1.0]}, seeds=[3, 7])
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "4 trials: 4 ok, 0 failed"

    ids = ["alpha=0.2,seed=3", "alpha=0.2,seed=7", "alpha=1.0,seed=3", "alpha=1.0,seed=7"]
    assert sorted(p.name for p in (out / "trials").iterdir()) == ids
    # Each trial is an ordinary run whose seed comes from the sweep file: a plain run reproduces it.
    alone = execute(resolve(str(base), ["world.drift_prior.alpha=1.0"], seed=7)[0], tmp_path / "alone", quiet=True)
    pd.testing.assert_frame_equal(load_run(out / "trials" / "alpha=1.0,seed=7")[0], alone.table)

    combined = pd.read_parquet(out / "metrics.parquet")
    assert list(combined.columns) == ["trial", "world.drift_prior.alpha", "seed", "replica", "step", "metric", "value"]
    for trial_id in ids:
        rows = combined[combined["trial"] == trial_id]
        alpha, seed = float(trial_id[6:9]), int(trial_id[-1])
        assert (rows["world.drift_prior.alpha"] == alpha).all() and (rows["seed"] == seed).all()
        pd.testing.assert_frame_equal(rows[["replica", "step", "metric", "value"]].reset_index(drop=True),
                                      load_run(out / "trials" / trial_id)[0])

    aggregates = pd.read_parquet(out / "aggregates.parquet")
    row = aggregates[(aggregates["world.drift_prior.alpha"] == 0.2) & (aggregates["headline"] == "final_aligned_fraction")]
    values = [load_run(out / "trials" / f"alpha=0.2,seed={s}")[1]["headline"]["final_aligned_fraction"] for s in (3, 7)]
    half = 12.7062 * np.std(values, ddof=1) / np.sqrt(2)  # Student t 97.5% quantile with 1 degree of freedom
    assert row["n"].item() == 2 and row["mean"].item() == pytest.approx(np.mean(values))
    assert row["ci95_low"].item() == pytest.approx(np.mean(values) - half, rel=1e-4)
    assert row["ci95_high"].item() == pytest.approx(np.mean(values) + half, rel=1e-4)
    assert len(aggregates) == 2 * len(load_run(out / "trials" / ids[0])[1]["headline"])
    assert (out / "aggregates.csv").read_text().startswith("world.drift_prior.alpha,headline,n,mean,std,")
    assert [t["status"] for t in json.loads((out / "trials.json").read_text())] == ["ok"] * 4


def test_failed_trials_are_recorded_and_the_rest_go_on(tmp_path, capsys):
    # An absurd learning rate overflows the gradient world's parameters: TrainingDiverged in one point.
    path = write_sweep(tmp_path, base="gradient.yaml", set={}, grid={"world.lr": [0.05, 1e308]}, seeds=1)
    (tmp_path / "gradient.yaml").write_text(
        yaml.safe_dump({"name": "g", "world": {"type": "gradient", "replicas": 2, "steps": 30}}))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1] == "2 trials: 1 ok, 1 failed"
    trials = {t["id"]: t for t in json.loads((out / "trials.json").read_text())}
    assert trials["lr=0.05,seed=0"]["status"] == "ok"
    failed = trials["lr=1e+308,seed=0"]
    assert failed["status"] == "failed" and failed["error"].startswith("TrainingDiverged: ")
    assert "lr=1e+308,seed=0: TrainingDiverged" in captured.err
    assert "Traceback" in (out / "trials" / "lr=1e+308,seed=0" / "error.txt").read_text()
    assert set(pd.read_parquet(out / "metrics.parquet")["trial"]) == {"lr=0.05,seed=0"}


def slow_sweep_running(tmp_path, out, finished: int):
    """A 6-trial sweep into ``out`` in a process of its own, trials slow enough (~0.5 s each with their plots)
    to act on it mid-sweep, returned once ``finished`` trials are complete: its file and its process."""
    path = write_sweep(tmp_path, set={"world.agents": 3000, "world.steps": 3000},
                       grid={"world.drift_prior.alpha": [0.2, 1.0]}, seeds=3)
    command = [sys.executable, "-m", "driftlab.cli", "sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]
    process = subprocess.Popen(command, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("trials/*/summary.json"))) < finished:
        assert process.poll() is None and time.monotonic() < deadline, "the sweep ended before its trials could be seen"
        time.sleep(0.02)
    return path, process


def test_resume_after_kill_loses_and_duplicates_nothing(tmp_path):
    out = tmp_path / "killed"
    path, process = slow_sweep_running(tmp_path, out, finished=2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    complete = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("trials/*/summary.json")}
    assert 2 <= len(complete) < 6 and not (out / "trials.json").exists()
    partial = out / "trials" / "alpha=1.0,seed=2"  # a trial killed half-written: some files, no summary
    partial.mkdir(parents=True, exist_ok=True)
    (partial / "config.yaml").write_text("half")

    assert main(["sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    statuses = json.loads((out / "trials.json").read_text())
    assert len(statuses) == 6 and all(t["status"] == "ok" for t in statuses)
    assert sorted(t["id"] for t in statuses if t.get("resumed")) == sorted(complete)
    assert {p.parent.name: p.stat().st_mtime_ns for p in out.glob("trials/*/summary.json") if p.parent.name in complete} == complete
    assert len(list(out.glob("trials/*"))) == 6

    whole = tmp_path / "whole"
    assert main(["sweep", str(path), "--out", str(whole), "--workers", "1", "--quiet"]) == 0
    for name in ("metrics.parquet", "aggregates.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(whole / name))

    # Re-running a finished sweep runs nothing; a different sweep may not be resumed into its directory.
    assert main(["sweep", str(path), "--out", str(whole), "--workers", "1", "--quiet"]) == 0
    with pytest.raises(DriftlabError, match="holds a different sweep"):
        run_sweeps([(load_sweep(path, ["world.detectable_fraction=0.5"]), whole)], workers=1, quiet=True)


def test_ray_executor_gives_the_same_numbers_as_local(tmp_path):
    pytest.importorskip("ray")
    path = write_sweep(tmp_path, grid={"world.drift_prior.alpha": [0.2, 1.0]}, seeds=1)
    sweep = load_sweep(path)
    (local,) = run_sweeps([(sweep, tmp_path / "local")], executor="local", workers=1, quiet=True)
    (ray,) = run_sweeps([(sweep, tmp_path / "ray")], executor="ray", workers=2, quiet=True)  # starts a local Ray
    assert ray.failed == 0 and ray.line() == local.line() == "2 trials: 2 ok, 0 failed"
    for name in ("metrics.parquet", "aggregates.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ray" / name), pd.read_parquet(tmp_path / "local" / name))


def test_ray_missing_gives_install_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail as if it were not installed
    path = write_sweep(tmp_path, seeds=1)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "ray", "--quiet"]) == 1
    assert "pip install 'driftlab[ray]'" in error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_sweep_needs_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_sweep(path)


def test_a_second_sweep_in_a_running_ones_directory_is_refused_and_a_killed_ones_lock_taken_over(tmp_path, capsys):
    out = tmp_path / "out"
    path, process = slow_sweep_running(tmp_path, out, finished=1)
    finished = {p: p.stat().st_mtime_ns for p in out.glob("trials/*/summary.json")}
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    holder = f"pid {process.pid} on host {socket.gethostname()}"
    assert f"{out}: another sweep is running in it ({holder}, since " in error_line(capsys)
    assert {p: p.stat().st_mtime_ns for p in finished} == finished and not (out / "trials.json").exists()

    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert holder in (out / "sweep.lock").read_text()  # left behind, and stale: its holder is dead
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert all(t["status"] == "ok" for t in json.loads((out / "trials.json").read_text()))
    assert not (out / "sweep.lock").exists() and not list(out.glob("trials/.*.lock"))


def test_a_partial_trial_still_written_by_a_process_is_not_removed(tmp_path, capsys):
    from driftlab.sweep import _trial_locked

    path = write_sweep(tmp_path, seeds=1)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    trial = out / "trials" / "base,seed=0"
    (trial / "summary.json").unlink()  # partial, as if a worker of a killed sweep were still at it
    with _trial_locked(trial):  # a lock of its own, as that worker's would be
        assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 2
        assert f"{trial}: a process of an earlier sweep still writes in it (pid {os.getpid()}" in error_line(capsys)
        assert (trial / "metrics.parquet").is_file()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert (trial / "summary.json").is_file()


def test_each_ray_trial_gets_the_resources_it_needs(tmp_path, capsys):
    ray = pytest.importorskip("ray")
    # Worlds with a device take a GPU each where the nodes have some; toy worlds none; asked amounts win.
    lm, toy = {"world": {"type": "lm", "device": "auto"}}, {"world": {"type": "evolution"}}
    assert trial_resources(lm, TrialResources(), node_gpus=2) == {"num_cpus": 1, "num_gpus": 1}
    assert trial_resources(lm, TrialResources(), node_gpus=0)["num_gpus"] == 0
    assert trial_resources({"world": {"type": "lm", "device": "cpu"}}, TrialResources(), node_gpus=2)["num_gpus"] == 0
    assert trial_resources(toy, TrialResources(), node_gpus=2)["num_gpus"] == 0
    assert trial_resources(lm, TrialResources(cpus=2, gpus=0.5), node_gpus=2) == {"num_cpus": 2, "num_gpus": 0.5}

    path = write_sweep(tmp_path, seeds=2)
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)  # logical GPUs: none need exist
    try:
        args = ["sweep", str(path), "--executor", "ray", "--quiet"]
        assert main([*args, "--out", str(tmp_path / "one"), "--gpus-per-trial", "1"]) == 0
        assert main([*args, "--out", str(tmp_path / "none")]) == 0
        assert main([*args, "--out", str(tmp_path / "three"), "--gpus-per-trial", "3"]) == 2
        assert "asks Ray for 3 GPUs, but no node of the cluster has more than 2" in capsys.readouterr().err
    finally:
        ray.shutdown()
    given = {name: [t["gpus"] for t in json.loads((tmp_path / name / "trials.json").read_text())]
             for name in ("one", "none")}
    assert [len(gpus) for gpus in given["one"]] == [1, 1] and given["none"] == [[], []]
    assert not (tmp_path / "three").exists()
