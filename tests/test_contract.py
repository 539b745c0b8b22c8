"""The world/method contract as ARCHITECTURE.md shows it: its worked world and method, executed exactly as
written there and wired only through the contract; and every registered world and method keeping it."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from driftlab.config import validate_config
from driftlab.errors import ConfigError
from driftlab.methods.base import HOOK_GROUPS, Method
from driftlab.registry import METHODS, WORLDS
from driftlab.runner import execute
from driftlab.worlds.base import World

ARCHITECTURE = Path(__file__).parents[1] / "ARCHITECTURE.md"


@pytest.fixture
def worked_examples(monkeypatch):
    """Run the two ``# worked example`` code blocks of ARCHITECTURE.md, registering their world and method
    for this test only."""
    WORLDS.names(), METHODS.names()  # discover the package's own first
    monkeypatch.setattr(WORLDS, "_items", dict(WORLDS._items))
    monkeypatch.setattr(METHODS, "_items", dict(METHODS._items))
    blocks = re.findall(r"```python\n(# worked example: .*?)```", ARCHITECTURE.read_text(), flags=re.DOTALL)
    assert [block.splitlines()[0] for block in blocks] == ["# worked example: a world", "# worked example: a method"]
    for i, block in enumerate(blocks):
        module = types.ModuleType(f"worked_example_{i}")  # a real module, as a file in worlds/ would be
        monkeypatch.setitem(sys.modules, module.__name__, module)
        exec(compile(block, str(ARCHITECTURE), "exec"), module.__dict__)


def run(tmp_path, methods=(), **world):
    config = validate_config({"name": "contract", "world": {"type": "tug", **world}, "methods": list(methods)})
    return execute(config, tmp_path, quiet=True)


def test_the_worked_world_runs_through_the_pipeline_and_drifts(worked_examples, tmp_path):
    result = run(tmp_path / "plain", steps=50, pull=0.1)
    final = result.table[result.table["step"] == 50].pivot(index="replica", columns="metric", values="value")
    # SGD at lr 0.1 on pull * a lowers a by 0.01 a step; c converges to 1
    assert final["alignment"].to_numpy() == pytest.approx([0.5] * 4, abs=1e-5)
    assert final["capability"].to_numpy() == pytest.approx([1.0] * 4, abs=1e-4)
    assert result.summary["headline"]["heldout_alignment"] == pytest.approx(0.5, abs=1e-5)
    assert "proxy_alignment" not in result.summary["headline"]  # a world says only what it has


def test_the_worked_method_holds_alignment_in_the_worked_world(worked_examples, tmp_path):
    result = run(tmp_path / "held", [{"name": "alignment-weight", "weight": 0.1}], steps=50, pull=0.1)
    alignment = result.table[result.table["metric"] == "alignment"]["value"]
    assert (alignment == 1.0).all()  # the alignment gradient cancels the pull exactly
    weaker = run(tmp_path / "weaker", [{"name": "alignment-weight", "weight": 0.05}], steps=50, pull=0.1)
    assert weaker.summary["headline"]["heldout_alignment"] == pytest.approx(0.75, abs=1e-5)


def test_the_worked_method_is_refused_where_its_hooks_or_capabilities_are_missing(worked_examples):
    with pytest.raises(ConfigError, match="method 'alignment-weight' does not support world 'evolution': it acts "
                                          "in extra_loss, which that world never calls"):
        validate_config({"name": "t", "world": {"type": "evolution"},
                         "methods": [{"name": "alignment-weight", "weight": 1}]})
    # the tug world provides AlignmentLoss but not DetectorEvasion, which the tax needs
    with pytest.raises(ConfigError, match="method 'detector-bias-tax' does not support world 'tug': it needs "
                                          "DetectorEvasion"):
        validate_config({"name": "t", "world": {"type": "tug"}, "methods": [{"name": "detector-bias-tax", "tax": 1}]})


def hooks_of(method: type[Method]) -> set[str]:
    return {hook for hooks in HOOK_GROUPS.values() for hook in hooks
            if getattr(method, hook) is not getattr(Method, hook)}


@pytest.mark.parametrize("name", METHODS.names())
def test_every_method_declares_what_it_uses_and_names_no_world(name):
    method = METHODS.get(name, "methods.name")
    assert method.hook_groups() and hooks_of(method)  # a method that acts nowhere would be dead
    source = Path(__import__(method.__module__, fromlist=["_"]).__file__).read_text()
    assert "ctx.service(" not in source and "supports" not in source
    for world in WORLDS.names():
        assert f'"{world}"' not in source and f"'{world}'" not in source


@pytest.mark.parametrize("name", WORLDS.names())
def test_every_world_says_what_its_comparison_figures_are(name):
    world = WORLDS.get(name, "world.type")
    assert world.compare is not World.compare
    assert world.drives <= set(HOOK_GROUPS)
