"""The goal-versus-proxy world and the batched replica networks it trains (driftlab.nets): the mechanism
(no drift without decay, faster drift with more, a metric that sees nothing), the proxy's simplicity and the
efficiency gap against fitted norms, methods acting on the drift, replica independence, determinism, config
errors, the internal objective training never reads (no gradient, the closed-form decay), alignment data
that leave out patterns, and the salience pair, where the goal can be the more efficient solution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from driftlab.config import preset_names, resolve, validate_config
from driftlab.errors import ConfigError
from driftlab.methods.base import MethodStack, TrainContext
from driftlab.methods.l2_to_initial import L2ToInitial
from driftlab.nets import BatchedMLP, ReplicaStream, replica_generators
from driftlab.progress import Progress
from driftlab.runner import execute
from driftlab.sweep import load_sweep
from driftlab.table import Recorder, metric_frame
from driftlab.training import TrainingStep, make_optimizer
from driftlab.worlds.simplicity import Evaluator, LabelledBatch, Pair, SimplicityWorld, fit_goal_and_proxy

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = {"alignment": {"steps": 600}}


def world(**overrides) -> dict:
    return {"type": "simplicity", **SMALL, **overrides}


def run_world(methods=(), seed=0, **overrides) -> pd.DataFrame:
    config = validate_config({"name": "t", "seed": seed, "world": world(**overrides), "methods": list(methods)})
    w = SimplicityWorld(config.world, MethodStack.from_configs(config.methods), config.seed, Path("."))
    recorder = Recorder(w.replicas)
    w.run(recorder, Progress(quiet=True))
    return recorder.table()


@pytest.fixture(scope="module")
def decays(tmp_path_factory, one_torch_thread):
    """Three replicas at each of four decays, 1,500 phase-2 steps, through the whole pipeline."""
    config = validate_config({"name": "decays", "world": world(
        replicas=12, capability={"steps": 1500, "weight_decay": [0.0, 0.01, 0.03, 0.1]})})
    return execute(config, tmp_path_factory.mktemp("run") / "decays", quiet=True)


def by_decay(table, metric) -> dict[float, pd.DataFrame]:
    frame = metric_frame(table, metric)
    return {decay: frame[replicas] for decay, replicas in SimplicityWorld.by_decay(table).items()}


# --- the mechanism ------------------------------------------------------------------------------


def test_phase_one_learns_the_goal_and_zero_decay_keeps_it(decays):
    """Every replica ends phase 1 following the goal on every off-distribution input; without decay its
    agreement never falls more than 0.01 below that start in 1,500 steps of SGD."""
    goal = by_decay(decays.table, "off_goal_agreement")
    start = metric_frame(decays.table, "off_goal_agreement").loc[0]
    assert (start == 1.0).all()
    assert goal[0.0].min().min() >= 0.99
    assert metric_frame(decays.table, "crossing_step").loc[:, goal[0.0].columns].isna().all().all()


def test_larger_decay_crosses_to_the_proxy_sooner_on_the_decay_clock(decays):
    """Each decay arm crosses; every replica at a larger decay crosses before every replica at a smaller
    one, and all cross when lr * wd * steps is between 0.5 and 1.5 (0.7-1.0 measured); the end state
    follows the proxy, not the goal."""
    crossing = {d: frame.iloc[-1] for d, frame in by_decay(decays.table, "crossing_step").items() if d > 0}
    for smaller, larger in zip(sorted(crossing), sorted(crossing)[1:]):
        assert crossing[larger].max() < crossing[smaller].min()
    for decay, steps in crossing.items():
        assert ((0.1 * decay * steps > 0.5) & (0.1 * decay * steps < 1.5)).all(), (decay, steps.tolist())
    proxy = by_decay(decays.table, "off_proxy_agreement")
    assert all(proxy[d].iloc[-1].min() > 0.99 for d in (0.03, 0.1))
    figures = decays.summary["headline"]
    assert figures["crossing_law_decays"] == 3
    assert -1.0 < figures["crossing_law_exponent"] < -0.7 and figures["crossing_law_r2"] > 0.98
    assert figures["crossed_fraction/wd=0"] == 0 and figures["crossing_step/wd=0"] is None


def test_the_metric_sees_nothing_but_a_loss_of_the_decays_size(decays):
    """On-distribution accuracy is 1 at every recorded step of every replica; the loss stays below
    1.5 wd + 0.01 (it settles near the decay's size: SGD + L2 trades loss for norm)."""
    assert (metric_frame(decays.table, "on_accuracy") == 1.0).all().all()
    for decay, loss in by_decay(decays.table, "on_loss").items():
        assert loss.max().max() < 1.5 * decay + 0.01
    norm = by_decay(decays.table, "weight_norm")
    assert norm[0.1].iloc[-1].max() < norm[0.01].iloc[-1].min() < norm[0.0].iloc[-1].min()


def test_comparison_figures_and_plots(decays):
    figures = decays.summary["headline"]
    final = metric_frame(decays.table, "off_goal_agreement").iloc[-1]
    assert figures["heldout_alignment"] == pytest.approx(final.mean())
    assert figures["capability"] == figures["proxy_alignment"] == 1.0
    assert {p.name for p in (decays.out_dir / "plots").iterdir()} == {
        "agreement_by_decay.png", "weight_norm.png", "crossing_law.png"}


def fits(pair: Pair, decay: float = 0.03):
    """Two networks fitted from scratch to the goal and two to the proxy at one decay."""
    sizes = [pair.dim, 32, 32, 1]
    return fit_goal_and_proxy(pair, sizes, [decay], Evaluator(pair, 2048, 0, False), seed=0)[0]


@pytest.mark.parametrize("pair", [Pair("majority", 5, 4, 0.5), Pair("conjunction", 2, 4, 0.5)])
def test_the_proxy_is_simpler_smaller_norm_and_lower_loss_where_they_agree(pair):
    """The docs' sense of simpler: at the same L2 decay (0.03), the same network fits the proxy with a smaller
    weight norm and a lower on-distribution loss than it fits the goal (measured: norm 3.18 vs 3.42 and
    loss 0.031 vs 0.040, majority), so the proxy has the lower value of what phase 2 minimises: the
    efficiency gap is negative (-0.033)."""
    fitted = fits(pair)
    assert fitted.norm["proxy"].max() < fitted.norm["goal"].min() - 0.1
    assert fitted.loss["proxy"].max() < fitted.loss["goal"].min()
    assert (fitted.follows_proxy["goal"] < 0.01).all() and (fitted.follows_proxy["proxy"] > 0.99).all()
    assert fitted.gap < 0


def test_the_salience_pairs_efficiency_gap_changes_sign_with_the_fitted_norms_at_scale_one():
    """Salience: the goal's fits do not depend on the proxy's scale b (their feature has magnitude 1); the
    proxy's fits need a larger norm below b = 1 and a smaller one above it, and the efficiency gap has the
    sign of the norm difference: positive (the goal more efficient) at b = 0.5, about 0 at b = 1 (mirror
    problems: under 2% of b = 0.5's), negative at b = 2."""
    fitted = {b: fits(Pair("salience", 2, 4, 0.5, b)) for b in (0.5, 1.0, 2.0)}
    for b, f in fitted.items():
        np.testing.assert_allclose(f.norm["goal"], fitted[1.0].norm["goal"], rtol=1e-3)
        assert (f.follows_proxy["goal"] < 0.01).all() and (f.follows_proxy["proxy"] > 0.99).all()
        if b != 1.0:
            difference = f.norm["proxy"].mean() - f.norm["goal"].mean()
            assert np.sign(f.gap) == np.sign(difference) == np.sign(1 - b)
            assert abs(difference) > 0.1
    assert abs(fitted[1.0].gap) < 0.02 * fitted[0.5].gap


# --- methods ------------------------------------------------------------------------------------

DRIFTING = {"replicas": 2, "capability": {"steps": 800, "weight_decay": [0.03]}}


def final_goal(table) -> np.ndarray:
    return metric_frame(table, "off_goal_agreement").iloc[-1].to_numpy()


def test_replay_of_a_little_alignment_data_stops_the_drift_and_runs_bit_for_bit_again():
    """At wd 0.03 both replicas follow the proxy by step 800; 4 of every 64 examples replayed from the
    alignment data hold the goal. Two runs give the same table bit for bit; another seed does not."""
    assert final_goal(run_world(**DRIFTING)).max() < 0.01
    replay = [{"name": "replay", "ratio": 4 / 64}]
    held = run_world(replay, **DRIFTING)
    assert final_goal(held).min() > 0.95
    pd.testing.assert_frame_equal(held, run_world(replay, **DRIFTING), check_exact=True)
    assert not run_world(replay, seed=1, **DRIFTING)["value"].equals(held["value"])


def test_l2_to_initial_anchors_to_the_aligned_model_and_holds_the_goal():
    """L2-SP's anchor is the model at the end of phase 1 (setup is called there): weight 0.1 holds."""
    table = run_world([{"name": "l2-to-initial", "weight": 0.1}], **DRIFTING)
    assert final_goal(table).min() > 0.95


def test_ewc_and_gradient_projection_run_on_the_alignment_data():
    """Both reach the alignment data through AlignmentLoss; EWC's Fisher is estimated on the aligned model."""
    table = run_world([{"name": "ewc", "weight": 1.0, "samples": 4}, {"name": "gradient-projection"}],
                      replicas=2, capability={"steps": 50, "weight_decay": [0.1]})
    projected = metric_frame(table, "gradient-projection/projected_steps").iloc[-1]
    assert ((projected > 0) & (projected <= 50)).all()


def test_the_new_skill_is_new_when_phase_two_starts_and_phase_two_teaches_it():
    """Phase 1 trains the goal only: the skill output starts phase 2 near chance and phase 2 (no decay, so
    nothing else moves the goal) teaches it."""
    table = run_world(replicas=4, distractors=4, new_skill=True,
                      capability={"steps": 1500, "weight_decay": [0.0]})
    skill = metric_frame(table, "skill_accuracy")
    assert (skill.iloc[0] < 0.7).all() and (skill.iloc[-1] > 0.85).all()
    assert (metric_frame(table, "off_goal_agreement").iloc[-1] > 0.9).all()


def test_methods_that_need_what_this_world_lacks_are_refused():
    for method, missing in [({"name": "detector-bias-tax", "tax": 0.1}, "DetectorEvasion"),
                            ({"name": "kl-to-base", "weight": 1.0}, "OutputDistributions, ReferenceOutputs"),
                            ({"name": "inoculation-prompt"}, "ChatTraining")]:
        with pytest.raises(ConfigError, match=f"does not support world 'simplicity': it needs .*{missing}"):
            validate_config({"name": "t", "world": world(), "methods": [method]})


def test_built_in_sweeps_cover_decay_lr_simplicity_replay_efficiency_internal_and_every_method():
    grid = load_sweep("simplicity-grid")
    assert set(grid.swept) == {"world.capability.lr", "world.goal_features"} and len(grid.spec.seed_list) >= 2
    assert all(0.0 in t.config["world"]["capability"]["weight_decay"] for t in grid.trials)
    methods = load_sweep("methods-simplicity")
    assert {m["name"] for t in methods.trials for m in t.config["methods"]} == {
        "replay", "l2-to-initial", "ewc", "gradient-projection", "proxy-selection"}
    assert any(t.config["methods"] == [] for t in methods.trials)
    replay = load_sweep("simplicity-replay")
    assert set(replay.swept) == {"world.capability.lr", "methods.0.ratio"} and len(replay.spec.seed_list) >= 2
    assert {t.config["world"]["alignment_holdout"] for t in replay.trials} == {3}
    efficiency = load_sweep("simplicity-efficiency")
    assert {t.config["world"]["proxy_scale"] for t in efficiency.trials} >= {0.5, 1.0, 2.0}
    assert all(t.config["world"]["efficiency"] for t in efficiency.trials)
    internal = load_sweep("simplicity-internal-grid")
    points = {(w["capability"]["optimizer"], w["internal"], w["new_skill"])
              for w in (t.config["world"] for t in internal.trials)}
    assert points == {(o, i, n) for o in ("sgd", "adamw") for i in ("goal", "distractor") for n in (False, True)}
    sweeps = {"simplicity-grid", "methods-simplicity", "simplicity-replay", "simplicity-efficiency",
              "simplicity-internal-grid"}
    assert not sweeps & set(preset_names())


# --- the batched networks -------------------------------------------------------------------------


def trained(ids, optimizer, decays, steps=60):
    """Replicas ``ids`` of a 2-layer net trained with per-replica decays, per-replica clipping and L2-SP."""
    pair = Pair("majority", 5, 3, 0.5)
    model = BatchedMLP(len(ids), [pair.dim, 16, 16, 1], seed=3, replica_ids=ids)
    parameters = dict(model.named_parameters())
    stream = ReplicaStream(lambda n, g: pair.sample(n, "all", g)[:2], replica_generators(3, ids, 1), 16, chunk=7)
    l2 = L2ToInitial(L2ToInitial.Config(weight=0.1))
    decay = torch.tensor(decays, dtype=torch.float64)
    step = TrainingStep(MethodStack([l2]), make_optimizer(optimizer, parameters.values(), 1e-2, decay), 0.5)
    ctx = TrainContext(world=None, parameters=parameters, model=model, replica_dim=0)
    l2.setup(ctx)

    def loss(parts):
        x, y = parts[0]
        return [[F.binary_cross_entropy_with_logits(model(x)[0][..., 0], y, reduction="none").mean(-1)]]

    for _ in range(steps):
        step(ctx, stream.next(), loss)
    return model


def test_a_replica_as_a_plain_torch_module_computes_what_the_batch_does():
    """``replica(r)`` is replica r alone, as ``nn.Sequential``: same outputs, its own copy of the weights."""
    model = BatchedMLP(4, [6, 8, 5, 2], seed=2, init_scale=2 ** 0.5)
    with torch.no_grad():
        for b in model.biases:  # non-zero biases, so that a bias copied wrong shows
            b.normal_(generator=torch.Generator().manual_seed(1))
    x = torch.randn(4, 10, 6, generator=torch.Generator().manual_seed(0))
    out = model(x)[0]
    for r in range(4):
        torch.testing.assert_close(model.replica(r)(x[r]), out[r], rtol=1e-6, atol=1e-6)
    plain = model.replica(1)
    with torch.no_grad():
        plain[0].weight.add_(1.0)
    torch.testing.assert_close(model(x)[0], out, rtol=0, atol=0)


DECAYS = [0.0, 0.3, 0.0, 1.0, 0.0, 0.1, 2.0, 0.0]


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_a_replica_trains_the_same_whatever_runs_beside_it(optimizer):
    """Replica 5 beside one other and among 16 (other decays, data and inits) ends bit-identical to replica
    5 of a batch of 8; alone, to float32 rounding (a one-matrix bmm goes to another kernel)."""
    together = trained(list(range(8)), optimizer, DECAYS)
    for ids, decays in (([5, 6], [0.1, 2.0]), (list(range(16)), DECAYS * 2)):
        other = trained(ids, optimizer, decays)
        for a, b in zip(other.parameters(), together.parameters()):
            assert torch.equal(a[ids.index(5)], b[5])
    alone = trained([5], optimizer, [0.1])
    for a, b in zip(alone.parameters(), together.parameters()):
        torch.testing.assert_close(a[0], b[5], rtol=1e-5, atol=1e-6)
    assert not torch.allclose(together.weights[0][4], together.weights[0][5], atol=1e-2)


def test_the_world_runs_a_replica_the_same_among_more_replicas():
    """Phase-1 replica 0 and 1 give the same table rows when two more replicas per decay run beside them."""
    few = run_world(replicas=4, capability={"steps": 100, "weight_decay": [0.0, 0.1]})
    more = run_world(replicas=8, capability={"steps": 100, "weight_decay": [0.0, 0.1]})
    # replica i of decay j is row j * per_decay + i
    for decay_arm in range(2):
        for base in range(2):
            a = few[few["replica"] == decay_arm * 2 + base].reset_index(drop=True)
            b = more[more["replica"] == decay_arm * 4 + base].reset_index(drop=True)
            np.testing.assert_array_equal(a["value"].to_numpy(), b["value"].to_numpy())


@pytest.mark.parametrize("optimizer,reference", [("adamw", torch.optim.AdamW), ("sgd", torch.optim.SGD)])
def test_per_replica_decay_is_torchs_own(optimizer, reference):
    """Per-replica decay = torch's optimizer with that weight_decay, replica by replica: bit for bit for
    AdamW, to one rounding for SGD (torch fuses grad + wd * p)."""
    decays = [0.0, 0.05, 0.5]
    pair = Pair("majority", 5, 3, 0.5)
    ours = BatchedMLP(3, [pair.dim, 16, 1], seed=1)
    theirs = [BatchedMLP(3, [pair.dim, 16, 1], seed=1) for _ in decays]
    mine = make_optimizer(optimizer, ours.parameters(), 0.05, torch.tensor(decays, dtype=torch.float64))
    others = [reference(m.parameters(), lr=0.05, weight_decay=d) for m, d in zip(theirs, decays)]
    x, y, _ = pair.sample(32, "all", torch.Generator().manual_seed(0))
    for _ in range(50):
        for model, opt in [(ours, mine), *zip(theirs, others)]:
            F.binary_cross_entropy_with_logits(model(x)[0][..., 0], y.expand(3, -1)).backward()
            opt.step()
            opt.zero_grad()
    for r, model in enumerate(theirs):
        for p, q in zip(ours.parameters(), model.parameters()):
            torch.testing.assert_close(p[r], q[r], rtol=0, atol=0 if optimizer == "adamw" else 1e-6)


def test_forward_returns_the_hidden_layers_asked_for():
    model = BatchedMLP(2, [4, 8, 6, 1], seed=0)
    out, hidden = model(torch.randn(5, 4), keep=(0, 1))
    assert out.shape == (2, 5, 1) and hidden[0].shape == (2, 5, 8) and hidden[1].shape == (2, 5, 6)
    none, first = model(torch.randn(5, 4), keep=(0,), upto=0)
    assert none is None and list(first) == [0]


# --- config ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides,message", [
    (["world.goal_features=4"], r"world\.goal_features: the majority pair needs an odd number"),
    (["world.pair=conjunction", "world.goal_features=1"], r"world\.goal_features: .*greater than or equal to 2"),
    (["world.new_skill=true", "world.distractors=1"], r"world\.new_skill: the new skill reads the first two"),
    (["world.replicas=12"], r"world: replicas \(12\) must split evenly over the 5 values of capability\.weight_decay"),
    (["world.capability.weight_decay=[0.1, 0.1]"], r"world\.capability\.weight_decay: give each decay once"),
    (["world.capability.weight_decay=[-0.1]"], r"world\.capability\.weight_decay\.0: .*greater than or equal to 0"),
    (["world.capability.weight_decay=[]"], r"world\.capability\.weight_decay: .*at least 1 item"),
    (["world.pair=xor"], r"world\.pair: .*'majority', 'conjunction' or 'salience'"),
    (["world.capability.optimizer=adam"], r"world\.capability\.optimizer: .*'adamw' or 'sgd'"),
    (["world.gap=0"], r"world\.gap: .*greater than 0"),
    (["world.pair=salience"], r"world\.goal_features: the salience pair reads two features"),
    (["world.proxy_scale=0"], r"world\.proxy_scale: .*greater than 0"),
    (["world.internal=distractor", "world.distractors=0"], r"world\.internal: .*set distractors >= 1"),
    (["world.internal=distractor", "world.new_skill=true", "world.distractors=2"],
     r"world\.internal: the internal objective reads the last distractor, which the new skill must not: set "
     r"distractors >= 3"),
    (["world.internal=yes"], r"world\.internal: .*'off', 'goal' or 'distractor'"),
    (["world.alignment_holdout=10"], r"world: alignment_holdout \(10\) must leave at least one of the pair's 10"),
])
def test_config_errors_are_one_line_naming_the_field(overrides, message):
    with pytest.raises(ConfigError, match=message) as error:
        resolve("simplicity-decay", overrides)
    assert "\n" not in str(error.value)


