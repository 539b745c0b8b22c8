"""Generic alignment-preservation methods (L2-SP, EWC, gradient projection): each one's mechanism, on the
gradient toy world and on a replica-free context like a real model's; the world's alignment signal and
comparison figures; labelled sweep points and the built-in methods-gradient sweep."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from driftlab.capabilities import AlignmentLoss
from driftlab.config import preset_names, resolve, validate_config
from driftlab.errors import ConfigError, DriftlabError
from driftlab.methods.base import Method, MethodStack, TrainContext
from driftlab.methods.ewc import Ewc
from driftlab.methods.gradient_projection import GradientProjection
from driftlab.methods.l2_to_initial import L2ToInitial
from driftlab.progress import Progress
from driftlab.sweep import load_sweep, resolve_sweep
from driftlab.table import Recorder, metric_frame
from driftlab.worlds.gradient import PARAMETERS, AlignmentSignal, GradientConfig, GradientWorld

REPLICAS = 4


def train(*overrides, methods=(), seed=0):
    """gradient-baseline (4 replicas, recorded log-spaced) with ``methods`` given as configs."""
    config, _ = resolve("gradient-baseline", [f"world.replicas={REPLICAS}", "world.record.schedule=log", *overrides],
                        seed)
    config = validate_config({**config.model_dump(mode="json"), "methods": list(methods)})
    world = GradientWorld(config.world, MethodStack.from_configs(config.methods), config.seed, Path("."))
    recorder = Recorder(world.replicas)
    world.run(recorder, Progress(quiet=True))
    table = recorder.table()
    return table, GradientWorld.summarize(table, config.world)


def toy_parameters(values: dict[str, list[float]]) -> dict[str, torch.Tensor]:
    return {name: torch.tensor(v, dtype=torch.float64, requires_grad=True) for name, v in values.items()}


def extra_gradients(method: Method, ctx: TrainContext) -> dict[str, torch.Tensor]:
    for p in ctx.parameters.values():
        p.grad = None
    method.extra_loss(ctx).sum().backward()
    return {name: p.grad for name, p in ctx.parameters.items()}


# --- the replica-aware context ------------------------------------------------------------------


def test_replica_sum_and_spread_per_replica_or_whole_model():
    tensor = torch.arange(12.0).reshape(3, 4)
    toy = TrainContext(world="t", parameters={}, replica_dim=0)
    np.testing.assert_array_equal(toy.replica_sum(tensor), [6.0, 22.0, 38.0])
    vector = torch.tensor([1.0, 2.0, 3.0])
    assert toy.replica_sum(vector) is vector  # already one value per replica (sum(dim=[]) would sum all)
    np.testing.assert_array_equal(toy.spread(torch.tensor([1.0, 0.0, 2.0]), tensor) * tensor,
                                  [[0, 1, 2, 3], [0, 0, 0, 0], [16, 18, 20, 22]])
    columns = TrainContext(world="t", parameters={}, replica_dim=1)
    np.testing.assert_array_equal(columns.replica_sum(tensor), [12.0, 15.0, 18.0, 21.0])
    model = TrainContext(world="t", parameters={})
    assert model.replica_sum(tensor).item() == 66.0 and model.replica_sum(tensor).dim() == 0
    assert model.spread(torch.tensor(2.0), tensor).dim() == 0


# --- l2-to-initial -----------------------------------------------------------------------------------


@pytest.mark.parametrize("replica_dim", [0, None])
def test_l2_gradient_is_exactly_weight_times_distance_from_the_start(replica_dim):
    start = {"alignment": [1.0, 0.5, 0.2], "detector_bias": [0.0, 0.3, -0.1], "matrix": [[1.0, 2.0]] * 3}
    ctx = TrainContext(world="gradient", parameters=toy_parameters(start), replica_dim=replica_dim)
    l2 = L2ToInitial(L2ToInitial.Config(weight=0.3))
    l2.setup(ctx)
    with torch.no_grad():
        for p in ctx.parameters.values():
            p.add_(torch.linspace(-1, 2, p.numel(), dtype=torch.float64).reshape(p.shape))
    loss = l2.extra_loss(ctx)
    assert loss.shape == ((3,) if replica_dim == 0 else ())
    grads = extra_gradients(l2, ctx)
    for name, p in ctx.parameters.items():
        torch.testing.assert_close(grads[name], 0.3 * (p.detach() - torch.tensor(start[name], dtype=torch.float64)),
                                   rtol=0, atol=1e-15)


def test_l2_acts_only_on_the_chosen_parameters_and_names_a_pattern_that_matches_nothing():
    ctx = TrainContext(world="gradient", parameters=toy_parameters({n: [0.5, 0.5] for n in PARAMETERS}), replica_dim=0)
    l2 = L2ToInitial(L2ToInitial.Config(weight=1.0, parameters=["align*", "detector_b?as"]))
    l2.setup(ctx)
    with torch.no_grad():
        for p in ctx.parameters.values():
            p.add_(1.0)
    grads = extra_gradients(l2, ctx)
    assert set(n for n, g in grads.items() if g is not None) == {"alignment", "detector_bias"}
    with pytest.raises(DriftlabError, match=r"^l2-to-initial\.parameters: 'alignmnet' matches no trainable tensor"):
        L2ToInitial(L2ToInitial.Config(weight=1.0, parameters=["alignmnet"])).setup(ctx)


def test_l2_in_the_world_holds_alignment_at_a_capability_cost_it_predicts_exactly():
    """SGD on -c + w/2 c^2 from c = 0 gives c_T = (1 - (1 - lr w)^T) / w; the pull also slows the drift."""
    _, plain = train()
    table, held = train(methods=[{"name": "l2-to-initial", "weight": 0.01}])
    expected = (1 - (1 - 0.05 * 0.01) ** 4000) / 0.01
    np.testing.assert_allclose(metric_frame(table, "capability").iloc[-1], expected, rtol=1e-9)
    assert plain["capability"] == pytest.approx(0.05 * 4000)
    assert plain["heldout_alignment"] < 0.05 and held["heldout_alignment"] > 0.5
    assert held["final_detector_bias"] < plain["final_detector_bias"] - 0.3


# --- ewc -------------------------------------------------------------------------------------------


def fisher_by_hand(a, b, v, eps, seed, samples):
    """Mean over draws of the squared gradient of -min(1, (a + b) z), z = 1 + eps v n, replayed draw by draw."""
    rng = np.random.default_rng([seed, 1])
    squares = {name: np.zeros_like(a) for name in PARAMETERS}
    for _ in range(samples):
        n = rng.standard_normal(a.shape)
        z = 1 + eps * v * n
        open_ = (a + b) * z < 1  # a saturated reading passes no gradient
        squares["alignment"] += (z * open_) ** 2 / samples
        squares["detector_bias"] += (z * open_) ** 2 / samples
        squares["detector_variance"] += ((a + b) * eps * n * open_) ** 2 / samples
    return squares


@pytest.mark.parametrize("signal", ["detector", "oracle"])
def test_ewc_fisher_matches_a_hand_computation_and_its_gradient_is_weighted_by_it(signal):
    a, b, v = np.array([0.9, 0.6, 1.0]), np.array([0.05, 0.1, 0.15]), np.array([1.0, 2.0, 0.5])
    config = GradientConfig(replicas=3, eps=0.2, alignment_signal=signal)
    parameters = toy_parameters({"capability": [0.0] * 3, "alignment": a, "detector_bias": b,
                                 "detector_variance": v})
    ctx = TrainContext(world=SimpleNamespace(alignment_loss=AlignmentSignal(config, parameters, seed=7)),
                       parameters=parameters, replica_dim=0)
    ewc = Ewc(Ewc.Config(weight=2.5, samples=50))
    ewc.setup(ctx)
    if signal == "oracle":  # -a: gradient -1 on a, nothing else
        expected = {name: np.full(3, 1.0 if name == "alignment" else 0.0) for name in PARAMETERS}
    else:
        expected = fisher_by_hand(a, b, v, 0.2, seed=7, samples=50)
        assert 0 < expected["alignment"][2] < expected["alignment"][0]  # the most saturated replica: least weight
        assert expected["detector_variance"][2] > 0
    for name in PARAMETERS:
        np.testing.assert_allclose(ewc.fisher[name].numpy(), expected[name], rtol=1e-12, atol=1e-15)
    assert (ewc.fisher["capability"] == 0).all()  # the alignment signal does not depend on capability

    start = {name: p.detach().clone() for name, p in parameters.items()}
    with torch.no_grad():
        for p in parameters.values():
            p.sub_(0.25)
    grads = extra_gradients(ewc, ctx)
    for name, p in parameters.items():
        torch.testing.assert_close(grads[name], 2.5 * ewc.fisher[name] * (p.detach() - start[name]),
                                   rtol=1e-12, atol=1e-15)


def test_ewc_on_a_model_without_replicas_averages_squared_gradients_of_each_draw():
    """As a real model would use it: named module parameters, one scalar alignment loss per draw."""
    model = torch.nn.Linear(3, 1).double()
    generator = torch.Generator().manual_seed(0)
    draws = [(torch.randn(3, generator=generator, dtype=torch.float64), float(t)) for t in range(4)]
    calls = iter(draws)

    def alignment_loss():
        x, target = next(calls)
        return (model(x) - target).pow(2).sum()

    ctx = TrainContext(world=SimpleNamespace(alignment_loss=alignment_loss), parameters=dict(model.named_parameters()),
                       model=model)
    ewc = Ewc(Ewc.Config(weight=1.0, samples=4))
    ewc.setup(ctx)
    with torch.no_grad():
        residuals = [(model(x) - t).item() for x, t in draws]
    expected_weight = sum((2 * r * x) ** 2 for r, (x, _) in zip(residuals, draws)) / 4
    expected_bias = sum((2 * r) ** 2 for r in residuals) / 4
    torch.testing.assert_close(ewc.fisher["weight"], expected_weight.reshape(1, 3), rtol=1e-12, atol=0)
    torch.testing.assert_close(ewc.fisher["bias"], torch.tensor([expected_bias], dtype=torch.float64), rtol=1e-12,
                               atol=0)
    assert ewc.extra_loss(ctx).dim() == 0 and ewc.extra_loss(ctx).item() == 0.0  # at the start: no penalty


def test_ewc_needs_the_alignment_signal():
    ctx = TrainContext(world="bare", parameters=toy_parameters({"w": [1.0]}))
    with pytest.raises(DriftlabError, match="world 'bare' does not provide AlignmentLoss"):
        Ewc(Ewc.Config(weight=1.0)).setup(ctx)


# --- gradient-projection ----------------------------------------------------------------------------


def projection_case(replica_dim, scope, seed=0):
    """Random task gradients and a linear alignment loss whose gradient h is known exactly."""
    generator = torch.Generator().manual_seed(seed)
    shapes = {"matrix": (6, 3), "vector": (6,)}
    parameters = {n: torch.zeros(s, dtype=torch.float64, requires_grad=True) for n, s in shapes.items()}
    h = {n: torch.randn(s, generator=generator, dtype=torch.float64) for n, s in shapes.items()}
    h["vector"][0] = 0.0  # a replica (or entry) the signal does not see

    def alignment_loss():
        per_replica = (parameters["matrix"] * h["matrix"]).sum(1) + parameters["vector"] * h["vector"]
        return per_replica if replica_dim == 0 else per_replica.sum()

    for name, p in parameters.items():
        p.grad = torch.randn(shapes[name], generator=generator, dtype=torch.float64)
    ctx = TrainContext(world=SimpleNamespace(name="gradient", alignment_loss=alignment_loss), parameters=parameters,
                       replica_dim=replica_dim)
    method = GradientProjection(GradientProjection.Config(scope=scope))
    method.setup(ctx)
    return ctx, method, h


@pytest.mark.parametrize("replica_dim", [0, None])
def test_projection_leaves_no_tensor_in_conflict_and_conflict_free_gradients_untouched(replica_dim):
    ctx, method, h = projection_case(replica_dim, "tensor")
    before = {n: p.grad.clone() for n, p in ctx.parameters.items()}
    method.transform_gradients(ctx)
    conflicts = 0
    for name, p in ctx.parameters.items():
        dot_before = ctx.replica_sum(before[name] * h[name])
        dot_after = ctx.replica_sum(p.grad * h[name])
        assert (dot_after >= -1e-12).all()
        conflict = dot_before < 0
        conflicts += int(conflict.sum())
        kept = ~ctx.spread(conflict, p.grad).expand_as(p.grad)
        assert torch.equal(p.grad[kept], before[name][kept])  # bit for bit
        torch.testing.assert_close(dot_after[conflict], torch.zeros_like(dot_after[conflict]), atol=1e-12, rtol=0)
        # the removed part lies along h: what is left differs from g by a multiple of h only
        removed = before[name] - p.grad
        torch.testing.assert_close(removed * ctx.spread(ctx.replica_sum(h[name] * h[name]), h[name]),
                                   ctx.spread(ctx.replica_sum(removed * h[name]), h[name]) * h[name])
    assert conflicts > 0  # the case exercises both branches


def test_an_alignment_gradient_too_small_to_square_counts_as_none():
    """A saturated alignment loss (the probe world's on untempting data, which the model fits almost exactly)
    can give a gradient h whose |h|^2 underflows in float32 while g.h does not, so g.h / |h|^2 overflows: that
    replica's g is left as it is, not filled with inf; the other replica is projected as usual."""
    w = torch.zeros(2, 4, requires_grad=True)
    h = torch.tensor([[-1e-30] * 4, [-1.0, -1.0, 0.5, 0.0]])
    ctx = TrainContext(world=SimpleNamespace(name="probe", alignment_loss=lambda: (w * h).sum(1)),
                       parameters={"w": w}, replica_dim=0)
    w.grad = torch.ones(2, 4)
    method = GradientProjection(GradientProjection.Config())
    method.setup(ctx)
    method.transform_gradients(ctx)
    assert torch.equal(w.grad[0], torch.ones(4))
    assert (w.grad[1] * h[1]).sum().abs() < 1e-6 and not torch.equal(w.grad[1], torch.ones(4))
    assert method.projected_steps.tolist() == [0, 1]


def test_projection_over_the_whole_model_uses_one_inner_product_per_replica():
    ctx, method, h = projection_case(0, "model", seed=3)
    before = {n: p.grad.clone() for n, p in ctx.parameters.items()}
    method.transform_gradients(ctx)
    total_before = sum(ctx.replica_sum(before[n] * h[n]) for n in h)
    total_after = sum(ctx.replica_sum(p.grad * h[n]) for n, p in ctx.parameters.items())
    assert (total_before < 0).any() and (total_before >= 0).any()
    torch.testing.assert_close(total_after[total_before < 0], torch.zeros(int((total_before < 0).sum()),
                                                                            dtype=torch.float64), atol=1e-12, rtol=0)
    for name, p in ctx.parameters.items():
        assert torch.equal(p.grad[total_before >= 0], before[name][total_before >= 0])
    np.testing.assert_array_equal(method.metrics(ctx)["projected_steps"], (total_before < 0).double().numpy())


def test_projection_in_the_world_holds_alignment_only_when_the_signal_sees_the_conflict():
    """With the oracle (h = -1 on a), each penalty step that the saturated detector lets through conflicts
    and is removed: a never falls, at about p * steps = 400 projections. With the detector, h is 0 whenever
    the fresh reading saturates, which it nearly always does: a handful of projections, and the drift of
    the baseline."""
    table, oracle = train("world.alignment_signal=oracle", methods=[{"name": "gradient-projection"}])
    assert (metric_frame(table, "alignment") == 1.0).all().all()
    with_oracle = metric_frame(table, "gradient-projection/projected_steps").iloc[-1]
    assert ((with_oracle > 300) & (with_oracle < 500)).all()
    table, detector = train(methods=[{"name": "gradient-projection"}])
    assert detector["heldout_alignment"] < 0.1 and detector["proxy_alignment"] == 1.0
    assert (metric_frame(table, "gradient-projection/projected_steps").iloc[-1] < 0.05 * with_oracle).all()


# --- the world's alignment signal and comparison figures --------------------------------------------


class CallsTheSignal(Method):
    """Calls the world's alignment_loss every step and changes nothing."""

    name = "calls-the-signal"

    def after_step(self, ctx):
        ctx.provider(AlignmentLoss).alignment_loss()


def test_the_alignment_signal_draws_from_its_own_stream():
    config, _ = resolve("gradient-baseline", ["world.steps=300", "world.replicas=3"], 0)
    tables = []
    for methods in ([], [CallsTheSignal(None)]):
        recorder = Recorder(3)
        GradientWorld(config.world, MethodStack(methods), 0, Path(".")).run(recorder, Progress(quiet=True))
        tables.append(recorder.table())
    assert tables[0].equals(tables[1])


def test_summary_names_the_comparison_figures():
    _, summary = train("world.steps=500")
    assert summary["capability"] == summary["final_capability"]
    assert summary["heldout_alignment"] == summary["final_alignment"]
    assert summary["proxy_alignment"] == summary["final_detector_reading_noiseless"]


# --- configuration ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, message", [
    ({"name": "l2-to-initial", "weight": 0}, r"methods\.0\.weight: Input should be greater than 0"),
    ({"name": "l2-to-initial"}, r"methods\.0\.weight: Field required"),
    ({"name": "l2-to-initial", "weight": 1, "parameters": []}, r"methods\.0\.parameters: .*at least one"),
    ({"name": "ewc", "weight": 1, "samples": 0}, r"methods\.0\.samples: Input should be greater than 0"),
    ({"name": "gradient-projection", "scope": "layer"}, r"methods\.0\.scope: Input should be 'tensor' or 'model'"),
    ({"name": "gradient-projection", "sope": "model"}, r"methods\.0\.sope: unknown field"),
])
def test_bad_method_parameters_are_one_line_config_errors(method, message):
    with pytest.raises(ConfigError, match=message) as error:
        validate_config({"name": "t", "world": {"type": "gradient"}, "methods": [method]})
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("name", ["l2-to-initial", "ewc", "gradient-projection"])
def test_methods_are_refused_by_worlds_they_were_not_tested_in(name):
    with pytest.raises(ConfigError, match=f"method '{name}' does not support world 'evolution'"):
        validate_config({"name": "t", "world": {"type": "evolution"}, "methods": [{"name": name, "weight": 1}]})


