"""Yield-curve analysis: observed accumulation and species-accumulation estimators."""
from harness.analysis.observed import DiscoveryLog, log_spaced_steps
from harness.analysis.richness import ChaoEstimate, chao, pass_at_k, richness

__all__ = ["ChaoEstimate", "DiscoveryLog", "chao", "log_spaced_steps", "pass_at_k", "richness"]
