"""The gradient-descent toy model: loss mechanics, the post's five runs, events, methods, and the CLI."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from driftlab.cli import main
from driftlab.config import resolve, validate_config
from driftlab.errors import ConfigError, DriftlabError, TrainingDiverged
from driftlab.methods.base import Method, MethodStack, TrainContext
from driftlab.methods.detector_bias_tax import DetectorBiasTax
from driftlab.progress import Progress
from driftlab.table import Recorder, metric_frame
from driftlab.worlds.gradient import (
    PARAMETERS,
    AutogradGradients,
    ClosedFormGradients,
    GradientBatch,
    GradientWorld,
    per_replica_loss,
)

ROOT = Path(__file__).resolve().parents[1]


def train(target="gradient-baseline", *overrides, seed=0, methods=None):
    """Run a preset (with overrides) and return its table and summary."""
    config, _ = resolve(target, list(overrides), seed)
    stack = methods if methods is not None else MethodStack.from_configs(config.methods)
    world = GradientWorld(config.world, stack, config.seed, Path("."))
    recorder = Recorder(world.replicas)
    world.run(recorder, Progress(quiet=True))
    table = recorder.table()
    return table, GradientWorld.summarize(table, config.world)


def gradients(values, noise=0.0, penalty=0.0, eps=0.1, methods=()):
    """d loss / d parameter for one replica at the given (c, a, b, v), plus the reading."""
    parameters = {name: torch.tensor([value], dtype=torch.float64, requires_grad=True)
                  for name, value in zip(PARAMETERS, values)}
    batch = GradientBatch(torch.tensor([noise], dtype=torch.float64), torch.tensor([penalty], dtype=torch.float64))
    loss, reading = per_replica_loss(parameters, batch, eps)
    world = SimpleNamespace(name="gradient", detector_evasion=lambda: parameters["detector_bias"])
    ctx = TrainContext(world=world, parameters=parameters, batch=batch)
    (loss + MethodStack(list(methods)).extra_loss(ctx)).sum().backward()
    return {name: tensor.grad.item() for name, tensor in parameters.items()}, reading.item()


# --- the loss and its gradients ---------------------------------------------------------------------


def test_unsaturated_detector_gradients_match_the_spec():
    # a = 0.5, b = 0.1, v = 2, n = 1, eps = 0.1: z = 1.2, reading = 0.72 < 1.
    grads, reading = gradients((0.0, 0.5, 0.1, 2.0), noise=1.0, penalty=0.1)
    assert reading == pytest.approx(0.72)
    assert grads["capability"] == -1.0
    assert grads["alignment"] == pytest.approx(-1.2 + 0.1)  # -z, plus the penalty's +penalty
    assert grads["detector_bias"] == pytest.approx(-1.2)
    assert grads["detector_variance"] == pytest.approx(-(0.5 + 0.1) * 0.1 * 1.0)  # -(a + b) * eps * n


@pytest.mark.parametrize("bias", [0.0, 0.3])  # exactly at 1 (the start) and above it
def test_saturated_detector_passes_no_gradient(bias):
    grads, reading = gradients((0.0, 1.0, bias, 1.0), noise=0.0, penalty=0.0)
    assert reading == 1.0
    assert grads["alignment"] == 0.0 and grads["detector_bias"] == 0.0 and grads["detector_variance"] == 0.0
    grads, _ = gradients((0.0, 1.0, bias, 1.0), noise=0.0, penalty=0.1)
    assert grads["alignment"] == 0.1  # only the penalty acts on a saturated detector


def test_tax_adds_exactly_tax_to_the_bias_gradient():
    tax = DetectorBiasTax(DetectorBiasTax.Config(tax=0.37))
    for values, noise in [((0.0, 0.5, 0.1, 2.0), 1.0), ((0.0, 1.0, 0.5, 1.0), 0.0)]:  # unsaturated, saturated
        plain, _ = gradients(values, noise=noise)
        taxed, _ = gradients(values, noise=noise, methods=[tax])
        assert taxed["detector_bias"] - plain["detector_bias"] == pytest.approx(0.37, abs=1e-15)
        assert all(taxed[name] == plain[name] for name in PARAMETERS if name != "detector_bias")


def test_world_applies_the_tax_through_its_loop():
    """Same seed, same draws: after one SGD step the taxed bias is lower by exactly lr * tax."""
    overrides = ["world.steps=1", "world.replicas=5", "world.lr=0.05"]
    plain, _ = train("gradient-baseline", *overrides)
    taxed, _ = train("gradient-tax-0.1", *overrides)
    difference = metric_frame(plain, "detector_bias").loc[1] - metric_frame(taxed, "detector_bias").loc[1]
    np.testing.assert_allclose(difference, 0.05 * 0.1, rtol=1e-12)


@pytest.mark.parametrize("shared_noise", [False, True])
def test_closed_form_gradient_equals_autograd(shared_noise):
    """At random states, half of them with a saturated detector, the written-out gradient is autograd's."""
    rng = np.random.default_rng(5)
    replicas = 200
    values = {"capability": rng.normal(size=replicas), "alignment": rng.uniform(0, 1, replicas),
              "detector_bias": rng.uniform(0, 0.6, replicas), "detector_variance": rng.uniform(0, 3, replicas)}
    parameters = {name: torch.tensor(values[name], requires_grad=True) for name in PARAMETERS}
    width = 1 if shared_noise else replicas
    batch = GradientBatch(torch.from_numpy(rng.normal(size=width)),
                          torch.from_numpy(np.where(rng.random(width) < 0.5, 0.1, 0.0)))
    expected, expected_reading = AutogradGradients(parameters, eps=0.3)(batch)
    closed, reading = ClosedFormGradients(parameters, eps=0.3)(batch)
    assert 0.2 < (expected_reading < 1).mean() < 0.8  # both branches of min(1, .) are exercised
    np.testing.assert_allclose(reading, expected_reading, rtol=1e-13, atol=0)
    for name, want, got in zip(PARAMETERS, expected, closed):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-13, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("preset", ["gradient-baseline", "gradient-tax-0.1"])