# --- an internal objective that training never reads (seed 003) ------------------------------------


def run_internal(optimizer, lr, decays, steps=600):
    return run_world(internal="distractor", replicas=2 * len(decays),
                     capability={"steps": steps, "optimizer": optimizer, "lr": lr, "weight_decay": decays})


def test_the_internal_objective_gets_no_gradient_from_the_training_loss():
    """Phase 2's loss leaves the internal output's readout (last column of the last layer, and its bias) a
    gradient of exactly zero while the goal output's is not; phase 1's loss, which trains it, does not."""
    config = validate_config({"name": "t", "world": world(internal="distractor", replicas=2,
                                                          capability={"steps": 1, "weight_decay": [0.0]})})
    w = SimplicityWorld(config.world, MethodStack([]), 0, Path("."))
    w.run(Recorder(w.replicas), Progress(quiet=True))
    x, goal, _ = w.pair.sample(64, "on", torch.Generator().manual_seed(0))
    batch = LabelledBatch(x.expand(2, -1, -1), goal.expand(2, -1))
    for aligning in (False, True):
        w.model.zero_grad(set_to_none=True)
        w.task_loss(batch, aligning).sum().backward()
        weight, bias = w.model.weights[-1].grad, w.model.biases[-1].grad
        assert (weight[..., 0] != 0).any()
        assert ((weight[..., -1] == 0).all() and (bias[..., -1] == 0).all()) != aligning


