"""One analysis for one run, a comparison and a report: the discovery tables of N seeded runs of
one solver on one problem set (a single run is N = 1).

The solver's kind decides the method, here and nowhere else:
- exchangeable (i.i.d.) solvers: the seeds are independent streams of i.i.d. attempts, so they
  are pooled as more sampling units (incidence counts summed, N x T units); the curve is
  rarefied up to the pooled volume, extrapolated (Chao) to twice it and forecast (a fitted
  rate distribution, harness.analysis.forecast) to FORECAST_REACH times it, with bands;
- adaptive solvers (attempt i depends on earlier verdicts): nothing is rarefied or
  extrapolated; the curve is the observed accumulation, the mean over seeds with a
  seed-to-seed band.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from harness.analysis.fits import ThesisVerdict, adaptive_verdict, thesis_verdict
from harness.analysis.forecast import MIN_DISCOVERIES, fit_coverage_power_law, forecast_richness
from harness.analysis.observed import log_spaced_steps, seed_average
from harness.analysis.richness import (ChaoEstimate, additional_attempts, attempts_per_discovery, chao, pass_at_k,
                                       richness)
from harness.core.problem import DISCOVERY_TIERS

TIERS = tuple(t.value for t in DISCOVERY_TIERS)
FORECAST_REACH = 100  # forecasts run to 100 x the pooled volume
PRICE_FRACTION = 0.9  # the price of "90% of what this solver can find here"


@dataclass(frozen=True)
class SeededRuns:
    """The discovery tables of N seeded runs of one solver on the same problems (one per seed)."""

    discoveries: tuple[pd.DataFrame, ...]  # problem_id, canonical, first_<tier>, found_<tier>[, early_<tier>]
    attempts: int  # per problem, per run
    exchangeable: bool
    early: int = 0  # attempts per problem in each run's early part (early_<tier> columns); 0: none kept

    @property
    def units(self) -> int:
        """Sampling units: attempts per problem, pooled over seeds for exchangeable solvers."""
        return self.attempts * len(self.discoveries) if self.exchangeable else self.attempts

    def restrict(self, problem_ids) -> "SeededRuns":
        keep = set(problem_ids)
        return replace(self, discoveries=tuple(d[d["problem_id"].isin(keep)] for d in self.discoveries))

    def early_part(self) -> "SeededRuns":
        """The same runs cut to their early part (first attempts): what a forecast is checked from."""
        if not self.early or any(f"early_{TIERS[0]}" not in d for d in self.discoveries):
            raise ValueError("these runs kept no early counts (made before forecasts were checked)")
        cut = []
        for d in self.discoveries:
            part = d.assign(**{f"found_{t}": d[f"early_{t}"] for t in TIERS})
            for t in TIERS:
                part[f"first_{t}"] = part[f"first_{t}"].where(part[f"first_{t}"] < self.early)
            cut.append(part[part[f"found_{TIERS[0]}"] > 0])
        return replace(self, discoveries=tuple(cut), attempts=self.early, early=0)

    def counts(self, tier: str) -> np.ndarray:
        """Incidence count of each distinct discovery reaching `tier`, summed over seeds."""
        tables = [d for d in self.discoveries if len(d)]
        if not tables:
            return np.zeros(0, dtype=np.int64)
        found = pd.concat(tables).groupby(["problem_id", "canonical"])[f"found_{tier}"].sum()
        return found[found > 0].to_numpy(dtype=np.int64)

    def firsts(self, tier: str) -> list[np.ndarray]:
        """Per seed, the first attempt of each discovery reaching `tier`."""
        return [d[f"first_{tier}"].dropna().to_numpy(dtype=np.int64) for d in self.discoveries]

    def found_within(self, tier: str, steps) -> np.ndarray:
        """Distinct discoveries reaching `tier` within each seed's first m attempts: (seeds, steps)."""
        steps = np.asarray(steps, dtype=np.int64)
        return np.vstack([np.searchsorted(np.sort(f), steps, side="left") for f in self.firsts(tier)])

    def union_within(self, tier: str, m: int) -> int:
        """Distinct discoveries reaching `tier` in some seed's first m attempts (the pooled count)."""
        return len({key for d in self.discoveries
                    for key in zip(*(d.loc[d[f"first_{tier}"] < m, c] for c in ("problem_id", "canonical")))})

    def solving(self, problem_ids) -> np.ndarray:
        """Per problem, the attempts (pooled over seeds) that solved it."""
        tables = [d for d in self.discoveries if len(d)]
        total = pd.concat(tables).groupby("problem_id")[f"found_{TIERS[0]}"].sum() if tables else pd.Series()
        return np.array([int(total.get(pid, 0)) for pid in problem_ids], dtype=np.int64)


def curve_steps(runs: SeededRuns) -> np.ndarray:
    if runs.exchangeable:  # to twice the pooled volume, with the volume itself, where rarefaction meets extrapolation
        return np.union1d(log_spaced_steps(2 * runs.units, points=50), [runs.units])
    return log_spaced_steps(runs.attempts, points=40)


