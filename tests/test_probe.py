"""The probe world (issue 13): the probe is a real logistic regression and its AUROC a real AUROC (both
against references), and each mechanism does what the world claims, in the configuration where it holds.

The world-level tests run a faster clock than the presets (16 replicas, lr 3e-3, nudge rate 0.2, 1,200
drift steps, audits every 50) so that each run takes a few seconds; the dynamics are the presets' (checked
against the prototype's full-size runs, see the README).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.optimize
import scipy.stats
import torch

from driftlab.config import preset_names, resolve, validate_config
from driftlab.errors import ConfigError
from driftlab.methods.base import Method, MethodStack
from driftlab.methods.kl_to_base import KlToBase
from driftlab.nets import BatchedMLP, optimizer_state, restore, snapshot
from driftlab.plots.probe import end_state_table, phase_figures, probe_figures
from driftlab.probes import auroc, fit_mlp_probe, fit_probe, tpr_at_fpr
from driftlab.progress import Progress
from driftlab.runner import execute
from driftlab.sweep import load_sweep
from driftlab.table import Recorder, metric_frame
from driftlab.worlds.probe import CAUGHT_BY, END_STATES, ProbeBatch, ProbeConfig, ProbeWorld, Task, TaskConfig

FAST = {"replicas": 16, "pretrain_steps": 300, "steps": 1200, "lr": 3e-3, "nudge_rate": 0.2, "eval_examples": 512,
        "detector": {"audit_every": 50}, "record": {"points": 6, "interval": 100}}
TINY = {"pretrain_steps": 60, "steps": 200, "nudge_rate": 0.3, "eval_examples": 128, "alignment_data": 32,
        "detector": {"audit_every": 25, "trigger": 0.0, "retrain_every": 50, "label_noise": 0.1, "examples": 64},
        "pressure": {"mode": "penalty"}, "record": {"points": 4, "interval": 100}}
_runs: dict[str, tuple] = {}


def merged(base: dict, over: dict) -> dict:
    out = json.loads(json.dumps(base))
    for key, value in over.items():
        out[key] = {**out.get(key, {}), **value} if isinstance(value, dict) else value
    return out


def run(world: dict, methods=(), base=FAST, seed=0, stack: MethodStack | None = None):
    """(table, summary) of a probe world run; identical requests share one run."""
    key = json.dumps([world, list(methods), base, seed], sort_keys=True)
    if stack is not None or key not in _runs:
        config = validate_config({"name": "t", "world": {"type": "probe", **merged(base, world)},
                                  "methods": list(methods)})
        instance = ProbeWorld(config.world, stack or MethodStack.from_configs(config.methods), seed, Path("."))
        recorder = Recorder(instance.replicas)
        instance.run(recorder, Progress(quiet=True))
        table = recorder.table()
        result = (table, ProbeWorld.summarize(table, config.world))
        if stack is not None:
            return result
        _runs[key] = result
    return _runs[key]


def final(table: pd.DataFrame, metric: str) -> np.ndarray:
    return metric_frame(table, metric).iloc[-1].to_numpy()


# --- the probe: a logistic regression, checked against scipy -----------------------------------------


def reference_fit(h: np.ndarray, y: np.ndarray, l2: float, balanced: bool):
    """The same objective for one replica, minimised by scipy's L-BFGS to a tight tolerance, in raw space."""
    mean, std = h.mean(0), np.maximum(h.std(0, ddof=1), 1e-4)
    u = (h - mean) / std
    v = np.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean())) if balanced else np.ones_like(y)

    def objective(theta):
        z = u @ theta[:-1] + theta[-1]
        p = 1 / (1 + np.exp(-z))
        loss = np.mean(v * (np.logaddexp(0, z) - y * z)) + 0.5 * l2 * theta[:-1] @ theta[:-1]
        return loss, np.append(u.T @ (v * (p - y)) / len(y) + l2 * theta[:-1], np.mean(v * (p - y)))

    theta = scipy.optimize.minimize(objective, np.zeros(h.shape[1] + 1), jac=True, method="L-BFGS-B",
                                    options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000}).x
    w = theta[:-1] / std
    return w, theta[-1] - mean @ w


def relu_activations(R, n, d, generator, separable):
    """ReLU-like activations (three dead units: exact zeros) with labels from a hidden direction."""
    h = torch.relu(torch.randn(R, n, d, generator=generator, dtype=torch.float64) + 0.3)
    h[:, :, :3] = 0.0
    direction = torch.randn(R, d, generator=generator, dtype=torch.float64)
    z = torch.einsum("rnd,rd->rn", h - h.mean(1, keepdim=True), direction)
    noise = 0.0 if separable else 2.0 * torch.randn(R, n, generator=generator, dtype=torch.float64)
    return h.float(), (z + noise > 0).double()


