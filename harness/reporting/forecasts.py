"""The forecasts of a sweep report checked: each arm's early forecasts (richness, problems solved)
against what its later volume found, and whether the truth is inside a band."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.analysis import runs as analysis
from harness.analysis.forecast import MIN_DISCOVERIES, fit_coverage_power_law, forecast_richness, forecast_solved
from harness.analysis.observed import log_spaced_steps
from harness.analysis.runs import TIERS
from harness.analysis.truth import truth
from harness.reporting.arms import Arm
from harness.reporting.science import truth_curve


def forecast_check(arms: list[Arm], n_boot: int = 200, seed: int = 0, reaches=(10, 100),
                   progress=lambda arms: arms) -> pd.DataFrame:
    """Forecasts against what happened, per problem and tier. The synthetic arm: from the whole
    run (seeds pooled) to 10x and 100x it, against the true expected yield. Every other i.i.d. arm
    whose runs kept early counts: from the early part (the first 1% of attempts, seeds pooled) to
    10x and 100x it, against the distinct discoveries the runs actually made by then. `progress`
    wraps the arms (a progress bar)."""
    rows = []
    for arm in progress([a for a in arms if a.exchangeable]):
        for family, members in arm.problems.items():
            for pid in members:
                runs = arm.seeded(family).restrict([pid])
                truth = truth_curve(arm, family, np.array(reaches) * runs.units, members=[pid])
                if truth is None and not runs.early:
                    continue  # runs made before they kept early counts
                origin = runs if truth is not None else runs.early_part()
                for tier in TIERS:
                    if truth is not None and tier != "valid":
                        continue  # the truth is known for the valid tier
                    counts = origin.counts(tier)
                    actual = truth if truth is not None else [runs.union_within(tier, k * origin.attempts)
                                                              for k in reaches]
                    enough = len(counts) >= MIN_DISCOVERIES
                    ahead = (forecast_richness(counts, origin.units, [k * origin.units for k in reaches], n_boot,
                                               seed=seed) if enough else None)
                    for i, (reach, value) in enumerate(zip(reaches, actual)):
                        f = ahead.iloc[i] if enough else {"estimate": np.nan, "lower": np.nan, "upper": np.nan}
                        rows.append({
                            "arm": arm.name, "problem_id": pid, "tier": tier, "from": origin.units, "reach": reach,
                            "to": reach * origin.units, "found_at_origin": len(counts), "actual": float(value),
                            "against": "true expected" if truth is not None else "observed",
                            "estimate": f["estimate"], "lower": f["lower"], "upper": f["upper"],
                            "inside": inside(value, f["lower"], f["upper"], truth is None) if enough else np.nan,
                            "note": "" if enough else f"fewer than {MIN_DISCOVERIES} discoveries to fit"})
    return pd.DataFrame(rows)


def inside(value: float, lower: float, upper: float, count: bool) -> bool:
    """Whether `value` lies in the band [lower, upper] of an expected count. An observed `count`
    is an integer, so the band is taken out to the integers around it (an expectation of 3.0003
    is met by 3 discoveries)."""
    if count:
        lower, upper = math.floor(lower + 1e-9), math.ceil(upper - 1e-9)
    return bool(lower - 1e-9 <= value <= upper + 1e-9)


def solved_forecast(arms: list[Arm], n_boot: int = 200, seed: int = 0, reach=(1, 10, 100, 1000),
                    progress=lambda arms: arms) -> pd.DataFrame:
    """Per i.i.d. arm on at least five problems: the expected share of problems solved at multiples
    of the pooled volume (beta-binomial over problems, Schaeffer et al. 2025), and Brown et al.'s
    power law fitted to the rarefied coverage curve, beside the share actually solved. `progress`
    wraps the arms (a progress bar)."""
    rows = []
    for arm in progress([a for a in arms if a.exchangeable and sum(a.families.values()) >= 5]):
        runs, ids = arm.seeded(), [pid for members in arm.problems.values() for pid in members]
        solving = runs.solving(ids)
        if not (solving > 0).any():
            continue
        shares = forecast_solved(solving, runs.units, [k * runs.units for k in reach], n_boot, seed=seed)
        rarefied = analysis.solved_curve(runs, ids, log_spaced_steps(runs.units))
        try:
            a, b = fit_coverage_power_law(rarefied["m"], rarefied["share"])
        except ValueError:
            a = b = float("nan")
        for k, (_, row) in zip(reach, shares.iterrows()):
            rows.append({"arm": arm.name, "problems": len(ids), "volume": runs.units, "reach": k,
                         "attempts": int(row["k"]), "share": row["share"], "lower": row["lower"],
                         "upper": row["upper"], "power_law": float(np.exp(-a * row["k"] ** b)) if math.isfinite(a)
                         else np.nan, "observed": float((solving > 0).mean()) if k == 1 else np.nan})
    return pd.DataFrame(rows)
