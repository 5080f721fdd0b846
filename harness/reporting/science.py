"""The numbers of a sweep report: curves, slopes and verdicts, Chao, funnels, equal cost.

Exchangeable arms: the seeds of an arm are independent streams of i.i.d. attempts, so they
are pooled (incidence counts summed, seeds x attempts sampling units), rarefied up to the
pooled volume and extrapolated to twice it, with bootstrap bands (harness.analysis).
Adaptive arms (evolve): attempts depend on earlier verdicts, so nothing is rarefied or
extrapolated; their curve is the observed accumulation, averaged over seeds with a
seed-to-seed band, and the slope's interval comes from resampling each seed's discoveries.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from harness.analysis.fits import thesis_verdict
from harness.analysis.observed import log_spaced_steps, seed_average
from harness.analysis.richness import chao, richness
from harness.problem import DISCOVERY_TIERS
from harness.reporting.arms import Arm
from harness.solvers.synthetic import SyntheticSolver

TIERS = [t.value for t in DISCOVERY_TIERS]
# The data point of the debate: about 700 open problems attacked with an LLM, 13 solved,
# 1 of the solutions judged interesting.
REFERENCE_FUNNEL = {"problems": 700, "solved": 13, "interesting": 1}
USD_PER_CORE_HOUR = 0.04  # assumed price of compute, to put CPU seconds and tokens on one axis


def pooled_counts(arm: Arm, family: str, tier: str) -> np.ndarray:
    """Incidence count of each distinct discovery of `family` at `tier`, summed over seeds."""
    tables = [t for t in arm.discoveries(family) if len(t)]
    if not tables:
        return np.zeros(0, dtype=np.int64)
    found = pd.concat(tables).groupby(["problem_id", "canonical"])[f"found_{tier}"].sum()
    return found[found > 0].to_numpy(dtype=np.int64)


def observed_counts(discoveries: pd.DataFrame, tier: str, steps: np.ndarray) -> np.ndarray:
    """Distinct discoveries reaching `tier` within the first m attempts, for each m."""
    firsts = np.sort(discoveries[f"first_{tier}"].dropna().to_numpy(dtype=np.int64))
    return np.searchsorted(firsts, steps, side="left")


def pooled_units(arm: Arm) -> int:
    return arm.attempts * len(arm.runs)


def family_curve(arm: Arm, family: str, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Per tier: m, estimate, lower, upper, method (rarefaction, observed, extrapolation)."""
    out = []
    if arm.exchangeable:
        units = pooled_units(arm)
        steps = np.union1d(log_spaced_steps(2 * units, points=50), [units])  # where rarefaction meets extrapolation
        for tier in TIERS:
            curve = richness(pooled_counts(arm, family, tier), sampling_units=units, at=steps, n_boot=n_boot,
                             seed=seed)
            out.append(curve.drop(columns="coverage").assign(tier=tier))
    else:
        steps = log_spaced_steps(arm.attempts, points=40)
        for tier in TIERS:
            per_seed = [pd.DataFrame({"attempts": steps, "n": observed_counts(d, tier, steps)})
                        for d in arm.discoveries(family)]
            if len(per_seed) > 1:
                mean = seed_average(per_seed, "n").rename(columns={"attempts": "m", "mean": "estimate"})
            else:
                n = per_seed[0]["n"].to_numpy(dtype=float)
                mean = pd.DataFrame({"m": steps, "estimate": n, "lower": n, "upper": n})
            out.append(mean[["m", "estimate", "lower", "upper"]].assign(method="observed", tier=tier))
    return pd.concat(out, ignore_index=True).assign(arm=arm.name, family=family)


def _log_slope(m: np.ndarray, n: np.ndarray) -> float:
    keep = n > 0
    if keep.sum() < 2 or len(np.unique(m[keep])) < 2:
        return float("nan")
    return float(np.polyfit(np.log(m[keep]), np.log(n[keep]), 1)[0])


