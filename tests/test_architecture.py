"""ARCHITECTURE.md stays true: every registered world, method hook group, capability and CLI command is named."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

from driftlab import capabilities
from driftlab.cli import build_parser
from driftlab.methods.base import HOOK_GROUPS
from driftlab.registry import WORLDS

TEXT = (Path(__file__).parents[1] / "ARCHITECTURE.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = TEXT.index(f"## {title}\n")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start:end if end > 0 else None]


def test_every_registered_world_is_described():
    worlds = section("Worlds today")
    missing = [name for name in WORLDS.names() if f"- `{name}`" not in worlds]
    assert not missing, f"ARCHITECTURE.md, Worlds today, lacks: {missing}"


def test_every_hook_group_and_its_hooks_are_in_the_contract_table():
    contract = section("The world/method contract")
    for group, hooks in HOOK_GROUPS.items():
        assert f"| `{group}` |" in contract, group
        assert all(f"`{hook}" in contract for hook in hooks), group


def test_every_capability_is_in_the_capabilities_table():
    protocols = [name for name, value in vars(capabilities).items()
                 if inspect.isclass(value) and getattr(value, "_is_protocol", False) and value.__module__ == capabilities.__name__]
    assert protocols
    missing = [name for name in protocols if f"| `{name}` |" not in TEXT]
    assert not missing, f"ARCHITECTURE.md lacks capabilities: {missing}"


def test_every_command_is_named():
    parser = build_parser()
    (commands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    described = section("Commands")
    missing = [name for name in commands.choices if f"`{name}`" not in described and f"`driftlab {name}`" not in described]
    assert not missing, f"ARCHITECTURE.md, Commands, lacks: {missing}"
