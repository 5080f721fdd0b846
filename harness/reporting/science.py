"""The numbers of a sweep report: curves, slopes and verdicts, Chao, forecasts and their check,
prices, funnels, equal cost. Every estimator is harness.analysis's, applied per arm and family
(the arm's seeds as SeededRuns); this module only arranges the rows."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from harness.analysis import runs as analysis
from harness.analysis.observed import discoveries_by_operator
from harness.analysis.runs import TIERS
from harness.core.problem import STATEMENT_VERSION
from harness.reporting.arms import MODEL, UNIFORM, URN, Arm, odds, of_kind
from harness.solvers.proposal import Operator
from harness.store.records import UNATTRIBUTED
from harness.reporting.truth_check import true_curve

# The data point of the debate: about 700 open problems attacked with an LLM, 13 solved,
# 1 of the solutions judged interesting.
REFERENCE_FUNNEL = {"problems": 700, "solved": 13, "interesting": 1}
USD_PER_CORE_HOUR = 0.04  # assumed price of compute, to put CPU seconds and tokens on one axis


def family_curve(arm: Arm, family: str, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Per tier: m, estimate, lower, upper, method (rarefaction, observed, extrapolation, forecast)."""
    runs = arm.seeded(family)
    return pd.concat([analysis.yield_curve(runs, tier, n_boot, seed, forecast=True).assign(tier=tier)
                      for tier in TIERS], ignore_index=True).assign(arm=arm.name, family=family)


def verdicts(arms: list[Arm], n_boot: int = 200, seed: int = 0, progress=lambda arms: arms) -> pd.DataFrame:
    """One row per arm, family and tier: slope of yield on volume, its interval, the verdict, Chao,
    and for saturated verdicts the volumes at which 50%, 90% and 99% of the asymptote were reached.
    `progress` wraps the arms (a progress bar)."""
    rows = []
    for arm in progress(arms):
        for family, problems in arm.families.items():
            runs = arm.seeded(family)
            for tier in TIERS:
                v, c = analysis.verdict(runs, tier, n_boot, seed), analysis.asymptote(runs, tier)
                slope, nan = v.slope, float("nan")
                reached = dict(v.saturation)
                rows.append({
                    "arm": arm.name, "solver": arm.solver, "family": family, "problems": problems, "tier": tier,
                    "seeds": len(arm.runs), "volume": runs.units, "observed": float(v.observed),
                    "slope": slope.slope if slope else nan, "slope_lower": slope.lower if slope else nan,
                    "slope_upper": slope.upper if slope else nan,
                    "window": f"{slope.window[0]}-{slope.window[1]}" if slope else "",
                    "interval": "bootstrap 95%" if arm.exchangeable else "bootstrap 95%, within seeds",
                    "coverage": v.coverage, "chao": c.estimate if c else nan, "chao_lower": c.lower if c else nan,
                    "chao_upper": c.upper if c else nan, "verdict": v.verdict.value, "reason": v.reason,
                    **{f"reached_{share:g}": reached.get(share, nan) for share in (0.5, 0.9, 0.99)},
                })
    table = pd.DataFrame(rows)
    table["undetected"] = table["chao"] - table["observed"]
    return table