def test_analytic_and_autograd_runs_agree(preset):
    """Whole runs, through the loop and the methods' extra losses, match whichever way the gradient is taken."""
    overrides = ["world.steps=600", "world.replicas=6"]
    analytic, _ = train(preset, *overrides)
    autograd, _ = train(preset, *overrides, "world.gradient=autograd")
    pd.testing.assert_frame_equal(analytic[["replica", "step", "metric"]], autograd[["replica", "step", "metric"]])
    np.testing.assert_allclose(analytic["value"], autograd["value"], rtol=0, atol=1e-12)
    assert metric_frame(analytic, "alignment").iloc[-1].std() > 0  # replicas drew their own noise and moved


def test_chunk_size_does_not_change_the_numbers(monkeypatch):
    """Draws come from a noise stream and a coin stream, so how many steps are drawn at once is invisible."""
    default, _ = train("gradient-baseline", "world.steps=300", "world.replicas=3")
    monkeypatch.setattr(GradientWorld, "chunk_elements", 7)  # one step per chunk
    stepwise, _ = train("gradient-baseline", "world.steps=300", "world.replicas=3")
    pd.testing.assert_frame_equal(default, stepwise, check_exact=True)


# --- the post's five runs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs():
    """Each preset as shipped (8 replicas, 4,000 steps), recorded log-spaced to keep the test fast."""
    names = ["baseline", "no-penalty", "noiseless", "tax-0.1", "tax-0.005"]
    return {name: train(f"gradient-{name}", "world.record.schedule=log") for name in names}


def test_baseline_alignment_collapses_while_detector_reads_near_one(runs):
    table, summary = runs["baseline"]
    assert summary["final_alignment"] < 0.1
    assert summary["final_detector_reading"] > 0.99
    assert summary["final_detector_bias"] > 0.9
    assert summary["slipped_fraction"] == 1.0
    # Drift rate ~ lr * p * penalty / 2 = 2.5e-4 per step: alignment reaches 0.5 near step 2,000.
    assert 1500 < summary["slip_first_step"] < 2500
    reading = metric_frame(table, "detector_reading")
    assert (reading[reading.index >= 500].mean(axis=1) > 0.98).all()  # the detector never notices


