"""Figures of a run, drawn from its tidy table alone (never from a world's internals).

Each module here registers the figure maker of one world with ``@FIGURES.register_as(world_name)``;
``common`` holds the drawing helpers they share.
"""

from __future__ import annotations
