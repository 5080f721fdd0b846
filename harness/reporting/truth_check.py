"""Against the truth: every estimate of an i.i.d. arm scored against the exact truth
(harness.analysis.truth) wherever the solver's odds and the problem's solutions in reach are
known. One row per (estimator, arm, problem, tier, volume): the estimate, its 95% band, the
truth, and whether the band holds it; and each verdict beside the verdict of the true curve."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.analysis import runs as analysis
from harness.analysis.fits import SATURATED_SLOPE, YieldVerdict, log_log_slope, window_steps
from harness.analysis.forecast import MIN_DISCOVERIES, forecast_solved, forecast_richness
from harness.analysis.richness import attempts_per_discovery, chao, richness
from harness.analysis.truth import Truth, expected_total, solved_share, truth
from harness.reporting.arms import Arm, odds
from harness.solvers import make_solver

TARGET = (0.90, 0.99)  # the share of rows whose 95% band should hold the truth
PROPORTIONAL_TRUE = 0.9  # a true curve this steep over the window is called proportional
REACHES = (10, 100)
LOWER_BOUND = ("chao",)  # estimators that claim "at least": their band holds the truth when lower <= truth


def arm_truths(arm: Arm) -> dict[str, Truth]:
    """Problem id -> the exact truth of the arm's solver there (problems without one left out)."""
    if not arm.exchangeable:
        return {}
    try:
        solver = make_solver(arm.runs[0].config["solver"])
    except (ValueError, TypeError, KeyError):
        return {}
    found = {}
    for problem in arm.runs[0].bank_problems:
        known = truth(solver, problem)
        if known is not None:
            found[problem.id] = known
    return found


def true_curve(arm: Arm, family: str, m: np.ndarray, members=None, tier: str = "valid") -> np.ndarray | None:
    """The true expected distinct discoveries (at least `tier`) of an i.i.d. stub of known odds
    (uniform, heavy-tailed, the urn) on a family (or the problems `members`) at volumes m, where
    every one of those problems has a truth (harness.analysis.truth); else None."""
    if odds(arm) is None:
        return None
    solver = make_solver(arm.runs[0].config["solver"])
    members = [p for p in arm.runs[0].bank_problems if (p.id in members if members else p.id.split("/")[0] == family)]
    truths = [truth(solver, p) for p in members]
    if not truths or any(t is None for t in truths):
        return None
    return expected_total(truths, tier, np.asarray(m))


def true_verdict(slope: float) -> str:
    """The verdict the true curve's slope over the window gives, by the run's own thresholds."""
    if not math.isfinite(slope):
        return YieldVerdict.NO_DISCOVERIES.value
    if slope < SATURATED_SLOPE:
        return YieldVerdict.SATURATED.value
    return (YieldVerdict.PROPORTIONAL if slope >= PROPORTIONAL_TRUE else YieldVerdict.DIMINISHING).value


def true_slope(truths: list[Truth], tier: str, window: tuple[int, int]) -> float:
    steps = window_steps(window)
    return log_log_slope(steps, expected_total(truths, tier, steps))


def _row(estimator, arm, pid, tier, volume, estimate, lower, upper, truth_value, note="", in_reach=np.nan) -> dict:
    slack = 1e-9 + 1e-9 * abs(truth_value)  # rounding of sums of many tiny odds
    if estimator in LOWER_BOUND:
        held = lower - slack <= truth_value
    elif math.isfinite(lower) and math.isfinite(upper):
        held = lower - slack <= truth_value <= upper + slack
    else:
        held = np.nan
    return {"estimator": estimator, "arm": arm.name, "solver": arm.solver, "problem_id": pid, "tier": tier,
            "volume": int(volume), "estimate": float(estimate), "lower": float(lower), "upper": float(upper),
            "truth": float(truth_value), "inside": held, "in_reach": float(in_reach), "note": note}