def test_no_penalty_bias_still_rises(runs):
    table, summary = runs["no-penalty"]
    assert summary["final_detector_bias"] > 0.25
    assert metric_frame(table, "alignment").min().min() == 1.0  # nothing pushed alignment down
    assert summary["slipped_fraction"] == 0.0


def test_without_noise_or_penalty_nothing_moves_but_capability():
    table, summary = train("gradient-noiseless", "world.penalty=0", "world.steps=500")
    assert summary["final_alignment"] == 1.0 and summary["final_detector_bias"] == 0.0
    assert summary["final_capability"] == pytest.approx(0.05 * 500)


def test_noiseless_drift_comes_with_corrections(runs):
    table, summary = runs["noiseless"]
    assert summary["final_alignment"] < 0.1
    assert 10 < summary["corrections"] < 40
    # Without noise z = 1: each correction raises the bias by exactly lr, and nothing else moves it.
    final = table[table["step"] == 4000].pivot(index="replica", columns="metric", values="value")
    np.testing.assert_allclose(final["detector_bias"], 0.05 * final["corrections"], atol=1e-9)
    assert (final["detector_variance"] == 1.0).all()  # no gradient reaches v when eps = 0


def test_tax_0_1_alignment_holds(runs):
    table, summary = runs["tax-0.1"]
    assert summary["final_alignment"] > 0.95
    assert metric_mean_min(table, "alignment") > 0.95
    assert summary["slipped_fraction"] == 0.0
    assert summary["final_detector_bias"] < 0.1


def test_tax_0_005_is_in_between(runs):
    baseline = runs["baseline"][1]["final_alignment"]
    strong = runs["tax-0.1"][1]["final_alignment"]
    weak = runs["tax-0.005"][1]["final_alignment"]
    assert baseline + 0.2 < weak < strong - 0.2
    assert 0.25 < weak < 0.65  # drift at about half the baseline's rate
    assert runs["tax-0.005"][1]["final_detector_bias"] < runs["baseline"][1]["final_detector_bias"] - 0.2


def metric_mean_min(table, metric):
    return metric_frame(table, metric).mean(axis=1).min()


# --- events, recording, determinism ------------------------------------------------------------------


def test_running_events_match_the_every_step_table():
    """With every step recorded, corrections and slip-through can be recounted from the table."""
    table, _ = train("gradient-baseline", "world.steps=2500", "world.replicas=4")
    alignment = metric_frame(table, "alignment").to_numpy()
    reading = metric_frame(table, "detector_reading").to_numpy()
    corrected = (reading[:-1] < 1) & (alignment[1:] > alignment[:-1])
    expected = np.vstack([np.zeros((1, 4)), np.cumsum(corrected, axis=0)])
    np.testing.assert_array_equal(metric_frame(table, "corrections").to_numpy(), expected)
    assert expected[-1].min() > 0

    slipped = (alignment < 0.5) & (reading >= 0.95)
    first = metric_frame(table, "slip/first_step").iloc[-1].to_numpy()
    for replica in range(4):
        hits = np.flatnonzero(slipped[:, replica])
        assert (first[replica] == hits[0]) if hits.size else np.isnan(first[replica])
    worse = np.vstack([np.zeros((1, 4)), np.cumsum(alignment[1:] < alignment[:-1], axis=0)])  # updates that lowered it
    np.testing.assert_array_equal(metric_frame(table, "slip/worse_updates").to_numpy(), worse)
    np.testing.assert_array_equal(metric_frame(table, "slip/updates").iloc[-1].to_numpy(), [2500] * 4)
    gap = metric_frame(table, "alignment_gap").to_numpy()
    np.testing.assert_allclose(gap, reading - alignment)


def test_summary_does_not_depend_on_how_often_steps_are_recorded():
    _, every = train("gradient-baseline", "world.steps=2500", "world.replicas=4")
    _, sparse = train("gradient-baseline", "world.steps=2500", "world.replicas=4", "world.record.schedule=log",
                      "world.record.points=12")
    assert every == sparse