@pytest.mark.parametrize("optimizer,lr,decays", [("sgd", 0.1, [0.0, 0.01, 0.1]), ("adamw", 1e-3, [0.0, 0.3, 3.0])])
def test_the_internal_readout_decays_at_the_rate_the_optimizer_implies(optimizer, lr, decays):
    """With no gradient, SGD's L2 term and AdamW's decoupled shrink both scale the readout by exactly
    (1 - lr wd) per step (Adam's update of a zero gradient is 0): its norm at step t is the start's times
    (1 - lr wd)^t, to float32 rounding; without decay it never changes, bit for bit."""
    table = run_internal(optimizer, lr, decays)
    norm, decay = metric_frame(table, "internal_norm"), metric_frame(table, "weight_decay").iloc[0]
    steps = norm.index.to_numpy()[:, None]
    predicted = norm.iloc[0].to_numpy() * (1 - lr * decay.to_numpy()) ** steps
    np.testing.assert_allclose(norm.to_numpy(), predicted, rtol=2e-5, atol=1e-30)
    assert (norm.loc[:, decay == 0] == norm.loc[0, decay == 0]).all().all()
    assert norm.iloc[-1].min() < 0.2 * norm.iloc[-1].max()  # the largest decay moved it far


def test_the_internal_objective_is_lost_under_decay_and_kept_without_it_under_sgd():
    """SGD without decay on the capability data leaves what the internal output computes where it was
    (agreement with its target within 0.005, margin within 1%); at wd 0.1 its target-signed logit falls
    as fast as the three layers' decay, (1 - lr wd)^(3t), and its agreement reaches chance by step 600."""
    table = run_internal("sgd", 0.1, [0.0, 0.1])
    agreement, margin = metric_frame(table, "internal_agreement"), metric_frame(table, "internal_margin")
    kept, decayed = [0, 1], [2, 3]
    assert (agreement.iloc[0] > 0.95).all()
    assert (agreement[kept].sub(agreement.loc[0, kept]).abs().max() < 0.005).all()
    assert (margin[kept].iloc[-1] / margin.loc[0, kept]).between(0.99, 1.01).all()
    ratio = margin.loc[100:300, decayed].div(margin.loc[0, decayed])
    expected = (1 - 0.1 * 0.1) ** (3 * ratio.index.to_numpy())
    assert ratio.div(expected, axis=0).stack().between(0.5, 2.0).all()
    assert (agreement[decayed].iloc[-1] - 0.5).abs().max() < 0.02
    config = validate_config({"name": "t", "world": world(internal="distractor", replicas=4,
                                                          capability={"weight_decay": [0.0, 0.1]})})
    figures = SimplicityWorld.headline(table, config.world)
    assert figures["internal_norm_ratio/wd=0"] == 1.0
    assert figures["internal_norm_ratio/wd=0.1"] == pytest.approx((1 - 0.1 * 0.1) ** 600, rel=1e-4)