def forecast_steps(runs: SeededRuns, reach: int = FORECAST_REACH) -> np.ndarray:
    return np.unique(np.geomspace(2 * runs.units, reach * runs.units, 12).astype(np.int64))


def yield_curve(runs: SeededRuns, tier: str, n_boot: int = 200, seed: int = 0,
                forecast: bool = False) -> pd.DataFrame:
    """m, estimate, lower, upper, method (rarefaction | observed | extrapolation | forecast)."""
    steps = curve_steps(runs)
    if not runs.exchangeable:
        per_seed = runs.found_within(tier, steps).astype(float)
        if len(per_seed) > 1:
            mean = seed_average([pd.DataFrame({"attempts": steps, "n": row}) for row in per_seed], "n")
            mean = mean.rename(columns={"attempts": "m", "mean": "estimate"})
        else:
            mean = pd.DataFrame({"m": steps, "estimate": per_seed[0], "lower": per_seed[0], "upper": per_seed[0]})
        return mean[["m", "estimate", "lower", "upper"]].assign(method="observed")
    counts = runs.counts(tier)
    curve = richness(counts, sampling_units=runs.units, at=steps, n_boot=n_boot, seed=seed).drop(columns="coverage")
    if forecast and len(counts) >= MIN_DISCOVERIES:
        ahead = forecast_richness(counts, runs.units, forecast_steps(runs)[1:], n_boot=n_boot, seed=seed)
        curve = pd.concat([curve, ahead.assign(method="forecast")], ignore_index=True)
    return curve


def verdict(runs: SeededRuns, tier: str, n_boot: int = 200, seed: int = 0) -> ThesisVerdict:
    if runs.exchangeable:
        return thesis_verdict(runs.counts(tier), runs.units, n_boot=n_boot, seed=seed)
    return adaptive_verdict(runs.firsts(tier), runs.attempts, n_boot=n_boot, seed=seed)


def asymptote(runs: SeededRuns, tier: str) -> ChaoEstimate | None:
    """Chao's estimate of what unlimited volume would find; None for adaptive solvers."""
    return chao(runs.counts(tier), sampling_units=runs.units) if runs.exchangeable else None


@dataclass(frozen=True)
class Price:
    """The price of the next discoveries of an exchangeable solver, from Chao's extrapolation."""

    more_attempts: float  # to reach PRICE_FRACTION of Chao's asymptote (0: reached already)
    per_discovery: float  # expected attempts per new discovery at the end of the run
    trusted: bool  # more_attempts within the doubling that Chao's extrapolation is trusted for


def price(runs: SeededRuns, tier: str, fraction: float = PRICE_FRACTION) -> Price:
    return price_of(runs.counts(tier), runs.units, fraction)


def price_of(counts: np.ndarray, units: int, fraction: float = PRICE_FRACTION) -> Price:
    more = additional_attempts(counts, sampling_units=units, fraction=fraction)
    return Price(more, attempts_per_discovery(counts, sampling_units=units), more <= units)


def prices(runs: SeededRuns, problem_ids, fraction: float = PRICE_FRACTION) -> pd.DataFrame:
    """Per problem and tier: further attempts (pooled) to reach `fraction` of Chao's asymptote,
    attempts per new discovery now, and whether the extrapolation is trusted that far."""
    tables = [d for d in runs.discoveries if len(d)]
    pooled = pd.concat(tables).groupby(["problem_id", "canonical"]) if tables else None
    by_tier: dict[str, dict] = {tier: {} for tier in TIERS}  # tier -> problem id -> its incidence counts
    for tier in TIERS if pooled is not None else ():
        found = pooled[f"found_{tier}"].sum()
        found = found[found > 0]
        by_tier[tier] = {pid: part.to_numpy(dtype=np.int64) for pid, part in found.groupby(level="problem_id")}
    none = np.zeros(0, dtype=np.int64)
    same: dict[bytes, dict] = {}  # a row depends only on the counts: most problems share one (nothing found)

    def row(counts: np.ndarray) -> dict:
        key = np.sort(counts).tobytes()
        if key not in same:
            p = price_of(counts, runs.units, fraction)
            same[key] = {"observed": len(counts), "chao": chao(counts, sampling_units=runs.units).estimate,
                         "volume": runs.units, "more_attempts": p.more_attempts, "per_discovery": p.per_discovery,
                         "trusted": p.trusted}
        return same[key]

    return pd.DataFrame([{"problem_id": pid, "tier": tier, **row(by_tier[tier].get(pid, none))}
                         for pid in problem_ids for tier in TIERS])


def prices_summary(table: pd.DataFrame) -> dict:
    """`prices` as summary.json keeps it: problem -> tier -> numbers (never: null), for the
    problems where something was found (prices.csv has every problem: 10^5 problems that
    found nothing made summary.json 45 MB)."""
    found = table.groupby("problem_id")["observed"].transform("sum") > 0
    summary: dict[str, dict] = {}
    for row in table[found].sort_values("problem_id", kind="stable").to_dict("records"):
        summary.setdefault(row["problem_id"], {})[row["tier"]] = {
            "more_attempts_90": _rounded(row["more_attempts"], 0),
            "attempts_per_discovery": _rounded(row["per_discovery"], 1), "trusted": bool(row["trusted"])}
    return summary