def test_same_seed_same_numbers_other_seed_other_numbers():
    first, _ = train("gradient-baseline", "world.steps=300", "world.replicas=3")
    again, _ = train("gradient-baseline", "world.steps=300", "world.replicas=3")
    other, _ = train("gradient-baseline", "world.steps=300", "world.replicas=3", seed=1)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert not np.array_equal(first["value"].to_numpy(), other["value"].to_numpy())


def test_shared_noise_makes_replicas_identical():
    table, _ = train("gradient-baseline", "world.steps=300", "world.replicas=3", "world.per_replica_noise=false")
    alignment = metric_frame(table, "alignment")
    assert (alignment.nunique(axis=1) == 1).all()
    assert alignment.iloc[-1, 0] < 1.0  # and they did train
    own, _ = train("gradient-baseline", "world.steps=300", "world.replicas=3")
    assert (metric_frame(own, "alignment").iloc[-1].nunique()) == 3


def test_clipping_keeps_alignment_a_fraction():
    clipped, _ = train("gradient-tax-0.1", "world.steps=1000", "world.replicas=2")
    free, _ = train("gradient-tax-0.1", "world.steps=1000", "world.replicas=2", "world.clip_alignment=false")
    assert metric_frame(clipped, "alignment").max().max() <= 1.0
    assert metric_frame(free, "alignment").iloc[-1].min() > 1.5  # the tax's corrections push a past 1


def test_adam_runs_and_moves_capability_by_lr_per_step():
    table, summary = train("gradient-baseline", "world.optimizer=adam", "world.lr=0.01", "world.steps=200",
                           "world.replicas=2")
    assert summary["final_capability"] == pytest.approx(0.01 * 200, rel=1e-6)  # a constant gradient under Adam


def test_divergence_is_a_clear_error():
    with pytest.raises(TrainingDiverged, match="NaN or infinite"):
        train("gradient-baseline", "world.lr=1e300", "world.steps=50", "world.replicas=2")


class Recording(Method):
    """A test method that logs its hooks and freezes alignment by zeroing its gradient."""

    name = "recording"

    def __init__(self):
        self.calls = []

    def setup(self, ctx):
        self.calls.append(("setup", sorted(ctx.parameters)))

    def transform_batch(self, batch, ctx):
        self.calls.append(("batch", ctx.step))
        return GradientBatch(batch.noise, batch.penalty * 0 + 10.0)  # a huge penalty every step

    def extra_loss(self, ctx):
        self.calls.append(("loss", ctx.step))

    def transform_gradients(self, ctx):
        ctx.parameters["alignment"].grad.zero_()

    def after_step(self, ctx):
        self.calls.append(("after", ctx.step))

    def metrics(self, ctx):
        return {"seen_step": float(ctx.step)}


def test_world_calls_every_method_hook_without_knowing_the_method():
    method = Recording()
    table, _ = train("gradient-baseline", "world.steps=3", "world.replicas=2", methods=MethodStack([method]))
    assert method.calls[0] == ("setup", sorted(PARAMETERS))
    assert [c for c in method.calls if c[0] == "batch"] == [("batch", s) for s in range(4)]  # + the final read
    assert [c for c in method.calls if c[0] == "after"] == [("after", s) for s in range(3)]
    assert (metric_frame(table, "alignment") == 1.0).all().all()  # despite the penalty: gradients were zeroed
    np.testing.assert_array_equal(metric_frame(table, "recording/seen_step").index, [0, 1, 2, 3])


# --- configuration errors ----------------------------------------------------------------------------


def base_config(**world):
    return {"name": "t", "world": {"type": "gradient", **world}, "methods": []}


@pytest.mark.parametrize("world, field", [
    ({"penalty_prob": 1.5}, "world.penalty_prob"),
    ({"penalty_prob": -0.1}, "world.penalty_prob"),
    ({"lr": 0}, "world.lr"),
    ({"steps": 0}, "world.steps"),
    ({"eps": -1}, "world.eps"),
    ({"optimizer": "rmsprop"}, "world.optimizer"),
    ({"init": {"alignmnet": 1}}, "world.init.alignmnet"),
])
def test_bad_world_values_are_config_errors(world, field):
    with pytest.raises(ConfigError, match=f"^{field}:"):
        validate_config(base_config(**world))


