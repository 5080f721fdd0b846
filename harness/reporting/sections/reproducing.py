"""Reproducing: what `make report` redoes exactly, and what depends on the machine."""
from __future__ import annotations

from harness.reporting.markdown import num

TITLE = "Reproducing"


def markdown(f) -> list[str]:
    timeouts = sum(run.summary["tiers"].get("timeout", 0) for arm in f.arms for run in arm.runs)
    return [
        "`make report` deletes the sweep's runs, runs `harness-run experiment=volume_thesis` (same seeds) "
        "and this report again. Attempts are seeded per (seed, problem, attempt), so every count of "
        "attempts, tiers and discoveries, every curve, slope, verdict, Chao estimate, forecast and its check, "
        "price, funnel, calibration number and audit is reproduced exactly; bootstrap bands use fixed "
        "seeds, and the audit's sample of wrong verdicts is keyed by (seed, arm, run seed, problem, "
        "attempt), so it does not depend on how a run cut its records into shards, which follows the "
        "clock. What depends on the machine: timings (attempts/s, seconds, compute seconds) and so the "
        "dollar axis and the equal-cost and equal-compute budgets, and so the counts and comparisons at "
        "those budgets: on a shared 2-core machine, two sweeps of 2026-12-06 differed per arm by a "
        "factor of 0.35 to 2.95 in attempts/s. "
        "Verification is bounded by CPU time (`verify_timeout_s`, 5 CPU-s), not "
        "wall-clock time, so a loaded machine does not turn an attempt into tier timeout; timeouts in "
        f"this sweep: {num(timeouts)}."]