def problem_rows(arm: Arm, pid: str, known: Truth, tier: str, n_boot: int, seed: int) -> list[dict]:
    runs = arm.seeded().restrict([pid])
    units, counts = runs.units, runs.counts(tier)
    rows = []
    at = np.array([max(1, units // 10), units, 2 * units])
    curve = richness(counts, sampling_units=units, at=at, n_boot=n_boot, seed=seed)
    for name, (_, point) in zip(("rarefied T/10", "observed T", "extrapolated 2T"), curve.iterrows()):
        rows.append(_row(name, arm, pid, tier, point["m"], point["estimate"], point["lower"], point["upper"],
                         known.expected(tier, point["m"])[0]))
    if len(counts):
        c = chao(counts, sampling_units=units)
        rows.append(_row("chao", arm, pid, tier, units, c.estimate, c.lower, c.upper, known.total(tier),
                         "a lower bound: held when its lower end is at most the truth"))
        price = attempts_per_discovery(counts, sampling_units=units)
        rows.append(_row("price", arm, pid, tier, units, price, np.nan, np.nan, known.per_discovery(tier, units),
                         "attempts per new discovery at the end; no band"))
    origins = [("", runs)]
    if runs.early:
        origins.append((" from 1%", runs.early_part()))
    for label, origin in origins:
        found = origin.counts(tier)
        if len(found) < MIN_DISCOVERIES:
            continue
        ahead = forecast_richness(found, origin.units, [k * origin.units for k in REACHES], n_boot, seed=seed)
        for k, (_, point) in zip(REACHES, ahead.iterrows()):
            rows.append(_row(f"forecast {k}x{label}", arm, pid, tier, point["m"], point["estimate"], point["lower"],
                             point["upper"], known.expected(tier, point["m"])[0], in_reach=known.total(tier)))
    v = analysis.verdict(runs, tier, n_boot, seed)
    if v.slope is not None and math.isfinite(v.slope.lower):
        rows.append(_row("slope", arm, pid, tier, units, v.slope.slope, v.slope.lower, v.slope.upper,
                         true_slope([known], tier, v.slope.window), f"verdict {v.verdict.value}"))
    return rows


def truth_check(arms: list[Arm], n_boot: int = 200, seed: int = 0, progress=lambda arms: arms) -> pd.DataFrame:
    """Every estimate with a truth: estimator, arm, solver, problem_id, tier, volume, estimate,
    lower, upper, truth, inside, in_reach (forecasts: the discoveries in reach), note. `progress` wraps the arms (a progress bar)."""
    rows = []
    for arm in progress(arms):
        truths = arm_truths(arm)
        for pid, known in sorted(truths.items()):
            for tier in analysis.TIERS:
                rows += problem_rows(arm, pid, known, tier, n_boot, seed)
        ids = sorted(truths)
        if len(ids) >= 5:  # the solved-share forecast, over the problems with a truth
            runs = arm.seeded()
            solving = runs.solving(ids)
            if (solving > 0).any():
                shares = forecast_solved(solving, runs.units, [k * runs.units for k in (1, *REACHES)], n_boot,
                                         seed=seed)
                for k, (_, point) in zip((1, *REACHES), shares.iterrows()):
                    rows.append(_row(f"solved share {k}x", arm, "all", "valid", point["k"], point["share"],
                                     point["lower"], point["upper"],
                                     solved_share([truths[pid] for pid in ids], point["k"])[0]))
    return pd.DataFrame(rows, columns=["estimator", "arm", "solver", "problem_id", "tier", "volume", "estimate",
                                       "lower", "upper", "truth", "inside", "in_reach", "note"])


def coverage(check: pd.DataFrame) -> pd.DataFrame:
    """Per estimator: rows with a band, how many held the truth, their share, and whether that
    share lies in TARGET."""
    banded = check[check["inside"].notna()]
    if not len(banded):
        return pd.DataFrame(columns=["estimator", "rows", "held", "coverage", "within_target"])
    table = banded.groupby("estimator", sort=True)["inside"].agg(rows="count", held=lambda s: int(s.astype(bool).sum()))
    table = table.reset_index()
    table["coverage"] = table["held"] / table["rows"]
    table["within_target"] = table["coverage"].between(*TARGET)
    return table


def verdicts_against_truth(verdicts: pd.DataFrame, arms: list[Arm]) -> pd.DataFrame:
    """`verdicts` (science.verdicts) with, where every problem of the row's family has a truth,
    the true curve's slope over the row's window, its verdict, and whether the run agrees."""
    by_arm = {arm.name: (arm, arm_truths(arm)) for arm in arms}
    slopes, said, agree = [], [], []
    for _, row in verdicts.iterrows():
        arm, truths = by_arm[row["arm"]]
        ids = arm.problems.get(row["family"], ())
        window = tuple(int(x) for x in row["window"].split("-")) if row["window"] else None
        if not ids or not all(pid in truths for pid in ids) or window is None:
            slopes.append(np.nan), said.append(""), agree.append(np.nan)
            continue
        s = true_slope([truths[pid] for pid in ids], row["tier"], window)
        slopes.append(s)
        said.append(true_verdict(s))
        agree.append(np.nan if row["verdict"] in ("undecided", "no discoveries") else row["verdict"] == said[-1])
    return verdicts.assign(true_slope=slopes, true_verdict=said, agrees=agree)


def deepest_rows(check: pd.DataFrame, arms: list[Arm], tier: str = "novel") -> pd.DataFrame:
    """For each solver and problem, the arm that gave it the most attempts: what its estimators said
    beside the truth (found, Chao, forecast to 100x, slope), one row, problems of the small banks
    (a few instances each) only, so the table stays short."""
    volume = {arm.name: arm.attempts * len(arm.runs) for arm in arms}
    small = {arm.name for arm in arms if sum(arm.families.values()) <= 6}
    part = check[(check["tier"] == tier) & check["arm"].isin(small)]
    rows = []
    for (solver, pid), one in part.groupby(["solver", "problem_id"], sort=True):
        arm = max(one["arm"].unique(), key=lambda name: (volume[name], name))
        mine = one[one["arm"] == arm].set_index("estimator")

        def get(name, column):
            return mine.at[name, column] if name in mine.index else np.nan

        rows.append({"solver": solver, "arm": arm, "problem_id": pid, "volume": get("observed T", "volume"),
                     "found": get("observed T", "estimate"), "true_found": get("observed T", "truth"),
                     "chao": get("chao", "estimate"), "chao_lower": get("chao", "lower"),
                     "in_reach": get("chao", "truth"), "forecast": get("forecast 100x", "estimate"),
                     "forecast_lower": get("forecast 100x", "lower"), "forecast_upper": get("forecast 100x", "upper"),
                     "true_100x": get("forecast 100x", "truth"), "slope": get("slope", "estimate"),
                     "true_slope": get("slope", "truth"), "verdict": str(get("slope", "note")).removeprefix("verdict ")
                     if "slope" in mine.index else ""})
    return pd.DataFrame(rows)
