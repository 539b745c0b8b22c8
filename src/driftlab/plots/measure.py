"""Figures of the ``measure`` world: the lm world's, over checkpoint steps (no training loss)."""

from __future__ import annotations

import pandas as pd

from ..registry import FIGURES
from .lm import lm_figures


@FIGURES.register_as("measure")
def measure_figures(table: pd.DataFrame, config) -> dict:
    figures = lm_figures(table, config, steps="checkpoint step")
    figures["capability"] = figures.pop("training")  # capability and KL: nothing was trained here
    return figures
