"""Run configuration: one validated tree, ``run -> world -> methods``.

A config starts as plain data (a preset, a YAML file, ``--set`` overrides), and is validated in one
place before anything runs: the world's own schema checks ``world``, each method's schema checks its
entry in ``methods``. Any problem becomes a one-line :class:`ConfigError` naming the field.
"""

from __future__ import annotations

import copy
import re
import sys
import typing
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import (BaseModel, ConfigDict, Field, NonNegativeInt, SerializeAsAny, ValidationError, ValidationInfo,
                      field_validator)

from .errors import ConfigError
from .io import read_text
from .registry import METHODS, WORLDS


class StrictModel(BaseModel):
    """Base of every config section: unknown keys are errors, not silently ignored; a number must be finite
    (``.inf`` where a rate or a prior is meant gave silently wrong runs; a field that means infinity says
    ``allow_inf_nan=True``) and may not be a boolean (``seed: true`` is not seed 1)."""

    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if _boolean_for_a_number(cls.model_fields[info.field_name].annotation, value):
            raise ValueError("expected a number, not true or false")
        return value


def _boolean_for_a_number(annotation: Any, value: Any) -> bool:
    """Whether ``value`` holds a boolean where ``annotation`` takes a number and no boolean (pydantic would
    read it as 0 or 1), looking into lists and mappings."""
    options = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, type(int | None)) \
        else (annotation,)
    options = tuple(typing.get_args(option)[0] if typing.get_origin(option) is typing.Annotated else option
                    for option in options)
    if isinstance(value, bool):
        return any(option in (int, float) for option in options) and bool not in options and Any not in options
    if isinstance(value, list):
        elements = [typing.get_args(option)[0] for option in options if typing.get_origin(option) is list]
        return any(_boolean_for_a_number(element, item) for element in elements for item in value)
    if isinstance(value, dict):
        elements = [typing.get_args(option)[1] for option in options if typing.get_origin(option) is dict]
        return any(_boolean_for_a_number(element, item) for element in elements for item in value.values())
    return False


class WorldConfig(StrictModel):
    """Base of each world's config; ``type`` picks the world."""

    type: str


class MethodConfig(StrictModel):
    """Base of each method's parameters; ``name`` picks the method."""

    name: str


