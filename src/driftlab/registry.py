"""Plugin registries: a new world or method is one new module that registers itself.

Every module inside the ``driftlab.worlds``, ``driftlab.methods`` and ``driftlab.plots`` packages is
imported on first lookup, so dropping a file there is all it takes to add one.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Generic, TypeVar

from .errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, package: str):
        self.kind = kind
        self.package = package
        self._items: dict[str, type[T]] = {}
        self._discovered = False

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: register ``cls`` under ``cls.name``."""
        return self.register_as(cls.name)(cls)  # type: ignore[attr-defined]

    def register_as(self, name: str):
        """Decorator: register the decorated object under ``name``."""

        def decorate(item):
            if name in self._items and self._items[name] is not item:
                raise RuntimeError(f"two {self.kind}s are named {name!r}")
            self._items[name] = item
            return item

        return decorate

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        package = importlib.import_module(self.package)
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{self.package}.{module.name}")

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._items)

    def find(self, name: str):
        """The item registered as ``name``, or None."""
        self._discover()
        return self._items.get(name)

    def get(self, name: object, field: str) -> type[T]:
        """The class registered as ``name``; a ConfigError naming ``field`` if there is none."""
        self._discover()
        if not isinstance(name, str) or name not in self._items:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"{field}: unknown {self.kind} {name!r} (known: {known})")
        return self._items[name]


WORLDS: Registry = Registry("world", "driftlab.worlds")
METHODS: Registry = Registry("method", "driftlab.methods")
# Figure makers per world name: ``(table, world_config) -> {file stem: matplotlib Figure}``.
FIGURES: Registry = Registry("figure set", "driftlab.plots")
