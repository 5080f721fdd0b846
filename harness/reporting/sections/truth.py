"""Against the truth: every estimate of an i.i.d. arm scored against the exact truth, where it is known."""
from __future__ import annotations

import math

import pandas as pd

from harness.analysis.fits import SATURATED_SLOPE
from harness.reporting import truth_check
from harness.reporting.arms import Arm
from harness.reporting.markdown import interval, num, table
from harness.reporting.truth_check import PROPORTIONAL_TRUE, TARGET, coverage, deepest_rows

TITLE = "Against the truth"


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    bar = lambda items: settings.progress(items, desc="against the truth", unit="arm")  # noqa: E731
    return {"truth_check": truth_check.truth_check(arms, n_boot=settings.n_boot, progress=bar)}


def markdown(f) -> list[str]:
    """Each estimator's coverage of the truth, the verdicts beside the true curves', and the deepest
    arms' estimates beside what is true."""
    check, verdicts = f["truth_check"], f["verdicts"]
    if not len(check):
        return ["No arm of this sweep has a truth: none is i.i.d. with known odds on problems whose solutions "
                "in reach are enumerated (problems/README.md lists them)."]
    cover = coverage(check)
    by_solver = (check[check["inside"].notna()].assign(inside=lambda d: d["inside"].astype(bool))
                 .groupby(["estimator", "solver"], sort=True)["inside"].agg(["size", "sum", "mean"]).reset_index())
    status = cover.assign(status=cover["coverage"].map(
        lambda c: "within 0.90-0.99" if TARGET[0] <= c <= TARGET[1]
        else (f"short of 0.90 by {TARGET[0] - c:.2f}" if c < TARGET[0] else f"above 0.99 (conservative) by {c - TARGET[1]:.3f}")))
    judged = verdicts[verdicts["agrees"].notna()] if "agrees" in verdicts else verdicts.iloc[:0]
    truth_rows = verdicts[verdicts["true_verdict"].astype(str) != ""] if "true_verdict" in verdicts else judged
    wrong_saturated = truth_rows[(truth_rows["verdict"] == "saturated") & (truth_rows["true_slope"] >= 0.5)]
    lines = [
        "Where the solver's odds are known and the problem's solutions in its reach can be enumerated, the true "
        "curve is exact (`harness/analysis/truth.py`): discovery c has odds p_c per attempt (the sum of the odds of "
        "the candidates that are c), and m attempts find sum_c 1 - (1 - p_c)^m of them in expectation. That holds "
        "for the random solver (uniform odds over its box), the heavy-tailed solver (each coordinate log-uniform "
        "in magnitude: small numbers far likelier, odds spanning orders of magnitude, the case the thesis turns on) "
        "and the synthetic urn, on every instance of the six batch-checked families whose box can be enumerated "
        "and on Ramsey n=5 (problems/README.md lists which have a truth and why the others do not). Every estimate "
        "of those arms is scored against it: the rarefied curve at a tenth of the pooled volume T, the observed "
        "count at T, Chao's extrapolation to 2T, the forecasts to 10x and 100x from the whole run and from its "
        "first 1%, Chao's asymptote against the discoveries in reach (a lower bound: its band holds the truth "
        "when its lower end is at most the truth), the slope over the last decade, and the share of problems "
        "solved. Goal: each 95% band holds the truth in 0.90-0.99 of rows. Table: `truth_check.csv` (one row per "
        "estimator, arm, problem, tier and volume).", "",
        table(status, {"estimator": "estimator", "rows": "rows", "held": "band holds the truth",
                       "coverage": "share", "status": "against the goal"}), "",
        "By solver:", "",
        table(by_solver.rename(columns={"size": "rows", "sum": "held", "mean": "share"}),
              {"estimator": "estimator", "solver": "solver", "rows": "rows", "held": "held", "share": "share"}), "",
        f"Verdicts beside the true curve's (the true slope over the same window, called proportional from "
        f"{PROPORTIONAL_TRUE}, saturated below {SATURATED_SLOPE}): {int(judged['agrees'].astype(bool).sum())} of "
        f"{len(judged)} decided family rows agree"
        + (f" ({num(judged['agrees'].astype(bool).mean())})" if len(judged) else "")
        + f"; {len(truth_rows) - len(judged)} more rows with a truth are undecided or found nothing; "
        f"{len(wrong_saturated)} rows read saturated where the true slope is 0.5 or more. Columns `true_slope`, "
        "`true_verdict` and `agrees` of `verdicts.csv`.", "",
    ]
    ahead = check[check["estimator"].str.startswith("forecast")]
    beyond = ahead[ahead["estimate"] >= ahead["in_reach"] + 0.5]
    lines += [f"Forecasts above the discoveries in reach by half a discovery or more: {len(beyond)} of {len(ahead)} "
              "forecast rows (the "
              "estimator does not know how many exist; every forecast is capped at proportional growth from "
              "what was found, which can still exceed it)"
              + (": " + "; ".join(f"{r['arm']} {r['problem_id']} {r['tier']} {r['estimator']}: {num(r['estimate'])} "
                                  f"of {num(r['in_reach'])}" for _, r in beyond.head(5).iterrows())
                 + ("; ..." if len(beyond) > 5 else "") if len(beyond) else "") + ".", ""]
    deep = deepest_rows(check, f.arms)
    if len(deep):
        lines += [
            "Novel discoveries on the small banks' problems, for each solver's deepest arm there: what was found "
            "and what was expected at that volume, Chao's lower bound beside the discoveries in reach, the "
            "forecast to 100x beside the true expectation there, and the slope beside the true slope.", "",
            table(deep.assign(chao_text=deep.apply(lambda r: f"at least {num(r['chao_lower'])}" if r["found"] > 0
                                                   else "-", axis=1),
                              forecast_text=deep.apply(lambda r: interval(r["forecast"], r["forecast_lower"], r["forecast_upper"])
                                                       if math.isfinite(r["forecast"]) else "fewer than 3 found",
                                                       axis=1)),
                  {"solver": "solver", "problem_id": "problem", "volume": "attempts (pooled)", "found": "found",
                   "true_found": "expected", "chao_text": "Chao", "in_reach": "in reach",
                   "forecast_text": "100x forecast [95%]", "true_100x": "true at 100x", "slope": "slope",
                   "true_slope": "true slope", "verdict": "verdict"}), ""]
    return lines