def _adaptive_verdict(arm: Arm, family: str, tier: str, n_boot: int, seed: int) -> dict:
    """Slope of the seed-mean observed curve over the last decade of volume. Its interval is a
    bootstrap: each seed's discoveries resampled (their first attempts), the seeds averaged.
    Saturated when no seed found anything new in that decade."""
    lo, hi = max(1, arm.attempts // 10), arm.attempts
    steps = np.unique(np.geomspace(lo, hi, 12).astype(np.int64))
    firsts = [np.sort(d[f"first_{tier}"].dropna().to_numpy(dtype=np.int64)) for d in arm.discoveries(family)]
    per_seed = np.vstack([np.searchsorted(f, steps, side="left") for f in firsts]).astype(float)
    mean = per_seed.mean(axis=0)
    rng = np.random.default_rng(seed)
    boots = np.array([
        _log_slope(steps, np.mean([np.searchsorted(np.sort(rng.choice(f, len(f))), steps, side="left")
                                   if len(f) else np.zeros(len(steps)) for f in firsts], axis=0))
        for _ in range(n_boot)])
    boots = boots[np.isfinite(boots)]
    lower, upper = np.percentile(boots, [2.5, 97.5]) if len(boots) > 1 else (np.nan, np.nan)
    row = {"volume": hi, "observed": float(mean[-1]), "slope": _log_slope(steps, mean),
           "slope_lower": float(lower), "slope_upper": float(upper), "window": f"{lo}-{hi}",
           "interval": "bootstrap 95%, within seeds", "coverage": np.nan, "chao": np.nan, "chao_lower": np.nan,
           "chao_upper": np.nan}
    if mean[-1] == 0:
        verdict = "no discoveries"
    elif np.array_equal(per_seed[:, -1], per_seed[:, 0]):
        verdict = "saturated"
    elif not np.isfinite(row["slope"]) or not np.isfinite(lower):
        verdict = "undecided"
    else:
        verdict = "proportional" if lower <= 1 <= upper else "diminishing"
    return {**row, "verdict": verdict}


def _exchangeable_verdict(arm: Arm, family: str, tier: str, n_boot: int, seed: int) -> dict:
    counts, units = pooled_counts(arm, family, tier), pooled_units(arm)
    v = thesis_verdict(counts, units, n_boot=n_boot, seed=seed)
    c = chao(counts, sampling_units=units)
    slope = v.slope
    return {"volume": units, "observed": float(len(counts)),
            "slope": slope.slope if slope else np.nan, "slope_lower": slope.lower if slope else np.nan,
            "slope_upper": slope.upper if slope else np.nan,
            "window": f"{slope.window[0]}-{slope.window[1]}" if slope else "",
            "interval": "bootstrap 95%", "coverage": v.coverage, "chao": c.estimate, "chao_lower": c.lower,
            "chao_upper": c.upper, "verdict": v.verdict}


def verdicts(arms: list[Arm], n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """One row per arm, family and tier: slope of yield on volume, its interval, the verdict, Chao."""
    rows = []
    for arm in arms:
        for family, problems in arm.families.items():
            for tier in TIERS:
                numbers = (_exchangeable_verdict(arm, family, tier, n_boot, seed) if arm.exchangeable
                           else _adaptive_verdict(arm, family, tier, n_boot, seed))
                rows.append({"arm": arm.name, "solver": arm.solver, "family": family, "problems": problems,
                             "tier": tier, "seeds": len(arm.runs), **numbers})
    table = pd.DataFrame(rows)
    table["undetected"] = table["chao"] - table["observed"]
    return table


def funnel(arms: list[Arm]) -> pd.DataFrame:
    """Per arm, mean per seed: attempts -> attempts valid/novel/interesting -> distinct
    discoveries, and problems -> solved -> with a novel -> with an interesting solution."""
    rows = []
    for arm in arms:
        per_seed = []
        for run in arm.runs:
            tiers, found, d = run.summary["tiers"], run.summary["discoveries"], run.discoveries
            at_least = {t: sum(tiers.get(u, 0) for u in TIERS[i:]) for i, t in enumerate(TIERS)}
            per_seed.append({
                "attempts": run.summary["attempts"],
                **{f"attempts_{t}": at_least[t] for t in TIERS},
                **{f"distinct_{t}": found[t] for t in TIERS},
                "problems": run.summary["problems"], "solved": run.summary["problems_solved"],
                **{f"problems_{t}": d.loc[d[f"first_{t}"].notna(), "problem_id"].nunique() for t in TIERS[1:]},
            })
        mean = pd.DataFrame(per_seed).mean()
        rows.append({"arm": arm.name, "solver": arm.solver, "bank": arm.bank, "seeds": len(arm.runs), **mean})
    rows.append({"arm": "reference: LLM on open problems", "solver": "llm (reported)", "bank": "~700 open problems",
                 "seeds": np.nan, "problems": REFERENCE_FUNNEL["problems"], "solved": REFERENCE_FUNNEL["solved"],
                 "problems_interesting": REFERENCE_FUNNEL["interesting"]})
    table = pd.DataFrame(rows)
    table["solved_share"] = table["solved"] / table["problems"]
    table["interesting_share_of_solved"] = table["problems_interesting"] / table["solved"].where(table["solved"] > 0)
    return table


def spend_curves(arm: Arm, usd_per_core_hour: float = USD_PER_CORE_HOUR) -> pd.DataFrame:
    """The arm's whole-bank curve on every cost axis, averaged over seeds at each attempt step;
    dollars = token dollars + compute seconds at the assumed price."""
    frames = [run.curve.assign(usd=run.curve["cost_usd"] + run.curve["compute_s"] * usd_per_core_hour / 3600)
              for run in arm.runs]
    mean = pd.concat(frames).groupby("attempts", as_index=False).mean(numeric_only=True)
    origin = pd.DataFrame([{column: 0 for column in mean.columns}])  # nothing spent, nothing found
    return pd.concat([origin, mean], ignore_index=True).assign(arm=arm.name)


def equal_cost(arms: list[Arm], usd_per_core_hour: float = USD_PER_CORE_HOUR, axis: str = "usd") -> pd.DataFrame:
    """Arms that share a bank, compared at the largest budget all of them reached on `axis`:
    `usd` (dollars), `compute_s` (CPU seconds, a model server's included) or `attempts`
    (attempts per problem)."""
    rows = []
    for bank in sorted({a.bank for a in arms}):
        sharing = [a for a in arms if a.bank == bank]
        if len(sharing) < 2:
            continue
        curves = {a.name: spend_curves(a, usd_per_core_hour) for a in sharing}
        budget = min(c[axis].iloc[-1] for c in curves.values())
        for arm in sharing:
            c = curves[arm.name]
            at = {column: float(np.interp(budget, c[axis], c[column]))
                  for column in ("attempts", "usd", *TIERS, "tokens", "compute_s")}
            rows.append({"bank": bank, "arm": arm.name, "solver": arm.solver, "axis": axis, "budget": budget, **at,
                         "full_attempts": arm.attempts, "full_usd": c["usd"].iloc[-1]})
    return pd.DataFrame(rows)


def calibration(arms: list[Arm], curves: pd.DataFrame) -> pd.DataFrame:
    """For the synthetic solver, whose discovery distribution is known: estimated against
    true expected distinct discoveries (valid tier), at a tenth of the pooled volume, at it and at twice it."""
    rows = []
    for arm in (a for a in arms if a.exchangeable):
        for family in arm.families:
            part = curves[(curves["arm"] == arm.name) & (curves["family"] == family) & (curves["tier"] == "valid")]
            truth = truth_curve(arm, family, part["m"].to_numpy())
            if truth is None:
                continue
            for m in (pooled_units(arm) // 10, pooled_units(arm), 2 * pooled_units(arm)):
                i = int(np.argmin(np.abs(part["m"].to_numpy() - m)))
                point = part.iloc[i]
                rows.append({"arm": arm.name, "family": family, "m": int(point["m"]), "method": point["method"],
                             "estimate": point["estimate"], "lower": point["lower"], "upper": point["upper"],
                             "truth": float(truth[i]), "inside": bool(point["lower"] <= truth[i] <= point["upper"])})
    return pd.DataFrame(rows)


def truth_curve(arm: Arm, family: str, m: np.ndarray) -> np.ndarray | None:
    """The synthetic solver's true expected distinct discoveries of a family at volumes m; else None."""
    if arm.solver != "synthetic":
        return None
    settings = {k: v for k, v in arm.runs[0].config["solver"].items() if k != "name"}
    members = [p for p in arm.runs[0].bank_problems if p.id.split("/")[0] == family]
    solver = SyntheticSolver(**settings)
    return sum(solver.expected_discoveries(p, np.asarray(m)) for p in members)


def model_arms(arms: list[Arm]) -> list[Arm]:
    """Arms whose attempts spent tokens: a model proposed (some of) their candidates."""
    return [a for a in arms if any(run.summary.get("spend", {}).get("tokens", 0) > 0 for run in a.runs)]


def found_by(arm: Arm, problem_id: str, tier: str, attempts: float) -> float:
    """Distinct discoveries of one problem reaching `tier` within its first `attempts`, mean of seeds."""
    counts = [int((d.loc[d["problem_id"] == problem_id, f"first_{tier}"] < attempts).sum()) for d in arm.discoveries()]
    return float(np.mean(counts))


EXAMPLE = re.compile(r"e\.g\. `([^`]+)`")  # how statements show the answer format


def example_solution(problem) -> str | None:
    """The canonical form of the example answer the statement itself gives, when that example
    is a solution (a model may copy it); None otherwise."""
    match = EXAMPLE.search(problem.statement)
    verdict = problem.verify(match.group(1)) if match else None
    return verdict.canonical if verdict is not None and verdict.tier.rank else None


def model_against_random(arms: list[Arm]) -> pd.DataFrame:
    """Per problem and model arm: its distinct solutions (any tier) and novel ones within its
    attempts, beside the random arm of the same bank (the one with the most attempts) at equal
    attempts and at equal compute (CPU seconds, the model server's included); and whether the
    statement's own example is a solution, and the model found more than it."""
    rows = []
    for model in model_arms(arms):
        randoms = [a for a in arms if a.solver == "random" and a.bank == model.bank]
        if not randoms:
            continue
        base = max(randoms, key=lambda a: (a.attempts, a.name))
        spent, baseline = spend_curves(model), spend_curves(base)
        compute = float(spent["compute_s"].iloc[-1])
        # random's attempts per problem when it had spent the model arm's whole compute
        equal = float(np.interp(compute, baseline["compute_s"], baseline["attempts"]))
        problems = {p.id: p for p in model.runs[0].bank_problems}
        for pid, problem in sorted(problems.items()):
            example = example_solution(problem)
            beyond = [int(((d["problem_id"] == pid) & d["first_valid"].notna() & (d["canonical"] != example)).sum())
                      for d in model.discoveries()]
            rows.append({
                "bank": model.bank, "problem_id": pid, "arm": model.name, "solver": model.solver,
                "attempts": model.attempts, "compute_s": compute, "random_arm": base.name,
                "random_compute_s": float(baseline["compute_s"].iloc[-1]),
                **{f"model_{t}": found_by(model, pid, t, model.attempts) for t in ("valid", "novel")},
                **{f"random_{t}": found_by(base, pid, t, model.attempts) for t in ("valid", "novel")},
                "random_attempts_at_compute": equal, "random_capped": compute > baseline["compute_s"].iloc[-1],
                **{f"random_{t}_at_compute": found_by(base, pid, t, equal) for t in ("valid", "novel")},
                "example_is_solution": example is not None, "model_beyond_example": float(np.mean(beyond)),
            })
    return pd.DataFrame(rows)
