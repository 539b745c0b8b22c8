"""driftlab: simulate, measure and counter alignment drift."""

__version__ = "0.1.0"
