"""Worlds: the things being modified. One module per world; see base.py."""

from .base import World

__all__ = ["World"]