def prices(arms: list[Arm]) -> pd.DataFrame:
    """Per i.i.d. arm, problem and tier: the further attempts (pooled) to find 90% of Chao's
    asymptote, attempts per new discovery at the end, and whether that lies within the doubling
    the extrapolation is trusted for."""
    return pd.concat([analysis.prices(arm.seeded(), [pid for ids in arm.problems.values() for pid in ids])
                      .assign(arm=arm.name, seeds=len(arm.runs)) for arm in arms if arm.exchangeable]
                     or [pd.DataFrame()], ignore_index=True)


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
            units = arm.seeded(family).units
            for m in (units // 10, units, 2 * units):
                i = int(np.argmin(np.abs(part["m"].to_numpy() - m)))
                point = part.iloc[i]
                rows.append({"arm": arm.name, "family": family, "m": int(point["m"]), "method": point["method"],
                             "estimate": point["estimate"], "lower": point["lower"], "upper": point["upper"],
                             "truth": float(truth[i]), "inside": bool(point["lower"] <= truth[i] <= point["upper"])})
    return pd.DataFrame(rows)


def truth_curve(arm: Arm, family: str, m: np.ndarray, members=None) -> np.ndarray | None:
    """The synthetic solver's true expected distinct discoveries of a family (or of the problems
    `members`) at volumes m; else None."""
    # the calibration urn; every other arm with a truth: Against the truth (truth_check.py)
    return true_curve(arm, family, m, members) if odds(arm) == URN else None


def found_by(arm: Arm, problem_id: str, tier: str, attempts: float) -> float:
    """Distinct discoveries of one problem reaching `tier` within its first `attempts`, mean of seeds."""
    return float(arm.seeded().restrict([problem_id]).found_within(tier, [math.ceil(attempts)]).mean())


def statement_version(arm: Arm) -> int:
    """The statements' wording the arm's model was asked in (harness/core/problem.py): its solver's
    `statement_version`, or 1 for runs made before the setting existed (they asked in the first)."""
    settings = arm.runs[0].config.get("solver", {}) or {}
    return int((settings.get("llm") or settings).get("statement_version", 1))


def example_solution(problem, version: int = STATEMENT_VERSION) -> str | None:
    """The canonical form of an example answer the statement (in wording `version`) gives, when
    that example is a solution (a model may copy it); None otherwise. From version 2 on no
    statement's example is a solution (tests/bank/test_statements.py); version 1's sometimes were."""
    _, _, tail = problem.statement_of(version).partition("e.g.")
    for example in re.findall(r"`([^`]+)`", tail):
        verdict = problem.verify(example)
        if verdict.tier.rank:
            return verdict.canonical
    return None


def model_operators(arms: list[Arm]) -> pd.DataFrame:
    """Per adaptive model arm (a model beside other operators, as evolve's) and operator: attempts,
    and distinct discoveries per tier credited to the operator that found each first, mean of
    seeds; their shares of the arm's; and how many of those discoveries are the prompt's own
    example answer (a model may copy it). Runs from before the records named operators count
    all as UNATTRIBUTED."""
    rows = []
    for arm in of_kind(arms, MODEL):
        if arm.exchangeable:  # a model alone: every attempt is its own
            continue
        examples = {p.id: example_solution(p, statement_version(arm)) for p in arm.runs[0].bank_problems}
        per_seed = []
        for run in arm.runs:
            d = run.discoveries
            copied = d[d["canonical"] == d["problem_id"].map(examples)]
            counts = discoveries_by_operator(d).set_index("operator").join(
                discoveries_by_operator(copied).set_index("operator")["valid"].rename("example"), how="outer")
            attempts = pd.Series(run.summary.get("operators") or {UNATTRIBUTED: run.summary["attempts"]},
                                 name="attempts", dtype=float)
            per_seed.append(counts.join(attempts, how="outer").fillna(0.0))
        mean = pd.concat(per_seed).groupby(level=0).sum() / len(arm.runs)  # absent in a seed: 0 there
        order = [o.value for o in Operator]  # the model first
        for operator, r in sorted(mean.iterrows(), key=lambda item: (order + [item[0]]).index(item[0])):
            rows.append({"arm": arm.name, "operator": operator, "attempts": r["attempts"],
                         "attempt_share": r["attempts"] / mean["attempts"].sum(),
                         **{t: r[t] for t in TIERS}, "example": r["example"],
                         "valid_share": r["valid"] / mean["valid"].sum() if mean["valid"].sum() else math.nan,
                         "valid_per_1000": 1000 * r["valid"] / r["attempts"] if r["attempts"] else math.nan})
    return pd.DataFrame(rows, columns=["arm", "operator", "attempts", "attempt_share", *TIERS, "example",
                                       "valid_share", "valid_per_1000"])


def model_against_random(arms: list[Arm]) -> pd.DataFrame:
    """Per problem and model arm: its distinct solutions (any tier) and novel ones within its
    attempts, beside the random arm of the same bank (the one with the most attempts) at equal
    attempts and at equal compute (CPU seconds, the model server's included); and whether the
    statement's own example is a solution, and the model found more than it."""
    rows = []
    for model in of_kind(arms, MODEL):
        randoms = [a for a in of_kind(arms, UNIFORM) if a.bank == model.bank]
        if not randoms:
            continue
        base = max(randoms, key=lambda a: (a.attempts, a.name))
        spent, baseline = spend_curves(model), spend_curves(base)
        compute = float(spent["compute_s"].iloc[-1])
        # random's attempts per problem when it had spent the model arm's whole compute
        equal = float(np.interp(compute, baseline["compute_s"], baseline["attempts"]))
        problems = {p.id: p for p in model.runs[0].bank_problems}
        version = statement_version(model)
        for pid, problem in sorted(problems.items()):
            example = example_solution(problem, version)
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
                "statement_version": version,
                "example_is_solution": example is not None, "model_beyond_example": float(np.mean(beyond)),
            })
    return pd.DataFrame(rows)