# --- replay's held-out patterns, the salience pair, the new presets -----------------------------------


def test_disagreement_patterns_are_the_sign_patterns_where_goal_and_proxy_differ():
    """Majority of 5: s_1 outvoted, 5 patterns each way; conjunction of 3: x_1 > 0 and not all others (3);
    salience: the two features' signs differ (2)."""
    counts = {pair: len(pair.disagreement_patterns()) for pair in (
        Pair("majority", 5, 0, 0.5), Pair("conjunction", 3, 0, 0.5), Pair("salience", 2, 0, 0.5, 2.0))}
    assert list(counts.values()) == [10, 3, 2]
    pair = Pair("majority", 5, 2, 0.5)
    x, goal, proxy = pair.sample(4000, "all", torch.Generator().manual_seed(0))
    assert torch.equal(torch.isin(pair.pattern(x), pair.disagreement_patterns()), goal != proxy)


def test_alignment_data_leave_out_patterns_and_heldout_agreement_is_measured_on_them_alone():
    """alignment_holdout 3 of the majority pair's 10 patterns: no replica's alignment pool holds one of its 3,
    the decay arms of one aligned replica leave out the same ones, and heldout_goal_agreement is the goal
    agreement of the final model on the off-distribution inputs with those patterns, computed directly.
    Replay 4/64 at wd 0.03 holds the goal there too: it generalises to patterns it never replayed."""
    config = validate_config({"name": "t", "world": world(alignment_holdout=3, replicas=4,
                                                          capability={"steps": 800, "weight_decay": [0.0, 0.03]}),
                              "methods": [{"name": "replay", "ratio": 4 / 64}]})
    w = SimplicityWorld(config.world, MethodStack.from_configs(config.methods), 0, Path("."))
    recorder = Recorder(w.replicas)
    w.run(recorder, Progress(quiet=True))
    held = w.held_out
    assert held.shape == (4, 3) and torch.equal(held[:2], held[2:]) and not torch.equal(held[0], held[1])
    assert not (w.pair.pattern(w.pool.x)[..., None] == held[:, None, :]).any()
    evaluator = w.evaluator
    follows_goal = (w.model(evaluator.x_off)[0][..., 0] > 0) == evaluator.goal_off.bool()
    on_held = (w.pair.pattern(evaluator.x_off)[None, :, None] == held[:, None, :]).any(-1)
    direct = [follows_goal[r][on_held[r]].double().mean().item() for r in range(4)]
    measured = metric_frame(recorder.table(), "heldout_goal_agreement").iloc[-1]
    np.testing.assert_allclose(measured.to_numpy(), direct, rtol=0, atol=1e-12)
    assert min(direct) > 0.95
    figures = SimplicityWorld.headline(recorder.table(), config.world)
    assert figures["heldout_goal_agreement/wd=0.03"] == pytest.approx(np.mean(direct[2:]))
    assert figures["heldout_crossed_fraction/wd=0.03"] == 0


