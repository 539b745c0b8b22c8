"""Config validation, overrides, the run directory and the CLI, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from driftlab.cli import main
from driftlab.config import RecordSchedule, apply_overrides, preset_names, resolve, validate_config
from driftlab.errors import ConfigError

SMALL = ["--set", "world.agents=300", "--set", "world.steps=120", "--quiet"]


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, err
    return err


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (["world.agnets=5"], "world.agnets: unknown field"),
        (["world.agents=0"], "world.agents: Input should be greater than 0"),
        (["world.agents=many"], "world.agents: Input should be a valid integer"),
        (["world.detectable_fraction=1.5"], "world.detectable_fraction: Input should be less than or equal to 1"),
        (["world.drift_prior.alpha=-1"], "world.drift_prior.alpha: Input should be greater than 0"),
        (["world.donor_copy=sometimes"], "world.donor_copy: Input should be 'joint' or 'independent'"),
        (["world.type=galaxy"], "world.type: unknown world 'galaxy'"),
        (["world.record.schedule=weekly"], "world.record.schedule: Input should be 'log' or 'every'"),
        (["colour=blue"], "colour: unknown field"),
        (["world.fit_from_step=20000"], "fit_from_step (20000) must be below steps (10000)"),
        (["methods=[{name: no-such-method}]"], "methods.0.name: unknown method 'no-such-method'"),
        (["seed=-3"], "seed: Input should be greater than or equal to 0"),
    ],
)
def test_config_errors_name_the_field(tmp_path, capsys, overrides, expected):
    out = tmp_path / "run"
    args = ["run", "evolution-post", "--out", str(out)]
    for override in overrides:
        args += ["--set", override]
    assert main(args) == 2
    assert expected in error_line(capsys)
    assert not out.exists()  # nothing written before validation passed


def test_unknown_preset_missing_file_and_bad_yaml(tmp_path, capsys):
    assert main(["run", "evolution-psot", "--out", str(tmp_path / "a")]) == 2
    assert "unknown preset 'evolution-psot'" in error_line(capsys)
    assert main(["run", str(tmp_path / "nope.yaml")]) == 2
    assert "config file not found" in error_line(capsys)
    (tmp_path / "runs").mkdir()
    assert main(["run", str(tmp_path / "runs")]) == 2
    assert "is a directory, not a config file or a preset name" in error_line(capsys)
    bad = tmp_path / "bad.yaml"
    bad.write_text("world:\n  type: evolution\n  agents: [1, 2\n")
    assert main(["run", str(bad)]) == 2
    assert f"{bad} line" in error_line(capsys)
    assert main(["run", "--set", "world.agents"]) == 2
    assert "expected key=value" in error_line(capsys)
    assert not Path("runs").exists() or not any(Path("runs").glob("bad-*"))


def test_overrides_by_dotted_path():
    raw = {"world": {"type": "evolution", "drift_prior": {"alpha": 0.2}}, "methods": [{"name": "x", "k": 1}]}
    out = apply_overrides(raw, ["world.drift_prior.alpha=1", "world.agents=2000", "methods.0.k=0.5"])
    assert out["world"] == {"type": "evolution", "drift_prior": {"alpha": 1}, "agents": 2000}
    assert out["methods"][0]["k"] == 0.5
    assert raw["world"]["drift_prior"]["alpha"] == 0.2  # the input is not modified
    with pytest.raises(ConfigError, match="methods.3"):
        apply_overrides(raw, ["methods.3.k=1"])


def test_config_must_be_a_mapping_with_a_world():
    with pytest.raises(ConfigError, match="expected a mapping"):
        validate_config([1, 2])
    with pytest.raises(ConfigError, match="world: required"):
        validate_config({"name": "x"})


def test_record_schedule():
    log = RecordSchedule(points=50).steps(10_000)
    assert log[0] == 0 and log[-1] == 10_000 and len(log) <= 50 and (pd.Series(log).diff().dropna() > 0).all()
    assert RecordSchedule(schedule="every").steps(7).tolist() == list(range(8))


def test_presets_are_listed_with_descriptions(capsys):
    assert {"evolution-post", "evolution-uniform-prior"} <= set(preset_names())
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    post = next(line for line in lines if line.startswith("evolution-post "))
    assert "10,000 agents" in post


def test_presets_and_sweeps_show_whole_first_sentences(capsys):
    from driftlab.cli import first_sentence
    from driftlab.sweep import sweep_presets

    assert first_sentence("Smoke test (e.g. the lm world). Two more 0.5 ideas.\n  Then.") == \
        "Smoke test (e.g. the lm world)."
    assert first_sentence("one line\nwrapped here") == "one line wrapped here"  # never cut at a line end
    assert main(["presets"]) == 0 and main(["sweeps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(preset_names()) + len(sweep_presets())
    assert all(line.rstrip()[-1] in ".?!" for line in lines), [line for line in lines if line.rstrip()[-1] not in ".?!"]
    smoke = next(line for line in lines if line.startswith("methods-lm-smoke "))
    assert smoke.endswith("on the model organism, tiny-random (CI-sized).")


def test_run_writes_a_complete_reproducible_directory(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "evolution-post", "--out", str(out), "--seed", "7", *SMALL]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["config.yaml", "metrics.parquet", "plots", "summary.json"]
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["aligned_fraction.png", "drift_priors.png", "drift_time.png"]
    assert not list(out.rglob("*.tmp"))

    table = pd.read_parquet(out / "metrics.parquet")
    assert list(table.columns) == ["replica", "step", "metric", "value"]
    assert [str(table[c].dtype) for c in ("replica", "step", "value")] == ["int64", "int64", "float64"]
    assert pd.api.types.is_string_dtype(table["metric"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 7 and summary["versions"]["driftlab"] and summary["wall_time_s"] >= 0
    for key in ("aligned_fraction_slope_per_decade", "aligned_fraction_log_fit_r2",
                "median_drift_time_slope_per_step", "median_drift_time_linear_fit_r2"):
        assert isinstance(summary["headline"][key], float)

    # config.yaml is the full resolved config: re-running it gives the same numbers.
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    assert resolved["world"]["donor_copy"] == "joint" and resolved["seed"] == 7
    again = tmp_path / "again"
    assert main(["run", str(out / "config.yaml"), "--out", str(again), "--quiet"]) == 0
    pd.testing.assert_frame_equal(table, pd.read_parquet(again / "metrics.parquet"), check_exact=True)

    # An existing, non-empty output directory is never overwritten.
    assert main(["run", "evolution-post", "--out", str(out), *SMALL]) == 2
    assert "already exists" in error_line(capsys)


def test_default_run_directory_is_named_after_the_target(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", *SMALL]) == 0
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("evolution-post-") and run.name.endswith("Z")


def test_console_script_exit_code_and_quiet_output(tmp_path):
    driftlab = Path(sys.executable).with_name("driftlab")
    bad = subprocess.run([str(driftlab), "run", "--set", "world.agents=0"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "driftlab: error: world.agents: Input should be greater than 0 (got 0)"
    good = subprocess.run([str(driftlab), "run", "--out", str(tmp_path / "r"), *SMALL], capture_output=True, text=True)
    assert good.returncode == 0 and good.stderr == ""
    assert good.stdout.strip() == f"wrote {tmp_path / 'r'}"


def test_resolve_applies_seed_override():
    config, stem = resolve("evolution-uniform-prior", ["world.steps=50"], seed=3)
    assert (stem, config.seed, config.world.steps, config.world.drift_prior.alpha) == ("evolution-uniform-prior", 3, 50, 1.0)


def test_resume_refuses_extra_arguments_and_complete_runs(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--out", str(out), *SMALL]) == 0
    capsys.readouterr()
    assert main(["run", "evolution-post", "--resume", str(out)]) == 2
    assert "give no target" in error_line(capsys)
    assert main(["run", "--resume", str(out)]) == 2  # an input problem (issue 10): exit 2
    assert "already complete" in error_line(capsys)
    assert main(["run", "--resume", str(tmp_path / "nothing")]) == 2
    assert "not a run directory" in error_line(capsys)


def test_yaml_numbers_as_yaml_1_2_reads_them_and_what_is_written_reads_back_as_written():
    from driftlab.config import _parse_yaml, dump_yaml

    text = "a: 1:10\nb: 010\nc: 0o17\nd: 1e3\ne: 1_000\nf: +.5\ng: 0x1F\n"
    assert _parse_yaml(text, "t") == {"a": "1:10", "b": 10, "c": 15, "d": 1000.0, "e": "1_000", "f": 0.5, "g": 31}
    tricky = {"strings": ["1e3", "1:10", "010", "0o17", "1_000", ".5", "yes", "1."], "numbers": [1e3, 10, 0.5]}
    assert _parse_yaml(dump_yaml(tricky), "t") == tricky == yaml.safe_load(dump_yaml(tricky))
    with pytest.raises(ConfigError, match="t line 2: the key 'x' appears twice"):
        _parse_yaml("x: 1\nx: 2\n", "t")
    assert _parse_yaml("base: &b {x: 1}\nmerged: {<<: *b, x: 2}\n", "t")["merged"] == {"x": 2}  # a merge overrides


def test_booleans_are_not_numbers_even_inside_lists():
    with pytest.raises(ConfigError, match=r"seed: expected a number, not true or false \(got False\)"):
        validate_config({"name": "x", "seed": False, "world": {"type": "evolution"}})
    with pytest.raises(ConfigError, match=r"world.widths: expected a number, not true or false \(got \[32, True\]\)"):
        validate_config({"name": "x", "world": {"type": "probe", "widths": [32, True]}})
    assert validate_config({"name": "x", "world": {"type": "probe", "widths": [32, 1.0]}}).world.widths == [32, 1]


@pytest.mark.parametrize("output", [">&-", "2>&-", ">&- 2>&-", "| (exec 0<&-)"])
def test_a_run_whose_output_nobody_reads_still_succeeds(tmp_path, output):
    # `driftlab presets >&-` was an AttributeError after the work was done; a pipe whose reader left, exit 141.
    out = tmp_path / "run"
    command = f"{sys.executable} -m driftlab.cli run --out {out} --set world.agents=300 --set world.steps=120"
    shell = subprocess.run(["bash", "-c", f"set -o pipefail; {command} {output}"], capture_output=True, text=True)
    assert shell.returncode == 0 and "Traceback" not in shell.stderr, shell.stderr
    assert (out / "summary.json").is_file()


def test_a_directory_named_like_a_preset_does_not_shadow_it(tmp_path, monkeypatch):
    """A run directory left in the working directory under a preset's name (``runs`` often is one) must not
    turn ``driftlab run <preset>`` into "config file not found"."""
    from driftlab.config import load_target
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gradient-baseline").mkdir()
    raw, stem = load_target("gradient-baseline")
    assert stem == "gradient-baseline" and raw["world"]["type"] == "gradient"
