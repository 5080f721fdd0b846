"""The names a run's numbers get in MLflow, grouped the way MLflow's chart view groups them:
by the prefix before '/', one section per prefix, in the order a reviewer reads them.

    yield/     distinct discoveries per tier and problems solved, step = attempts per problem
    estimate/  the analysis' curve per tier with its 95% band (_lower, _upper), step = m
    cost/      tokens, dollars and CPU seconds spent, step = attempts per problem
    tiers/     how many attempts ended in each tier (one value per run)
    speed/     attempts per second, start-up and elapsed seconds (one value per run)
    summary/   scalars of the analysis (Chao, coverage, slopes, prices): columns of the runs
               table, hidden from the arranged chart view (harness.tracking.review)

Runs made before 2026-12-02 have flat names (valid, est_valid, chao_valid, tier_wrong, ...).
harness-compare and harness-report read a run's artifacts (curve.csv, discoveries.csv,
summary.json), not its metric histories, so they read those runs as before; their MLflow
charts keep the old names (nothing is migrated).
"""
from __future__ import annotations

SECTIONS = ("yield", "estimate", "cost", "tiers", "speed")
SUMMARY = "summary"

# The one-value names job.py logs and harness.tracking.review lays out: speed/<name>, and summary/<name>_<tier>
# for each discovery tier, then the fit of problems solved.
SPEED_NAMES = ("attempts_per_s", "startup_s", "elapsed_s")
PER_TIER = ("chao", "coverage", "slope", "more_attempts_90", "attempts_per_discovery")
FITS = ("solved_powerlaw_a", "solved_powerlaw_b")

# curve.csv's columns, step column aside
CURVE = {"valid": "yield/valid", "novel": "yield/novel", "interesting": "yield/interesting",
         "solved": "yield/solved", "tokens": "cost/tokens", "cost_usd": "cost/cost_usd",
         "compute_s": "cost/compute_s"}


def estimate(tier: str, column: str = "estimate") -> str:
    """`estimate/<tier>`, or its band: `estimate/<tier>_lower`, `estimate/<tier>_upper`."""
    return f"estimate/{tier}" + ("" if column == "estimate" else f"_{column}")


def tier(name: str) -> str:
    return f"tiers/{name}"


def speed(name: str) -> str:
    return f"speed/{name}"


def summary(name: str) -> str:
    return f"{SUMMARY}/{name}"


def section(key: str) -> str:
    """The chart-view section of a metric name (MLflow's rule: the part before the first '/')."""
    return key.split("/", 1)[0] if "/" in key else ""
