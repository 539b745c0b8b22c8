"""Methods: interventions a config lists under ``methods:``. One module per method; see base.py."""

from .base import Method, MethodStack, TrainContext

__all__ = ["Method", "MethodStack", "TrainContext"]