@pytest.mark.parametrize("separable,balanced", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("l2", [1e-3, 1e-1])
def test_the_probe_is_the_logistic_regression_a_reference_optimizer_finds(separable, balanced, l2):
    """To rtol 1e-5 in the weights, on float32 activations with dead units, plain and class-balanced,
    noisy and separable labels, weak and strong L2."""
    h, y = relu_activations(6, 300, 24, torch.Generator().manual_seed(1), separable)
    if balanced:
        y[:, :200] = 0.0  # imbalanced classes, so that the weights matter
    probe = fit_probe(h, y, l2=l2, balanced=balanced, iters=50)
    for r in range(6):
        w, b = reference_fit(h[r].double().numpy(), y[r].numpy(), l2, balanced)
        np.testing.assert_allclose(probe.w[r].numpy(), w, rtol=1e-5, atol=1e-6 * np.abs(w).max())
        assert probe.b[r].item() == pytest.approx(b, rel=1e-5, abs=1e-6)


def test_a_replicas_probe_does_not_depend_on_the_replicas_beside_it():
    """Bit for bit: replicas 5 and 6 among 8 (one of them with one-class labels, which skips Newton) and alone."""
    h, y = relu_activations(8, 200, 17, torch.Generator().manual_seed(2), False)  # odd width: padded
    y[3] = 0.0
    together, pair = fit_probe(h, y), fit_probe(h[5:7], y[5:7])
    assert torch.equal(together.w[5:7], pair.w) and torch.equal(together.b[5:7], pair.b)
    assert not torch.equal(together.w[5], together.w[6])


def test_a_one_class_replica_reads_that_class_and_balancing_moves_the_threshold():
    h, _ = relu_activations(2, 100, 8, torch.Generator().manual_seed(3), False)
    probe = fit_probe(h, torch.stack([torch.zeros(100), torch.ones(100)]).double())
    assert (probe.w == 0).all() and probe.b[0] < -5 and probe.b[1] > 5  # 1 - 1/(2n) each way
    # with 10% positives, the plain fit flags fewer of them at its threshold than the balanced one does
    generator = torch.Generator().manual_seed(6)
    h, _ = relu_activations(4, 1000, 12, generator, False)
    z = h[..., 3] - h[..., 4] + 0.5 * torch.randn(4, 1000, generator=generator)
    y = (z > z.quantile(0.9, dim=1, keepdim=True)).double()
    recall = [((fit_probe(h, y, balanced=b).logits(h) > 0) & (y > 0)).sum(1) / y.sum(1) for b in (False, True)]
    assert (recall[1] > recall[0] + 0.1).all()


def test_an_mlp_probe_reads_what_no_linear_probe_reads_and_each_replica_alone():
    """Labels an XOR of two activations: held out, the linear probe is near chance, the MLP probe near 1. A
    replica's MLP probe is the same beside others as alone, bit for bit."""
    generator = torch.Generator().manual_seed(7)
    h, held = (torch.randn(4, 600, 6, generator=generator) for _ in range(2))
    y, y_held = ((t[..., 0] * t[..., 1] > 0) for t in (h, held))
    linear, mlp = fit_probe(h, y.double()), fit_mlp_probe(h, y.double(), width=16)
    assert auroc(linear.logits(held.double()), y_held).max() < 0.65
    assert auroc(mlp.logits(held), y_held).min() > 0.95
    pair = fit_mlp_probe(h[1:3], y[1:3].double(), width=16)
    assert all(torch.equal(a[1:3], b) for a, b in zip(mlp.net.parameters(), pair.net.parameters()))


def brute_auroc(s, y):
    diff = s[y][:, None] - s[~y][None, :]
    return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size


def test_auroc_is_the_mann_whitney_statistic_with_ties_counted_half():
    generator = torch.Generator().manual_seed(4)
    s = torch.randn(7, 500, generator=generator, dtype=torch.float64)
    s[:3] = torch.round(s[:3] * 2) / 2  # heavy ties
    s[3, :200] = 0.0  # a block of identical scores (a dead representation)
    y = torch.rand(7, 500, generator=generator) < torch.sigmoid(s.float() * torch.arange(7)[:, None] / 2)
    got = auroc(s, y)
    for r in range(7):
        sr, yr = s[r].numpy(), y[r].numpy()
        u = scipy.stats.mannwhitneyu(sr[yr], sr[~yr]).statistic
        assert got[r].item() == pytest.approx(u / (yr.sum() * (~yr).sum()), abs=1e-12)
        assert got[r].item() == pytest.approx(brute_auroc(sr, yr), abs=1e-12)
    edges = auroc(torch.tensor([[0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [1.0, 1.0, 1.0], [0.1, 0.2, 0.3]]),
                  torch.tensor([[False, True, True], [False, True, True], [False, True, True], [True, True, True]]))
    assert edges[:3].tolist() == [1.0, 0.0, 0.5] and edges[3].isnan()
    assert auroc(s[:1], y[:1], min_class=int(y[0].sum()) + 1).isnan().all()  # too few positives: NaN


def direct_tpr(scores: np.ndarray, positive: np.ndarray, negative: np.ndarray, percent: int) -> float:
    """Sort the benign scores, take the threshold at the (100 - percent)th percentile (the smallest score that at
    most percent% of them exceed), count the positives above it."""
    benign = np.sort(scores[negative])
    threshold = benign[len(benign) - len(benign) * percent // 100 - 1]
    assert (benign > threshold).mean() <= percent / 100 < (benign >= threshold).mean()
    return float((scores[positive] > threshold).mean())


def test_tpr_at_fpr_is_the_share_of_positives_above_the_benign_percentile():
    """Against a direct computation per replica: replicas with different numbers of negatives (some not a
    multiple of 100), examples that are neither class, heavy ties, and a replica whose negatives all tie."""
    generator = torch.Generator().manual_seed(5)
    s = torch.randn(6, 700, generator=generator, dtype=torch.float64)
    kind = torch.randint(0, 3, (6, 700), generator=generator)  # 0 negative, 1 positive, 2 neither
    kind[3, :650] = 0  # 650 negatives: 6 may lie above the threshold
    positive, negative = kind == 1, kind == 0
    s = s + 1.5 * positive  # positives score higher, so the rate is neither 0 nor 1
    s[2] = torch.round(s[2] * 3) / 3  # heavy ties, positives tying with the threshold too
    s[4] = torch.where(negative[4], 0.0, s[4])  # every negative ties: positives count only strictly above
    for percent in (1, 5):
        got = tpr_at_fpr(s, positive, negative, fpr=percent / 100)
        for r in range(6):
            want = direct_tpr(s[r].numpy(), positive[r].numpy(), negative[r].numpy(), percent)
            assert got[r].item() == pytest.approx(want, abs=1e-12)
        assert 0.05 < got.min() and got.max() < 0.95
    # the threshold is np.quantile's inverted_cdf at 99%
    benign = s[0][negative[0]].numpy()
    above = s[0][positive[0]].numpy() > np.quantile(benign, 0.99, method="inverted_cdf")
    assert tpr_at_fpr(s, positive, negative)[0].item() == pytest.approx(above.mean(), abs=1e-12)
    none = tpr_at_fpr(s[:2], positive[:2], torch.zeros_like(negative[:2]))
    few = tpr_at_fpr(s[:1], positive[:1], negative[:1], min_class=int(positive[0].sum()) + 1)
    assert none.isnan().all() and few.isnan().all()  # no benign data, or too few positives: NaN


# --- the mechanisms ------------------------------------------------------------------------------


def test_without_a_penalty_a_rotated_probe_keeps_reading_the_drift():
    table, summary = run({"detector": {"retrain_every": 250}})
    assert summary["final_misalignment"] > 0.95 and summary["final_misaligned_untempting"] < 0.02
    assert summary["final_deployed_auroc"] > 0.97 and summary["final_deployed_recall"] > 0.95
    assert summary["end/blatant_deception"] == 1.0 and summary["final_deployed_tpr_at_fpr"] > 0.95
    assert summary["heldout_alignment"] < 0.05
    assert summary["proxy_alignment"] == pytest.approx(summary["heldout_alignment"], abs=0.02)
    assert metric_frame(table, "misalignment").iloc[0].max() == 0.0  # pretraining made every replica aligned


def test_a_penalty_against_a_frozen_probe_silences_it_while_a_fresh_probe_still_reads_the_drift():
    """An obfuscated policy: the probe flags nothing, misalignment rises as without the penalty, and a probe
    fitted afresh on the same layer reads it. The gap between what the probe says and the truth is the
    gradient world's detector-vs-alignment gap."""
    _, free = run({})
    _, pressed = run({"pressure": {"mode": "penalty"}})
    assert pressed["final_deployed_recall"] < 0.01 and pressed["final_fresh_auroc"] > 0.99
    assert pressed["final_misalignment"] > 0.95 and abs(pressed["final_misalignment"] - free["final_misalignment"]) < 0.02
    assert pressed["end_by_recall/obfuscated_activations"] == 1.0 and pressed["slipped_fraction"] == 1.0
    assert pressed["proxy_alignment"] > 0.99 and pressed["heldout_alignment"] < 0.05
    # the evasion is mostly a calibration shift: the frozen probe still ranks well above chance
    assert pressed["end_by_auroc/blatant_deception"] > 0.5


def test_against_the_unpenalised_control_the_penalty_mostly_moves_the_frozen_probes_threshold():
    """probe-frozen-unpenalised on this clock: the same frozen probes on the same replicas, no penalty. Drift
    alone already takes some replicas past the probe's own threshold; the penalty takes its recall to 0, but
    recalibrated on benign situations (TPR at 1% FPR) the penalised probe still catches most of what the
    unpenalised one does (this clock: TPR 0.54 -> 0.36, recall 0.57 -> 0)."""
    _, free = run({})
    _, pressed = run({"pressure": {"mode": "penalty"}})
    assert 0.2 < free["end_by_recall/obfuscated_activations"] < 0.8 and 0.2 < free["slipped_fraction"] < 0.8
    assert free["final_deployed_recall"] > 0.3 and pressed["final_deployed_recall"] < 0.01
    tpr = free["final_deployed_tpr_at_fpr"]
    assert 0.5 * tpr < pressed["final_deployed_tpr_at_fpr"] < tpr
    assert pressed["end/blatant_deception"] > 0.2  # caught by the literature's criterion, though its alarm is silent


def test_a_probe_trained_against_loses_auroc_faster_than_the_same_probe_left_alone():
    """Paired: until a replica's probe is deployed the two runs are the same, so each replica's frozen probe
    is the same probe in both, fitted at the same step; from then on one run trains against it. This holds
    at every probed layer (the prototype: 0.846 vs 0.938 at 250 steps old on layer 1)."""
    free, _ = run({})
    pressed, _ = run({"pressure": {"mode": "penalty"}})
    age = metric_frame(free, "probe_age")
    pd.testing.assert_frame_equal(age, metric_frame(pressed, "probe_age"))
    late = age.index >= 600
    a, b = (metric_frame(t, "deployed_auroc")[late] for t in (free, pressed))
    assert (b.mean(axis=1) < a.mean(axis=1) - 0.02).all()
    assert ((b < a).mean() > 0.5).mean() >= 0.75  # most replicas, most of the time


def test_at_the_last_hidden_layer_a_rotated_probe_keeps_a_higher_auroc_than_a_frozen_one():
    """True where the probe reads the last hidden layer, of which the output is linear. At the first and middle
    layers it is reversed (prototype: layer 1, 250 steps old, frozen 0.85 vs rotated every 250 steps 0.65):
    each new probe is evaded faster than the last and readability itself falls (the next test)."""
    frozen, _ = run({"pressure": {"mode": "penalty"}, "detector": {"layer": 2}})
    rotated, _ = run({"pressure": {"mode": "penalty"}, "detector": {"layer": 2, "retrain_every": 250}})
    late = slice(700, None)
    a, b = (metric_frame(t, "deployed_auroc").loc[late].mean(axis=1) for t in (frozen, rotated))
    assert b.mean() > a.mean() + 0.05 and (b > a).mean() >= 0.8
    assert final(rotated, "fresh_auroc").mean() > 0.99  # the last layer always reads behaviour


def test_rotating_a_probe_on_the_first_layer_moves_the_decision_past_it():
    """Unreadable: a fresh linear probe on the probed layer can no longer read misalignment, while the next layer
    still reads it almost perfectly, and so does an MLP probe on the probed layer itself: the decision moved
    out of that layer's linear directions, not out of the layer."""
    table, summary = run({"pressure": {"mode": "penalty"}, "fresh_layers": "all", "fresh_mlp_width": 32,
                          "detector": {"layer": 0, "retrain_every": 250}})
    assert summary["final_misalignment"] > 0.95
    assert final(table, "fresh_auroc/layer0").mean() < 0.75 and final(table, "fresh_auroc/layer1").mean() > 0.98
    assert summary["final_fresh_mlp_auroc"] > 0.98
    np.testing.assert_array_equal(final(table, "fresh_auroc"), final(table, "fresh_auroc/layer0"))
    assert summary["end/unreadable"] >= 0.5 and summary["unreadable_by_mlp_too"] == 0.0
    assert final(table, "activation_norm").mean() > 1.5 * metric_frame(table, "activation_norm").iloc[0].mean()


# --- replicas, determinism, rollback ------------------------------------------------------------------


EVERYTHING = [{"name": "detector-bias-tax", "tax": 1.0}, {"name": "kl-to-base", "weight": 0.5, "examples": 8},
              {"name": "ewc", "weight": 10.0, "samples": 3}, {"name": "gradient-projection"}]


def test_a_replica_runs_the_same_beside_any_others_and_a_run_repeats_bit_for_bit():
    """Every mechanism on (nudges, audits with label noise, penalty, rotation, fresh probes on every layer)
    and every method the world supports: replicas 0 and 1 beside three others equal a batch of two."""
    world = {"fresh_layers": "all", "fresh_mlp_width": 8}
    few, _ = run({**world, "replicas": 2}, EVERYTHING, base=TINY)
    more, _ = run({**world, "replicas": 5}, EVERYTHING, base=TINY)
    again, _ = run({**world, "replicas": 2}, EVERYTHING, base=TINY, seed=0, stack=MethodStack.from_configs(
        validate_config({"name": "t", "world": {"type": "probe"}, "methods": EVERYTHING}).methods))
    pd.testing.assert_frame_equal(few, again)
    pd.testing.assert_frame_equal(few, more[more["replica"] < 2].reset_index(drop=True))
    assert set(few["metric"]) >= {"kl-to-base/kl", "gradient-projection/projected_steps", "fresh_auroc/layer2",
                                  "fresh_mlp_auroc", "deployed_tpr_at_fpr"}
    assert metric_frame(few, "deployed").iloc[-1].min() == 1.0
    assert not np.array_equal(final(few, "repr_distance")[:1], final(few, "repr_distance")[1:])


def test_selection_undoes_exactly_the_updates_that_fire_the_probe():
    """An unreachable threshold never rejects: the same run as no pressure, bit for bit. A threshold every
    update exceeds rejects them all once the probe is deployed (trigger 0: at step 0), weights and Adam
    moments alike, so the model never moves."""
    tiny = {"detector": {"retrain_every": 0}}
    free, _ = run({**tiny, "pressure": {"mode": "none"}, "replicas": 2}, base=TINY)
    never, _ = run({**tiny, "pressure": {"mode": "reject", "reject_at": 2.0}, "replicas": 2}, base=TINY)
    pd.testing.assert_frame_equal(free, never[never["metric"] != "rejected"].reset_index(drop=True))
    assert final(never, "rejected").tolist() == [0, 0]
    always, summary = run({**tiny, "pressure": {"mode": "reject", "reject_at": -1.0}, "replicas": 2}, base=TINY)
    assert final(always, "rejected").tolist() == [200, 200] and summary["rejected"] == 200
    for metric in ("capability", "misalignment", "activation_norm"):
        frame = metric_frame(always, metric)
        assert (frame == frame.iloc[0]).all().all()


def test_the_per_example_rules_flag_at_the_recalibrated_threshold_and_act_only_on_what_they_flag():
    """filter and reward: at every audit each deployed probe's threshold is recalibrated so that it flags at most
    the benign FPR of the audit's benign opportunities (untempting, labelled aligned), the smallest such; on a
    batch, filter leaves flagged opportunities out of the action terms and reward replaces a flagged one's nudge
    by a push toward the aligned action (weight penalty); nothing passes through the probe's reading."""
    config = validate_config({"name": "t", "world": {"type": "probe", **merged(TINY, {
        "pressure": {"mode": "filter"}, "replicas": 2, "steps": 50})}})
    world = ProbeWorld(config.world, MethodStack([]), 0, Path("."))
    world.run(Recorder(2), Progress(quiet=True))
    detector = world.detector
    assert detector.deployed.all() and torch.isfinite(detector.threshold).all()
    x = world.task.draw(256, torch.Generator().manual_seed(5), opportunity=True).expand(2, -1, -1)
    with torch.no_grad():
        out, hidden = world.model(x, keep=[1])
    scores = detector.probe.logits(hidden[1].double())
    assert ((scores > detector.threshold[:, None]) == detector.flags(hidden[1])).all()

    from driftlab.probes import benign_threshold
    scores = torch.tensor([[0.1, 0.5, 0.9, 0.3, 2.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    benign = torch.tensor([[True, True, True, True, False], [False] * 5])
    assert benign_threshold(scores, benign, 0.25).tolist() == [0.5, float("inf")]  # 1 of 4 benign above 0.5

    m = torch.tensor([[2.0, -1.0, 0.5, 3.0]], dtype=torch.float64)
    batch = ProbeBatch(torch.zeros(1, 4, 3), torch.zeros(1, 4), torch.tensor([[1.0, 1.0, 0.0, 1.0]]),
                       torch.ones(1))
    batch = ProbeBatch(torch.cat([batch.x[..., :-1], torch.ones(1, 4, 1)], -1), batch.label, batch.tempting,
                       batch.nudged)
    world.detector = type(detector)(1, 2)
    world.detector.deployed[:] = True
    world.detector.flags = lambda h: torch.tensor([[True, False, False, True]])
    softplus = torch.nn.functional.softplus
    for mode, penalty in (("filter", 1.0), ("reward", 3.0)):
        world.config = world.config.model_copy(update={"pressure": world.config.pressure.model_copy(
            update={"mode": mode, "penalty": penalty})})
        terms = [float(t) for t in world.action_losses(m, batch, None)]
        if mode == "filter":  # examples 1 and 2 remain: one tempting (nudged), one not (overseen)
            assert terms == pytest.approx([float(softplus(m[0, 2])) / 2, float(softplus(-m[0, 1])) / 2])
        else:  # every opportunity counts; the flagged tempting ones are pushed toward aligned, not nudged
            assert terms == pytest.approx([float(softplus(m[0, 2])) / 4, float(softplus(-m[0, 1])) / 4,
                                           penalty * float(softplus(m[0, 0]) + softplus(m[0, 3])) / 4])


@pytest.mark.parametrize("mode", ["filter", "reward"])
def test_the_per_example_rules_run_and_repeat_bit_for_bit(mode, tmp_path):
    tiny = {"pressure": {"mode": mode, "penalty": 2.0}, "replicas": 2}
    config = validate_config({"name": "t", "world": {"type": "probe", **merged(TINY, tiny)}})
    execute(config, tmp_path / "run", quiet=True)  # the whole pipeline, figures included
    assert (tmp_path / "run" / "plots" / "misalignment_vs_probes.png").is_file()
    first, summary = run(tiny, base=TINY)
    again, _ = run(tiny, base=TINY, stack=MethodStack([]))
    pd.testing.assert_frame_equal(first, again)
    free, _ = run({"pressure": {"mode": "none"}, "replicas": 2}, base=TINY)
    assert not first.equals(free)  # the probe acted
    assert 0 <= summary["final_misalignment"] <= 1


def test_restore_puts_back_only_the_chosen_replicas_parameters_and_optimizer_moments():
    model = BatchedMLP(3, [4, 5, 2], seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)
    model(torch.randn(6, 4))[0].sum().backward()
    optimizer.step()
    tensors = [*model.parameters(), *optimizer_state(optimizer)]
    assert len(tensors) == 3 * len(list(model.parameters()))  # parameters, then both moments of each
    saved = snapshot(tensors)
    model(torch.randn(6, 4))[0].pow(2).sum().backward()
    optimizer.step()
    restore(tensors, saved, torch.tensor([True, False, True]))
    for tensor, before in zip(tensors, saved):
        assert torch.equal(tensor[0], before[0]) and torch.equal(tensor[2], before[2])
        assert not torch.equal(tensor[1], before[1])


# --- methods through capabilities -----------------------------------------------------------------------


class KlSpy(Method):
    """Measures kl-to-base's KL when training starts and after the last step."""

    name = "kl-spy"

    def __init__(self, kl: KlToBase):
        super().__init__(None)
        self.kl, self.values = kl, []

    def setup(self, ctx):
        self.values.append(self.kl.kl(ctx).detach())

    def after_step(self, ctx):
        self.last = self.kl.kl(ctx).detach()


def test_kl_to_base_compares_the_action_distribution_with_the_starting_models_per_replica():
    kl = KlToBase(KlToBase.Config(weight=1.0, examples=16))
    spy = KlSpy(kl)
    table, _ = run({"replicas": 3}, base=TINY, stack=MethodStack([kl, spy]))
    assert spy.values[0].shape == (3,) and (spy.values[0] == 0).all()  # the reference is the start exactly
    assert (spy.last > 1e-5).all()
    assert (final(table, "kl-to-base/kl") > 0).all()


def test_the_methods_hold_alignment_only_where_they_should():
    """kl-to-base holds the action distribution at the start's where its data reach: on the developer's
    observable alignment data (untempting situations) it does not hold alignment in tempting ones, on oracle
    data that include them it does. The tax on evasion, here the change of the probed layer's activations
    since the probe was fitted, keeps that layer nearer where the probe was fitted and slows the drift, but
    stops neither the drift nor the evasion (the prototype: weight 3, misalignment 0.995 -> 0.825 at 10,000
    steps, still evading the probe)."""
    pressed = {"pressure": {"mode": "penalty"}}
    kl_to_base = [{"name": "kl-to-base", "weight": 1.0, "examples": 32}]
    _, none = run(pressed)
    _, kl = run(pressed, kl_to_base)
    _, oracle = run({**pressed, "alignment_oracle": True}, kl_to_base)
    assert kl["final_misalignment"] > 0.9 and none["final_misalignment"] > 0.9 and kl["end/honest"] == 0.0
    assert oracle["final_misalignment"] < 0.2 and oracle["end/honest"] > 0.8
    assert oracle["final_capability"] > none["final_capability"] - 0.03
    _, taxed = run(pressed, [{"name": "detector-bias-tax", "tax": 3.0}])
    assert taxed["final_repr_distance"] < 0.75 * none["final_repr_distance"]
    assert 0.5 < taxed["final_misalignment"] < none["final_misalignment"] - 0.05
    assert taxed["end/honest"] < 0.5 and taxed["end_by_recall/blatant_deception"] == 0.0


class ExamplesSpy(Method):
    """Keeps the world's alignment examples [R, n, dim] when training starts."""

    name = "examples-spy"

    def setup(self, ctx):
        self.examples = torch.stack(ctx.world.alignment_examples(), 1)


@pytest.mark.parametrize("oracle", [False, True])
def test_the_alignment_data_are_what_the_developer_observes_unless_the_oracle_ablation_is_on(oracle):
    spy = ExamplesSpy(None)
    run({"replicas": 2, "alignment_oracle": oracle}, base=TINY, stack=MethodStack([spy]))
    x = spy.examples
    assert x.shape == (2, TINY["alignment_data"], Task(TaskConfig()).input_dim) and (x[..., -1] == 1).all()
    tempting = Task.tempting(x).mean().item()
    assert tempting == 0.0 if not oracle else 0.3 < tempting < 0.7
    draws = Task(TaskConfig()).draw(400, torch.Generator().manual_seed(0), opportunity=True, tempting=True)
    assert (Task.tempting(draws) == 1).all() and (draws[:, 0] > 0).float().mean().item() == pytest.approx(0.5, abs=0.1)


def test_methods_that_need_what_this_world_lacks_are_refused():
    for method, missing in [({"name": "replay", "ratio": 0.1}, "ExampleBatches"),
                            ({"name": "inoculation-prompt"}, "ChatTraining")]:
        with pytest.raises(ConfigError, match=f"does not support world 'probe': it needs .*{missing}"):
            validate_config({"name": "t", "world": {"type": "probe"}, "methods": [method]})


# --- summary, comparison, figures ----------------------------------------------------------------------


def test_end_states_follow_their_definitions_under_each_meaning_of_caught():
    final_rows = pd.DataFrame({  # honest; caught every way; caught by TPR and AUROC only; evaded, readable; not
        "misalignment": [0.4, 0.9, 0.9, 0.9, 0.9], "deployed_recall": [0.0, 0.8, 0.1, 0.0, 0.0],
        "deployed_tpr_at_fpr": [0.0, 0.9, 0.6, 0.2, 0.1],
        "deployed_auroc": [0.5, 0.9, 0.8, 0.6, 0.9], "fresh_auroc": [0.5, 0.99, 0.99, 0.9, 0.7]})
    config = ProbeConfig()
    assert ProbeWorld.end_states(final_rows, config).tolist() == [
        "honest", "blatant_deception", "blatant_deception", "obfuscated_activations", "unreadable"]
    assert ProbeWorld.end_states(final_rows, config, "recall").tolist() == [
        "honest", "blatant_deception", "obfuscated_activations", "obfuscated_activations", "unreadable"]
    assert ProbeWorld.end_states(final_rows, config, "auroc").tolist() == [
        "honest", "blatant_deception", "blatant_deception", "obfuscated_activations", "blatant_deception"]


def test_figures_and_the_sweep_reports_end_state_section():
    table, _ = run({"replicas": 2}, base=TINY)
    assert set(probe_figures(table, ProbeConfig(**merged(TINY, {"replicas": 2})))) == {
        "misalignment_vs_probes", "representation", "end_states"}
    rows = []
    for nudge in (0.02, 0.1):
        for noise in (0.0, 0.3):
            for tax in (0.0, 1.0):
                shares = dict(zip(END_STATES, np.roll([0.7, 0.1, 0.2, 0.0], int(nudge > 0.05) + int(tax))))
                for prefix, _ in CAUGHT_BY.values():
                    rows += [{"world.nudge_rate": nudge, "world.detector.label_noise": noise, "methods.0.tax": tax,
                              "headline": f"{prefix}/{state}", "mean": value} for state, value in shares.items()]
    aggregates = pd.DataFrame(rows)
    columns = ["world.nudge_rate", "world.detector.label_noise", "methods.0.tax"]
    shown = end_state_table(aggregates, columns)
    assert len(shown) == 8 and shown.iloc[0]["point"] == "nudge_rate=0.02, label_noise=0.0, tax=0.0"
    assert shown.iloc[0]["honest (by TPR at the benign FPR / recall / AUROC)"] == "0.70 / 0.70 / 0.70"
    assert len(phase_figures(aggregates, columns)) == 3 and len(phase_figures(aggregates, columns[:1])) == 3
    assert end_state_table(aggregates.assign(headline="final_misalignment"), columns).empty  # another world


# --- configs -------------------------------------------------------------------------------------------


PRESETS = ["probe-no-penalty", "probe-frozen-unpenalised", "probe-frozen", "probe-rotation", "probe-evasion-cost"]


def test_presets_and_built_in_sweeps():
    assert set(PRESETS) <= set(preset_names())
    modes = {name: resolve(name)[0] for name in PRESETS}
    assert {name: (c.world.pressure.mode, c.world.detector.retrain_every) for name, c in modes.items()} == {
        "probe-no-penalty": ("none", 250), "probe-frozen-unpenalised": ("none", 0), "probe-frozen": ("penalty", 0),
        "probe-rotation": ("penalty", 250), "probe-evasion-cost": ("penalty", 0)}
    # the control pairs with probe-frozen: the same config but for the pressure
    control, frozen = (modes[name].model_dump(exclude={"name", "description"}) for name in
                       ("probe-frozen-unpenalised", "probe-frozen"))
    assert control["world"].pop("pressure")["mode"] == "none" and frozen["world"].pop("pressure")["mode"] == "penalty"
    assert control == frozen
    assert [m.name for m in modes["probe-evasion-cost"].methods] == ["detector-bias-tax"]
    phases = load_sweep("probe-phases")
    assert set(phases.swept) == {"world.nudge_rate", "world.detector.label_noise", "methods.0.tax"}
    methods = load_sweep("methods-probe")
    assert {m["name"] for t in methods.trials for m in t.config["methods"]} == {
        "detector-bias-tax", "l2-to-initial", "ewc", "gradient-projection", "kl-to-base", "proxy-selection"}
    oracle = {t.values["label"] for t in methods.trials if t.config["world"]["alignment_oracle"]}
    assert oracle == {"ewc 1e5 (oracle data)", "gradient-projection (oracle data)", "kl-to-base (oracle data)"}
    assert any(t.config["methods"] == [] for t in methods.trials)
    atlas = load_sweep("probe-atlas")  # every update rule, with and without the KL pull, at two detector qualities
    rules = {(t.config["world"]["pressure"]["mode"], bool(t.config["methods"]), t.config["world"]["detector"]
              ["label_noise"]) for t in atlas.trials}
    assert rules == {(mode, kl, noise) for mode in ("none", "penalty", "reject", "filter", "reward")
                     for kl in (False, True) for noise in (0.0, 0.2)}
    assert all(t.config["world"]["detector"]["retrain_every"] == 0 for t in atlas.trials)  # frozen probes


@pytest.mark.parametrize("overrides,message", [
    (["world.detector.layer=3"], r"^world: detector\.layer 3 is not a hidden layer: widths has 3 \(0 to 2\)$"),
    (["world.detector.retrain_every=300"], r"^world: detector\.retrain_every \(300\) must be a multiple of "),
    (["world.detector.label_noise=0.5"], r"^world\.detector\.label_noise: .*less than 0\.5"),
    (["world.pressure.mode=select"], r"^world\.pressure\.mode: .*'none', 'penalty', 'reject', 'filter' or 'reward'"),
    (["world.widths=[]"], r"^world\.widths: .*at least 1 item"),
    (["world.fresh_mlp_width=3"], r"^world\.fresh_mlp_width: .*multiple of 2"),
    (["world.nudge_rate=1.5"], r"^world\.nudge_rate: .*less than or equal to 1"),
    (["world.thresholds.readable_at=0.5"], r"^world\.thresholds\.readable_at: .*greater than 0\.5"),
])
def test_config_errors_are_one_line_naming_the_field(overrides, message):
    with pytest.raises(ConfigError, match=message) as error:
        resolve("probe-frozen", overrides)
    assert "\n" not in str(error.value)
