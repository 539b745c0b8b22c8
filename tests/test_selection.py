"""Selection as one mechanism: the rollback of a rejected update (weights and optimizer state, per replica),
and proxy-selection in every world that offers a proxy (the lm world's stage gate: test_methods_routing_selection)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from driftlab.config import validate_config
from driftlab.errors import ConfigError
from driftlab.methods.base import MethodStack, TrainContext
from driftlab.nets import BatchedMLP, optimizer_state
from driftlab.progress import Progress
from driftlab.registry import WORLDS
from driftlab.table import Recorder, metric_frame
from driftlab.training import TrainingStep, make_optimizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SELECTION = "proxy-selection"
WORLDS_SMALL = {  # a few hundred steps of each toy world that offers a proxy
    "gradient": {"type": "gradient", "replicas": 6, "steps": 3000, "lr": 0.05},
    "simplicity": {"type": "simplicity", "replicas": 4, "alignment": {"steps": 300},
                   "capability": {"steps": 300, "weight_decay": [0.1]}},
    "probe": {"type": "probe", "replicas": 4, "pretrain_steps": 60, "steps": 200, "nudge_rate": 0.3,
              "eval_examples": 128, "detector": {"audit_every": 25, "trigger": 0.0, "retrain_every": 50,
                                                 "label_noise": 0.1, "examples": 64},
              "record": {"points": 4, "interval": 100}},
}


def run(world: dict, methods=(), seed: int = 0) -> pd.DataFrame:
    config = validate_config({"name": "t", "seed": seed, "world": world, "methods": list(methods)})
    instance = WORLDS.get(config.world.type, "world.type")(config.world, MethodStack.from_configs(config.methods),
                                                           config.seed, Path("."))
    recorder = Recorder(instance.replicas)
    instance.run(recorder, Progress(quiet=True))
    return recorder.table()


def without_method_metrics(table: pd.DataFrame) -> pd.DataFrame:
    return table[~table["metric"].str.startswith(f"{SELECTION}/")].reset_index(drop=True)


def adam_step(replicas=4, judge=None, steps=3):
    """A batched MLP after ``steps`` AdamW steps through TrainingStep, with the state before the last step."""
    model = BatchedMLP(replicas, [3, 5, 1], seed=0)
    parameters = dict(model.named_parameters())
    optimizer = make_optimizer("adamw", parameters.values(), 0.05, 0.01)
    ctx = TrainContext(world=None, parameters=parameters, model=model, replica_dim=0)
    x = torch.randn(replicas, 8, 3, generator=torch.Generator().manual_seed(1))
    before = None
    for t in range(steps):
        step = TrainingStep(MethodStack([]), optimizer, judge=judge if t == steps - 1 else None)
        before = [v.clone() for v in [*parameters.values(), *optimizer_state(optimizer)]]
        ctx.step = t
        step(ctx, x, lambda parts: [[model(p)[0].square().mean((-2, -1))] for p in parts])
    after = [*parameters.values(), *optimizer_state(optimizer)]
    return before, after, ctx


def test_a_rejected_update_leaves_weights_and_optimizer_state_exactly_as_before_it():
    keep = torch.tensor([True, False, True, False])
    before, after, ctx = adam_step(judge=lambda ctx: keep)
    _, free, _ = adam_step()  # the same steps with every update kept
    assert torch.equal(ctx.accepted, keep)
    assert len(after) == len(before) > 4  # weights and biases, and Adam's two moments of each
    for was, now, unjudged in zip(before, after, free):
        assert torch.equal(now[~keep], was[~keep])  # rejected replicas: bit for bit as before the step
        assert torch.equal(now[keep], unjudged[keep])  # kept replicas: the update, untouched
        assert not torch.equal(now[keep], was[keep])


def test_a_rejected_first_update_leaves_the_optimizer_as_it_starts():
    keep = torch.tensor([False, True, True, True])
    before, after, _ = adam_step(judge=lambda ctx: keep, steps=1)
    weights = len(before)
    assert len(after) == 3 * weights  # AdamW created its moments in this step
    for was, now in zip(before, after[:weights]):
        assert torch.equal(now[0], was[0])
    for moment in after[weights:]:
        assert (moment[0] == 0).all() and (moment[1:] != 0).any()


@pytest.mark.parametrize("name", sorted(WORLDS_SMALL))
def test_proxy_selection_that_never_rejects_changes_nothing(name):
    alone = run(WORLDS_SMALL[name])
    gated = run(WORLDS_SMALL[name], [{"name": SELECTION, "threshold": float("inf")}])
    pd.testing.assert_frame_equal(without_method_metrics(gated), alone)
    assert (metric_frame(gated, f"{SELECTION}/rejections") == 0).all().all()
    assert (metric_frame(gated, f"{SELECTION}/accepted") == 1).all().all()


@pytest.mark.parametrize("name, frozen", [("gradient", ["alignment", "capability", "detector_bias"]),
                                          ("simplicity", ["weight_norm", "off_goal_agreement", "on_loss"]),
                                          ("probe", ["capability", "misalignment", "activation_norm"])])
def test_proxy_selection_that_rejects_everything_keeps_the_starting_model(name, frozen):
    table = run(WORLDS_SMALL[name], [{"name": SELECTION, "threshold": float("-inf")}])
    for metric in frozen:
        values = metric_frame(table, metric)
        assert (values.iloc[1:] == values.iloc[0]).all().all(), metric
    rejections = metric_frame(table, f"{SELECTION}/rejections")
    assert (rejections.iloc[-1] == rejections.index.max()).all()  # each of the updates before the last record


def test_a_gate_on_a_saturated_detector_lets_alignment_drift_and_counts_it():
    """The post's point, with the gate as a method: the detector reads 1 while alignment falls, so a gate that
    rejects any rise in the detector's misalignment reading accepts the drift, and counts it."""
    gated = run(WORLDS_SMALL["gradient"], [{"name": SELECTION, "threshold": 0.0}])
    alignment = metric_frame(gated, "alignment").iloc[-1]
    assert (alignment < 0.9).all()
    assert (metric_frame(gated, "slip/worse_updates").iloc[-1] > 100).all()  # accepted, and alignment fell
    assert (metric_frame(gated, f"{SELECTION}/proxy").iloc[-1] <= 1e-9).all()  # the detector read "aligned"
    # the gate does act: where the detector is below saturation, updates that lower its reading are undone
    assert (metric_frame(gated, f"{SELECTION}/rejections").iloc[-1] > 0).any()