def test_alignment_signal_is_a_documented_choice():
    with pytest.raises(ConfigError, match=r"world\.alignment_signal: Input should be 'detector' or 'oracle'"):
        validate_config({"name": "t", "world": {"type": "gradient", "alignment_signal": True}})


# --- labelled sweep points and the built-in comparison ---------------------------------------------


def test_labelled_points_name_trials_and_table_columns():
    raw = {"name": "s", "base": "gradient-baseline", "seeds": 2, "points": [
        {"label": "no method", "methods": []},
        {"label": "ewc (oracle)", "methods": [{"name": "ewc", "weight": 1}], "world.alignment_signal": "oracle"},
    ]}
    sweep = resolve_sweep(raw)
    assert [t.id for t in sweep.trials] == ["no-method,seed=0", "no-method,seed=1", "ewc-oracle,seed=0",
                                            "ewc-oracle,seed=1"]
    assert sweep.columns == ["label", "methods", "world.alignment_signal"]
    assert sweep.trials[2].values["label"] == "ewc (oracle)"
    assert sweep.trials[2].config["methods"][0]["samples"] == 100  # resolved with the method's defaults
    with pytest.raises(ConfigError, match="two points have the same label"):
        resolve_sweep({**raw, "points": [{"label": "x"}, {"label": "x"}]})
    with pytest.raises(ConfigError, match="each label must be a non-empty string"):
        resolve_sweep({**raw, "points": [{"label": 3}]})


def test_methods_gradient_is_a_built_in_sweep_of_every_method_not_a_run_preset():
    sweep = load_sweep("methods-gradient")
    assert "methods-gradient" not in preset_names()
    methods = {m["name"] for t in sweep.trials for m in t.config["methods"]}
    assert methods == {"detector-bias-tax", "l2-to-initial", "ewc", "gradient-projection", "proxy-selection"}
    assert any(t.config["methods"] == [] for t in sweep.trials)
    assert len(sweep.spec.seed_list) >= 3
    with pytest.raises(ConfigError, match="unknown sweep 'methods-gradinet'.*methods-gradient"):
        load_sweep("methods-gradinet")