def family_verdicts(runs: SeededRuns, problem_ids, n_boot: int = 200, seed: int = 0) -> dict:
    """Family (the id's part before '/') -> tier -> verdict and reason."""
    families: dict[str, list[str]] = {}
    for pid in problem_ids:
        families.setdefault(pid.split("/")[0], []).append(pid)
    return {family: {tier: {"verdict": v.verdict.value, "reason": v.reason} for tier in TIERS
                     for v in [verdict(runs.restrict(ids), tier, n_boot, seed)]}
            for family, ids in families.items()}


def solved_curve(runs: SeededRuns, problem_ids, at) -> pd.DataFrame:
    """Expected problems solved at least once after m (pooled) attempts: the sum over problems
    of pass@m, c = the attempts that solved it (exact for m <= the pooled volume)."""
    solving = runs.solving(problem_ids)
    m = np.asarray([k for k in at if k <= runs.units], dtype=np.int64)
    expected = [sum(pass_at_k(runs.units, int(c), int(k)) for c in solving) for k in m]
    return pd.DataFrame({"m": m, "solved": expected, "share": np.asarray(expected) / max(len(solving), 1)})


@dataclass(frozen=True)
class TierAnalysis:
    tier: str
    curve: pd.DataFrame
    verdict: ThesisVerdict
    chao: ChaoEstimate | None
    price: Price | None


def analyse(runs: SeededRuns, n_boot: int = 200, seed: int = 0, forecast: bool = False) -> list[TierAnalysis]:
    """Every tier's curve, verdict, asymptote and (exchangeable solvers) price."""
    return [TierAnalysis(tier, yield_curve(runs, tier, n_boot, seed, forecast), verdict(runs, tier, n_boot, seed),
                         asymptote(runs, tier), price(runs, tier) if runs.exchangeable else None)
            for tier in TIERS]


def curves_table(analyses: list[TierAnalysis]) -> pd.DataFrame:
    return pd.concat([a.curve.assign(tier=a.tier) for a in analyses], ignore_index=True)


def _rounded(x: float | None, digits: int) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, digits)


def summary(analyses: list[TierAnalysis]) -> dict:
    """The numbers of each tier, as summary.json keeps them (infinities as null)."""
    out = {}
    for a in analyses:
        v, slope = a.verdict, a.verdict.slope
        row = {"verdict": v.verdict.value, "reason": v.reason,
               "slope": None if slope is None else _rounded(slope.slope, 4),
               "slope_interval": None if slope is None else [_rounded(slope.lower, 4), _rounded(slope.upper, 4)],
               "coverage": _rounded(v.coverage, 5), "observed": v.observed}
        if v.saturation:
            row["reached"] = {f"{share:g}": m for share, m in v.saturation}
        if a.chao is not None:
            row |= {"chao": round(a.chao.estimate, 3), "chao_interval": [round(a.chao.lower, 3), round(a.chao.upper, 3)]}
        if a.price is not None:
            row |= {"more_attempts_90": _rounded(a.price.more_attempts, 0),
                    "attempts_per_discovery": _rounded(a.price.per_discovery, 1), "price_trusted": a.price.trusted}
        out[a.tier] = row
    return out


@dataclass(frozen=True)
class RunEstimates:
    """What one run's analysis gives: per tier, its analysis; the tables a run writes; its summary."""
    analyses: list[TierAnalysis]
    curves: pd.DataFrame  # curves_table: rarefied and extrapolated curves per tier, with bands
    solved: pd.DataFrame  # solved_curve at the steps asked
    power_law: tuple[float, float] | None  # -log(share solved) = a m^b; None: too few points between 0 and 1
    prices: pd.DataFrame  # per problem
    summary: dict


def run_estimates(runs: SeededRuns, problem_ids, steps, seed: int = 0) -> RunEstimates:
    """One run's estimates at once: curves, verdicts and Chao per tier, problems solved (and their
    power law), prices per problem, and the summary of them all."""
    analyses = analyse(runs, seed=seed)
    solved = solved_curve(runs, problem_ids, steps)
    try:  # -log(share solved) = a m^b, the power law of repeated-sampling coverage
        power_law = fit_coverage_power_law(solved["m"], solved["share"])
    except ValueError:
        power_law = None  # too few points strictly between 0 and 1
    a, b = power_law if power_law is not None else (None, None)
    per_problem = prices(runs, problem_ids)
    return RunEstimates(analyses, curves_table(analyses), solved, power_law, per_problem, {
        **summary(analyses), "solved_powerlaw": {"a": a, "b": b},
        "by_family": family_verdicts(runs, problem_ids, seed=seed), "prices": prices_summary(per_problem)})
