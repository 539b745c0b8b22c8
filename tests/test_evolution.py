"""The evolution toy model: each rule of the step, the post's claims, and agreement with a reference."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftlab.config import resolve
from driftlab.progress import Progress
from driftlab.registry import WORLDS
from driftlab.table import Recorder, metric_frame
from driftlab.worlds.evolution import EvolutionWorld, Population, RandomBlocks, clip_p

ROOT = Path(__file__).resolve().parents[1]


def make_world(tmp_path, *overrides, seed=0):
    config, _ = resolve("evolution-post", list(overrides), seed)
    return WORLDS.get("evolution", "world.type")(config.world, None, config.seed, tmp_path)


def run_table(tmp_path, *overrides, seed=0) -> pd.DataFrame:
    world = make_world(tmp_path, *overrides, seed=seed)
    recorder = Recorder(world.replicas)
    world.run(recorder, Progress(quiet=True))
    return recorder.table()


def two_replica_population(never=100):
    """Replica 0 holds p in [0.01, 0.10], replica 1 p in [0.51, 0.60]: donors are easy to trace."""
    p = np.concatenate([np.linspace(0.01, 0.10, 10), np.linspace(0.51, 0.60, 10)])
    detectable = np.array([True, False] * 10)
    return Population(agents=10, replicas=2, p=p.copy(), detectable=detectable.copy(),
                      misaligned=np.zeros(20, dtype=bool), drift_step=np.full(20, 50), never=never)


# --- the rules of one step -------------------------------------------------------------------------


def test_step_applies_each_rule(tmp_path):
    world = make_world(tmp_path, "world.agents=10", "world.replicas=2", "world.steps=100")
    population = two_replica_population()
    before = Population(**{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(population).items()})
    drifting = np.array([0, 1, 2, 3, 12, 13])  # detectable: 0, 2, 12; undetectable: 1, 3, 13
    eliminated = world.step(population, 7, drifting, RandomBlocks(np.random.default_rng(0)))

    assert sorted(eliminated.tolist()) == [0, 2, 12]
    # Undetectable misaligned agents stay, misaligned, with their attributes, and never drift "again".
    for i in (1, 3, 13):
        assert population.misaligned[i] and population.p[i] == before.p[i] and population.drift_step[i] == 100
    # Detectable misaligned agents do not survive the step: their slots hold aligned newcomers.
    assert not (population.misaligned & population.detectable).any()
    survivors = np.setdiff1d(np.arange(20), eliminated)
    for i in eliminated:
        assert not population.misaligned[i]
        replica = i // 10
        own = [j for j in survivors if j // 10 == replica]
        # Newcomers carry a (p, d) pair present among the survivors of their own replica (joint copy).
        assert any(population.p[i] == before.p[j] and population.detectable[i] == before.detectable[j] for j in own)
        assert 7 < population.drift_step[i] <= 100
    # Nobody else changed.
    untouched = np.setdiff1d(np.arange(20), drifting)
    assert (population.p[untouched] == before.p[untouched]).all()
    assert not population.misaligned[untouched].any()


@pytest.mark.parametrize("can_donate", [False, True])
def test_just_eliminated_agents_donate_only_when_allowed(tmp_path, can_donate):
    world = make_world(tmp_path, "world.agents=10", "world.replicas=1", "world.steps=100",
                       f"world.eliminated_can_donate={str(can_donate).lower()}")
    randoms = RandomBlocks(np.random.default_rng(1))
    copied_from_eliminated = 0
    for _ in range(200):
        population = Population(agents=10, replicas=1, p=np.array([0.9] * 5 + [0.1] * 5),
                                detectable=np.ones(10, dtype=bool), misaligned=np.zeros(10, dtype=bool),
                                drift_step=np.full(10, 50), never=100)
        world.step(population, 3, np.arange(5), randoms)  # the five p = 0.9 agents are eliminated
        copied_from_eliminated += int((population.p[:5] == 0.9).sum())
    assert (copied_from_eliminated > 300) if can_donate else (copied_from_eliminated == 0)


@pytest.mark.parametrize("copy, broken_pairs_expected", [("joint", False), ("independent", True)])
def test_joint_copy_keeps_p_and_d_together(tmp_path, copy, broken_pairs_expected):
    world = make_world(tmp_path, "world.agents=20", "world.steps=100", f"world.donor_copy={copy}")
    randoms = RandomBlocks(np.random.default_rng(2))
    broken = 0
    for _ in range(50):
        # Survivors: d = 1 exactly when p = 0.5; d = 0 when p = 0.05.
        p = np.array([0.5] * 10 + [0.05] * 10)
        detectable = p == 0.5
        population = Population(agents=20, replicas=1, p=p, detectable=detectable.copy(),
                                misaligned=np.zeros(20, dtype=bool), drift_step=np.full(20, 50), never=100)
        eliminated = world.step(population, 1, np.arange(4), randoms)
        broken += int((population.detectable[eliminated] != (population.p[eliminated] == 0.5)).sum())
    assert (broken > 0) == broken_pairs_expected


def test_undetectable_misalignment_only_accumulates(tmp_path):
    table = run_table(tmp_path, "world.agents=500", "world.steps=300", "world.replicas=3",
                      "world.record.schedule=every", "world.fit_from_step=2")
    undetectable = metric_frame(table, "misaligned_undetectable_fraction")
    aligned = metric_frame(table, "aligned_fraction")
    assert len(undetectable) == 301
    assert (undetectable.diff().dropna() >= 0).all().all()
    assert undetectable.iloc[-1].min() > 0
    # Every misaligned agent alive after a step is undetectable: the two fractions sum to one.
    np.testing.assert_allclose(aligned + undetectable, 1.0)
    eliminated = metric_frame(table, "eliminated")
    assert eliminated.loc[1:].sum().min() > 0


def test_geometric_drift_steps():
    randoms = RandomBlocks(np.random.default_rng(3))
    waits = randoms.geometric_steps(np.full(200_000, 0.1), start=5, never=10_000) - 5
    assert waits.min() == 1
    assert abs(waits.mean() - 10.0) < 0.1  # Geometric(0.1) on {1, 2, ...} has mean 10 (sd 9.5)
    assert abs((waits == 1).mean() - 0.1) < 0.005
    assert abs((waits == 2).mean() - 0.09) < 0.005
    # p = 0 (underflow), a tiny p and p = 1 stay finite: never / never / at once.
    edge = randoms.geometric_steps(clip_p(np.array([0.0, 1e-80, 1.0, 1.0])), start=0, never=77)
    assert edge.tolist() == [77, 77, 1, 1]


# --- the post's claims, measured with fixed seeds ----------------------------------------------------


@pytest.fixture(scope="module")
def post_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("post")
    post = run_table(tmp, "world.replicas=3", seed=11)
    uniform = run_table(tmp, "world.replicas=3", "world.drift_prior.alpha=1.0", seed=11)
    config, _ = resolve("evolution-post")
    return post, uniform, config.world


def test_aligned_fraction_falls_linearly_in_log_steps(post_runs):
    post, _, config = post_runs
    figures = EvolutionWorld.summarize(post, config)
    assert figures["aligned_fraction_log_fit_r2"] > 0.98
    assert -0.14 < figures["aligned_fraction_slope_per_decade"] < -0.07
    assert 0.55 < figures["final_aligned_fraction"] < 0.72  # drift is slow: most agents still aligned


def test_drift_time_grows_linearly(post_runs):
    post, _, config = post_runs
    figures = EvolutionWorld.summarize(post, config)
    assert figures["median_drift_time_linear_fit_r2"] > 0.95
    assert figures["median_drift_time_slope_per_step"] > 10  # fast drifters are weeded out
    median = metric_frame(post, "median_drift_time_aligned")
    assert (median.iloc[-1] > 50 * median.iloc[0]).all()


def test_uniform_prior_drifts_far_more(post_runs):
    post, uniform, config = post_runs
    post_figures = EvolutionWorld.summarize(post, config)
    uniform_figures = EvolutionWorld.summarize(uniform, config)
    assert uniform_figures["final_aligned_fraction"] < 0.05
    assert uniform_figures["final_misaligned_undetectable_fraction"] > 0.95
    # Few agents stay aligned under Beta(1, 1), so its drift-time figures are noisy: compare with margin.
    assert uniform_figures["median_drift_time_slope_per_step"] < post_figures["median_drift_time_slope_per_step"] / 4
    assert uniform_figures["final_median_drift_time"] < post_figures["final_median_drift_time"] / 5


# --- agreement with the coin-per-agent reference in benchmarks/ ----------------------------------------


def load_reference():
    spec = importlib.util.spec_from_file_location("bench_evolution", ROOT / "benchmarks" / "bench_evolution.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reference_run


def test_matches_per_step_reference_statistically(tmp_path):
    reference_run = load_reference()
    agents, steps, replicas = 1000, 300, 40
    record_steps = [1, 3, 10, 30, 100, 300]
    table = run_table(tmp_path, f"world.agents={agents}", f"world.steps={steps}", f"world.replicas={replicas}",
                      "world.record.schedule=every", seed=5)
    reference = [reference_run(agents, steps, 0.2, 1.0, 0.9, record_steps, seed) for seed in range(replicas)]
    for metric, transform in [("aligned_fraction", lambda x: x), ("median_drift_time_aligned", np.log)]:
        ours = transform(metric_frame(table, metric).loc[record_steps].to_numpy())  # steps x replicas
        theirs = transform(np.array([r[metric] for r in reference]).T)
        se = np.sqrt(ours.var(axis=1, ddof=1) / replicas + theirs.var(axis=1, ddof=1) / replicas)
        z = np.abs(ours.mean(axis=1) - theirs.mean(axis=1)) / se
        assert (z < 4).all(), (metric, z)


# --- determinism -----------------------------------------------------------------------------------------


def test_same_seed_same_table_bit_for_bit(tmp_path):
    args = ("world.agents=2000", "world.steps=500", "world.replicas=2")
    first = run_table(tmp_path, *args, seed=4)
    second = run_table(tmp_path, *args, seed=4)
    other = run_table(tmp_path, *args, seed=5)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert not first["value"].equals(other["value"])
