"""Figures of a run, drawn from its tidy table alone (never from a world's internals).

Each module here registers the figure maker of one world with ``@FIGURES.register_as(world_name)``;
``common`` holds the drawing helpers they share.
"""

from __future__ import annotations

import pandas as pd

from ..registry import FIGURES


def figures(world: str, table: pd.DataFrame, config) -> dict:
    """``{file stem: Figure}`` for a run of ``world`` (none if the world registered no figures)."""
    make = FIGURES.find(world)
    return make(table, config) if make else {}