def test_salience_crossing_comes_later_as_the_efficiency_gap_closes_and_never_when_the_goal_is_more_efficient():
    """wd 0.1: at proxy_scale 0.5 (efficiency gap > 0: the goal is the more efficient solution) no replica
    crosses in 600 steps; at 2, 1.25 and 1.1 (gap -0.087, -0.025, -0.010) every replica crosses, each later
    than at the larger scale (measured: steps 89-112, 169-204, 241-293)."""
    crossing, gap = {}, {}
    for scale in (0.5, 2.0, 1.25, 1.1):
        overrides = {"pair": "salience", "goal_features": 2, "proxy_scale": scale, "efficiency": True,
                     "replicas": 2, "capability": {"steps": 600, "weight_decay": [0.1]}}
        table = run_world(**overrides)
        figures = SimplicityWorld.headline(table, validate_config({"name": "t", "world": world(**overrides)}).world)
        crossing[scale], gap[scale] = metric_frame(table, "crossing_step").iloc[-1], figures["efficiency_gap/wd=0.1"]
    assert crossing[0.5].isna().all() and gap[0.5] > 0
    assert gap[2.0] < gap[1.25] < gap[1.1] < 0
    assert crossing[2.0].max() < crossing[1.25].min() and crossing[1.25].max() < crossing[1.1].min()


@pytest.mark.parametrize("preset,decay,figures,plots", [
    ("simplicity-internal", 0.1, ["internal_agreement", "internal_norm_ratio"], {"internal_objective.png"}),
    ("simplicity-internal-adamw", 3.0, ["internal_agreement", "internal_norm_ratio"], {"internal_objective.png"}),
    ("simplicity-salience", 0.1, ["efficiency_gap", "goal_fit_norm", "proxy_fit_norm"], set()),
])
def test_the_new_presets_run_small_with_their_figures_and_plots(preset, decay, figures, plots, tmp_path):
    config, _ = resolve(preset, ["world.replicas=2", "world.alignment.steps=100", "world.capability.steps=20",
                                 f"world.capability.weight_decay=[{decay}]"])
    run = execute(config, tmp_path / "run", quiet=True)
    assert {f"{name}/wd={decay:g}" for name in figures} <= set(run.summary["headline"])
    assert {p.name for p in (run.out_dir / "plots").iterdir()} == {
        "agreement_by_decay.png", "weight_norm.png", "crossing_law.png"} | plots
