"""Yield-curve analysis."""
from harness.analysis.observed import DiscoveryLog, log_spaced_steps

__all__ = ["DiscoveryLog", "log_spaced_steps"]