def test_the_probe_worlds_reject_mode_is_the_same_rollback():
    world = json.loads(json.dumps(WORLDS_SMALL["probe"]))
    world["pressure"] = {"mode": "reject", "reject_at": 0.0}  # every deployed probe fires: its replicas freeze
    table = run(world)
    rejected = metric_frame(table, "rejected").iloc[-1]
    deployed = metric_frame(table, "deployed").iloc[-1] > 0
    assert deployed.any() and (rejected[deployed] > 0).all() and (rejected[~deployed] == 0).all()


def test_a_proxy_statistic_the_world_lacks_is_one_line():
    with pytest.raises(ConfigError, match=r"proxy-selection\.statistic: 'loss' is not a proxy of world 'gradient' "
                                          r"\(it has: detector\)"):
        validate_config({"name": "t", "world": {"type": "gradient"}, "methods": [{"name": SELECTION,
                                                                                  "statistic": "loss"}]})
    with pytest.raises(ConfigError, match="does not support world 'evolution'"):
        validate_config({"name": "t", "world": {"type": "evolution"}, "methods": [{"name": SELECTION}]})


def test_simplicity_proxy_statistics_read_the_developers_data():
    error = run(WORLDS_SMALL["simplicity"], [{"name": SELECTION, "threshold": float("inf"), "statistic": "error"}])
    loss = run(WORLDS_SMALL["simplicity"], [{"name": SELECTION, "threshold": float("inf"), "statistic": "loss"}])
    last = metric_frame(error, "on_accuracy").index.max()
    np.testing.assert_allclose(metric_frame(error, f"{SELECTION}/proxy").loc[last],
                               1 - metric_frame(error, "on_accuracy").loc[last])
    np.testing.assert_allclose(metric_frame(loss, f"{SELECTION}/proxy").loc[last], metric_frame(loss, "on_loss").loc[last])
    np.testing.assert_allclose(metric_frame(error, f"{SELECTION}/heldout").loc[last],
                               1 - metric_frame(error, "off_goal_agreement").loc[last])


def test_every_world_that_offers_a_proxy_names_its_statistics_and_what_it_offers():
    from driftlab.capabilities import ProxyReadings

    providers = [world for name in WORLDS.names() if issubclass(world := WORLDS.get(name, "world.type"), ProxyReadings)]
    assert sorted(world.name for world in providers) == ["gradient", "lm", "memory", "probe", "simplicity"]
    for world in providers:
        assert world.proxy_statistics and all(isinstance(s, str) for s in world.proxy_statistics)
        assert world.selects_per in ("step", "stage") and "selection" in world.drives
