"""All the science of the harness, one API for one run, a comparison and a report.

`SeededRuns` holds the discovery tables of N seeded runs of one solver (one run: N = 1); the
functions of `runs` choose the method by the solver's kind (exchangeable or adaptive).
"""
from harness.analysis.fits import YieldVerdict
from harness.analysis.observed import DiscoveryLog, discoveries_by_operator, log_spaced_steps
from harness.analysis.richness import (ChaoEstimate, additional_attempts, attempts_per_discovery, chao, pass_at_k,
                                       richness)
from harness.analysis.runs import SeededRuns, analyse, asymptote, price, prices, solved_curve, verdict, yield_curve

__all__ = ["ChaoEstimate", "DiscoveryLog", "SeededRuns", "YieldVerdict", "additional_attempts", "analyse",
           "asymptote", "attempts_per_discovery", "chao", "discoveries_by_operator", "log_spaced_steps", "pass_at_k",
           "price", "prices", "richness", "solved_curve", "verdict", "yield_curve"]