@pytest.mark.parametrize("methods, message", [
    ([{"name": "detector-bias-taxx", "tax": 0.1}], r"methods\.0\.name: unknown method 'detector-bias-taxx'"),
    ([{"name": "detector-bias-tax", "tax": -0.1}], r"methods\.0\.tax: "),
    ([{"name": "detector-bias-tax"}], r"methods\.0\.tax: Field required"),
    ([{"name": "detector-bias-tax", "tax": 0.1, "rate": 2}], r"methods\.0\.rate: unknown field"),
])
def test_bad_methods_are_config_errors(methods, message):
    with pytest.raises(ConfigError, match=message):
        validate_config({**base_config(), "methods": methods})


def test_tax_is_refused_by_a_world_it_does_not_support():
    with pytest.raises(ConfigError, match="does not support world 'evolution'"):
        validate_config({"name": "t", "world": {"type": "evolution"},
                         "methods": [{"name": "detector-bias-tax", "tax": 1}]})


# --- agreement with the benchmark's plain-Python reference ------------------------------------------


def test_agrees_with_the_per_replica_reference(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # the benchmark imports its neighbour timing.py
    spec = importlib.util.spec_from_file_location("bench_gradient", ROOT / "benchmarks" / "bench_gradient.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    world = resolve("gradient-baseline")[0].world
    options = dict(lr=world.lr, penalty=world.penalty, penalty_prob=world.penalty_prob, eps=world.eps,
                   clip_alignment=world.clip_alignment)
    theirs = bench.reference_run(150, 1200, seed=1, **options)
    _, ours = bench.driftlab_run(300, 1200)
    for name in ("alignment", "detector_bias", "detector_variance", "corrections"):
        _, _, z = bench.agreement(ours[name], theirs[name])
        assert abs(z) < 4, f"{name}: z = {z:.2f}"
    assert ours["alignment"].mean() < 0.85  # mid-drift, where a wrong gradient would show


# --- the command line --------------------------------------------------------------------------------


def test_cli_run_writes_a_complete_run_directory(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "gradient-tax-0.005", "--out", str(out), "--quiet", "--set", "world.steps=300",
                 "--set", "world.replicas=2"])
    assert code == 0
    assert {p.name for p in out.iterdir()} == {"config.yaml", "metrics.parquet", "plots", "summary.json"}
    assert {p.name for p in (out / "plots").iterdir()} == {"parameters.png", "detector_vs_alignment.png"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["methods"] == ["detector-bias-tax"]
    figures = summary["headline"]
    assert figures["slip_first_step"] is None and figures["slipped_fraction"] == 0.0
    assert 0 < figures["final_alignment"] <= 1 and figures["final_detector_reading"] > 0.9
    table = pd.read_parquet(out / "metrics.parquet")
    assert set(table["metric"]) >= {*PARAMETERS, "detector_reading", "alignment_gap", "corrections", "slip/first_step"}
    assert table["step"].max() == 300 and table["replica"].nunique() == 2


def test_cli_config_error_is_one_line_and_exit_2(tmp_path, capsys):
    code = main(["run", "gradient-baseline", "--out", str(tmp_path / "x"), "--set", "world.penalty_prob=2"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("driftlab: error: world.penalty_prob:") and "\n" not in err
    assert not (tmp_path / "x").exists()


class ScalarTerm(Method):
    name = "scalar-term"

    def __init__(self):
        pass

    def extra_loss(self, ctx):
        return ctx.parameters["detector_bias"].sum()  # one number for all replicas: ambiguous, refused


def test_extra_loss_must_be_per_replica():
    with pytest.raises(DriftlabError, match="one value per replica"):
        train("gradient-baseline", "world.steps=2", "world.replicas=3", methods=MethodStack([ScalarTerm()]))