class RecordSchedule(StrictModel):
    """Which steps get metrics recorded: log-spaced (the post plots on a log axis) or every step."""

    schedule: Literal["log", "every"] = "log"
    points: int = Field(100, gt=1, description="number of log-spaced steps (schedule: log)")
    interval: int = Field(
        0, ge=0, description="schedule log: also every this many steps (0: none), for the late dynamics a log "
        "schedule records sparsely",
    )

    def count(self, total: int) -> int:
        """At most how many steps ``steps(total)`` records, without listing them (for memory estimates)."""
        if self.schedule == "every":
            return total + 1
        return min(total + 1, self.points + (total // self.interval + 1 if self.interval else 0))

    def steps(self, total: int) -> np.ndarray:
        """Sorted unique steps in [0, total] to record; always includes 0 and ``total``."""
        if self.schedule == "every" or total + 1 <= self.points:
            return np.arange(total + 1)
        logged = np.unique(np.round(np.logspace(0, np.log10(total), self.points - 1)).astype(np.int64))
        regular = np.arange(0, total + 1, self.interval) if self.interval else np.zeros(0, np.int64)
        return np.union1d(np.concatenate([[0], logged]), regular)


def existing_file(value: str, what: str) -> str:
    """A validator body for fields that name a user file: a missing file is a config error at once."""
    if not Path(value).expanduser().is_file():
        raise ValueError(f"{what} file not found: {value}")
    return value


def builtin_or_file(value: str, what: str) -> str:
    """A validator body for data fields: ``builtin`` (what driftlab ships), or a user file that exists."""
    return value if value == "builtin" else existing_file(value, what)


class RunConfig(StrictModel):
    name: str = Field(min_length=1)
    description: str = ""
    seed: NonNegativeInt = 0
    world: SerializeAsAny[WorldConfig]
    methods: list[SerializeAsAny[MethodConfig]] = []


def _first_error(error: ValidationError, prefix: str) -> str:
    """One line: the first problem with its dotted field path (and how many more there are)."""
    errors = error.errors()
    first = errors[0]
    path = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
    message = first["msg"].removeprefix("Value error, ")
    # A model-level check (empty loc) gets the whole section as input: the message alone names the problem.
    if first["type"] not in ("missing", "extra_forbidden") and "input" in first and first["loc"]:
        message += f" (got {first['input']!r})"
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{path}: {message}{more}" if path else f"{message}{more}"


def _validate(model: type[BaseModel], data: Any, prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_first_error(error, prefix)) from None


def validate_config(raw: Any) -> RunConfig:
    """Turn plain data into a :class:`RunConfig`, or raise a one-line ConfigError."""
    if not isinstance(raw, dict):
        raise ConfigError(f"config: expected a mapping, got {type(raw).__name__}")
    world_raw = raw.get("world")
    if not isinstance(world_raw, dict):
        raise ConfigError("world: required, a mapping with a 'type' field")
    world_cls = WORLDS.get(world_raw.get("type"), "world.type")
    world = _validate(world_cls.Config, world_raw, "world")

    methods_raw = raw.get("methods") or []
    if not isinstance(methods_raw, list):
        raise ConfigError("methods: expected a list of {name: ..., <parameters>} entries")
    methods = []
    for i, entry in enumerate(methods_raw):
        if not isinstance(entry, dict):
            raise ConfigError(f"methods.{i}: expected a mapping with a 'name' field")
        method_cls = METHODS.get(entry.get("name"), f"methods.{i}.name")
        problem = method_cls.incompatibility(world_cls)  # does the world run such a method at all?
        method = None if problem else _validate(method_cls.Config, entry, f"methods.{i}")
        problem = problem or method_cls.incompatibility(world_cls, method)  # and with these parameters?
        if problem:
            raise ConfigError(f"methods.{i}.name: {problem}")
        methods.append(method)
    return _validate(RunConfig, {**raw, "world": world, "methods": methods}, "")


def dump_config(config: RunConfig) -> str:
    """The fully resolved config as YAML: defaults filled in, enough to re-run exactly."""
    return dump_yaml(config.model_dump(mode="json"))


# --- YAML as configs mean it -------------------------------------------------------------------

INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
YAML12_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
YAML12_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                          r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
MAX_DEPTH = 100  # far beyond any config; deeper data would exhaust Python's recursion later


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with plain numbers read as YAML 1.2 reads them (YAML 1.1 made ``1:10`` the base-60
    number 70 and ``010`` eight) and a repeated key an error (YAML 1.1 loaders silently keep the last)."""

    yaml_implicit_resolvers = {first: [(tag, regexp) for tag, regexp in resolvers if tag not in (INT_TAG, FLOAT_TAG)]
                               for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, typing.Hashable):
                continue  # the constructor refuses it below
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} appears twice",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_yaml12_int(self, node) -> int:
        text = self.construct_scalar(node)
        if len(text) > sys.get_int_max_str_digits():
            raise yaml.constructor.ConstructorError(None, None, f"an integer of {len(text)} digits is too long "
                                                    f"(at most {sys.get_int_max_str_digits()})", node.start_mark)
        return int(text[2:], 8 if text[1] == "o" else 16) if text[:2] in ("0o", "0x") else int(text)


class _Dumper(yaml.SafeDumper):
    """Quotes every string that a YAML 1.1 reader (PyYAML's ``safe_load``) or :class:`_Loader` would take for
    something else, so that both read what it writes back as written."""


for _cls in (_Loader, _Dumper):
    _cls.add_implicit_resolver(INT_TAG, YAML12_INT, list("-+0123456789"))
    _cls.add_implicit_resolver(FLOAT_TAG, YAML12_FLOAT, list("-+.0123456789"))
_Loader.add_constructor(INT_TAG, _Loader.construct_yaml12_int)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False)


def _depth(data: Any) -> int:
    """How deeply lists and mappings nest in ``data`` (counted without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


# --- where configs come from -------------------------------------------------------------------


def _preset_files() -> dict[str, Any]:
    folder = resources.files("driftlab") / "presets"
    return {entry.name.rsplit(".", 1)[0]: entry for entry in folder.iterdir() if entry.name.endswith(".yaml")}


def preset_names() -> list[str]:
    return sorted(_preset_files())


def _parse_yaml(text: str, source: str) -> Any:
    too_deep = ConfigError(f"{source}: nested more than {MAX_DEPTH} levels deep")
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "malformed YAML"
        raise ConfigError(f"{source}{where}: {problem}") from None
    except RecursionError:
        raise too_deep from None
    if _depth(data) > MAX_DEPTH:
        raise too_deep
    return data


def load_preset(name: str) -> dict:
    files = _preset_files()
    if name not in files:
        raise ConfigError(f"unknown preset {name!r} (known: {', '.join(sorted(files))}; see `driftlab presets`)")
    return _parse_yaml(files[name].read_text(), f"preset {name}")


def load_target(target: str) -> tuple[Any, str]:
    """Plain config data from a preset name or a YAML file, and the stem that names its runs."""
    path = Path(target)
    if path.is_file() or path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise ConfigError(f"config file not found: {target}")
        return _parse_yaml(read_text(path), str(path)), path.stem
    if path.is_dir() and target not in _preset_files():  # a run directory named like a preset does not shadow it
        raise ConfigError(f"{target} is a directory, not a config file or a preset name")
    return load_preset(target), target


def apply_overrides(raw: Any, overrides: list[str]) -> Any:
    """Apply ``--set a.b.c=value`` overrides (values parsed as YAML; list items by index)."""
    raw = copy.deepcopy(raw)
    for override in overrides:
        key, sep, text = override.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {override!r}: expected key=value, e.g. world.agents=2000")
        set_field(raw, key, _parse_yaml(text, f"--set {key}"))
    return raw


def set_field(raw: Any, key: str, value: Any, source: str = "--set") -> None:
    """Set the dotted field ``key`` of plain config data in place (list items by index).

    ``source`` names where the key came from in error messages (``--set``, a sweep's grid, ...).
    """
    parts = key.strip().split(".")
    node = raw
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(f"{source} {key}: {where} is not an index of a {len(node)}-item list")
            part = int(part)
        elif not isinstance(node, dict):
            raise ConfigError(f"{source} {key}: {'.'.join(parts[:depth]) or 'config'} is not a mapping")
        if last:
            node[part] = copy.deepcopy(value)
        else:
            if isinstance(node, dict) and not isinstance(node.get(part), (dict, list)):
                node[part] = {}
            node = node[part]


def resolve(target: str, overrides: list[str] = (), seed: int | None = None) -> tuple[RunConfig, str]:
    """Everything ``driftlab run`` does before running: load, override, validate."""
    raw, stem = load_target(target)
    raw = apply_overrides(raw, list(overrides))
    if seed is not None:
        if not isinstance(raw, dict):
            raise ConfigError(f"config: expected a mapping, got {type(raw).__name__}")
        raw["seed"] = seed
    return validate_config(raw), stem
