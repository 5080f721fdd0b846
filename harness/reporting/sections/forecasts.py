"""Forecasts: each i.i.d. curve beyond twice its volume, and how far such forecasts held when checked."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.reporting import forecasts
from harness.reporting.arms import UNIFORM, Arm, of_kind
from harness.reporting.markdown import band, more_rows, table

TITLE = "Forecasts"
TRUSTED_SHARE = 0.9  # a forecast reach is trusted when this share of its checked rows fell inside the band


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    made = {"forecast_check": (forecasts.forecast_check, "forecast checks"),
            "solved_forecast": (forecasts.solved_forecast, "solved forecasts")}
    return {name: make(arms, n_boot=settings.n_boot,
                       progress=lambda items, desc=desc: settings.progress(items, desc=desc, unit="arm"))
            for name, (make, desc) in made.items()}


def forecast_table(curves: pd.DataFrame) -> pd.DataFrame:
    """Per i.i.d. arm and family, novel tier: found, extrapolated to 2x, forecast to 10x and 100x."""
    rows = []
    novel = curves[(curves["tier"] == "novel")]
    for (arm, family), part in novel.groupby(["arm", "family"], sort=True):
        ahead = part[part["method"] == "forecast"]
        if not len(ahead):
            continue
        at = part[part["method"] == "observed"].iloc[0]
        doubled = part[part["method"] == "extrapolation"].iloc[-1]
        ten = ahead.iloc[int(np.argmin(np.abs(ahead["m"] - 10 * at["m"])))]
        rows.append({"arm": arm, "family": family, "volume": at["m"], "found": at["estimate"],
                     "doubled": band(doubled), "ten": band(ten), "hundred": band(ahead.iloc[-1])})
    return pd.DataFrame(rows)


def trust(check: pd.DataFrame) -> pd.DataFrame:
    """Per arm, comparison and reach: rows checked, rows whose actual value lay inside the 95% band."""
    fitted = check[check["inside"].notna()]
    if not len(fitted):
        return pd.DataFrame()
    return (fitted.assign(inside=fitted["inside"].astype(bool))
            .groupby(["arm", "against", "reach"], sort=True)
            .agg(rows=("inside", "size"), inside=("inside", "sum")).reset_index()
            .assign(share=lambda d: d["inside"] / d["rows"]))


def trust_sentences(table: pd.DataFrame) -> list[str]:
    out = []
    for (arm, against), part in table.groupby(["arm", "against"], sort=True):
        held = part[part["share"] >= TRUSTED_SHARE]["reach"].tolist()
        shares = ", ".join(f"{int(r['inside'])} of {int(r['rows'])} at {int(r['reach'])}x" for _, r in part.iterrows())
        reaches = part["reach"].tolist()
        if held == reaches:
            verdict = f"it held at every reach checked: trust it to {max(reaches)}x on problems like these"
        elif held and held == reaches[:len(held)]:
            verdict = (f"it held to {max(held)}x and not beyond: trust it to {max(held)}x, and read the dotted part "
                       "of the curves beyond that as a guess")
        else:
            verdict = ("it did not hold even at the nearest reach: the dotted curves are not to be trusted "
                       "for problems like these")
        out.append(f"- {arm} (against the {against} value): bands held the actual value in {shares}; {verdict}.")
    return out


def markdown(f) -> list[str]:
    lines = [
        "Beyond twice the volume, where Chao's extrapolation stops, each i.i.d. curve is forecast to 100x (dotted "
        "in the yield figures): the discoveries' detection rates fitted as gamma-distributed, so incidence counts "
        "are negative binomial (Fisher, Corbet & Williams 1943; near its log-series limit the growth is about "
        "logarithmic), zero-truncated, by maximum likelihood; 95% bands from a parametric bootstrap. Novel tier "
        "(all tiers in `curves.csv`, method `forecast`):", "",
        table(forecast_table(f["curves"]), {"arm": "arm", "family": "family", "volume": "attempts (pooled)",
                                            "found": "novel found", "doubled": "2x (Chao)", "ten": "10x (forecast)",
                                            "hundred": "100x (forecast)"}), "",
        "### Checked against runs that went there", "",
        "Each i.i.d. arm forecast from the first 1% of its attempts (seeds pooled) to 10x and 100x that, against "
        "what its runs actually found by then; the synthetic arm forecast from its whole run to 10x and 100x "
        "against its true expected yield. The band is of an expected count, so an observed count (an integer) "
        "is inside when it lies within the band taken out to the integers around it. Rows with fewer than three "
        "discoveries at the origin are not fitted. "
        "Table: `forecast_check.csv`.", ""]
    check = f["forecast_check"]
    if not len(check):
        return lines + ["No i.i.d. arm in this sweep kept early counts (runs made before the check existed)."]
    summary = trust(check)
    if len(summary):
        lines += [table(summary, {"arm": "arm", "against": "against", "reach": "reach (x)", "rows": "rows fitted",
                                  "inside": "inside 95% band", "share": "share inside"}), "",
                  *trust_sentences(summary), ""]
    else:  # e.g. a short sweep
        lines += ["No row had three discoveries at its origin: nothing was fitted, so no forecast is checked.", ""]
    uniform = of_kind(f.arms, UNIFORM)  # per problem, only for uniform search's deepest arm: the table stays short
    deep = max(uniform, key=lambda a: (a.attempts, a.name)) if uniform else None
    chosen = check[check["arm"].isin([deep.name] if deep else []) | (check["against"] == "true expected")]
    shown = chosen[chosen["estimate"].map(math.isfinite)]  # the rest have fewer than three discoveries to fit
    if len(chosen):
        who = f"{deep.name} and the synthetic urn" if deep else "the synthetic urn"
        lines += [f"Per problem and tier, for {who}, the rows fitted:", "",
                  table(shown.assign(forecast=shown.apply(band, axis=1)) if len(shown) else shown,
                        {"arm": "arm", "problem_id": "problem", "tier": "tier", "from": "from (pooled)",
                         "found_at_origin": "found there", "to": "to", "forecast": "forecast [95%]",
                         "actual": "actual", "inside": "inside"}), "",
                  *more_rows(len(check) - len(shown), "forecast_check.csv",
                             f"the other arms', and {len(chosen) - len(shown):,} of theirs here with fewer than "
                             "three discoveries at the origin to fit"), ""]
    solved = f["solved_forecast"]
    if len(solved):
        lines += [
            "### Problems solved", "",
            "The expected share of an arm's problems solved at least once, far beyond the run: each problem's "
            "chance per attempt fitted as Beta across problems to the problems' counts of solving attempts, unsolved "
            "ones included (beta-binomial, the distributional estimator of Schaeffer et al. 2025), 95% bootstrap "
            "over problems; beside it the power law -log(coverage) = a k^b of Brown et al. (2024) fitted to the "
            "rarefied coverage curve. Table: `solved_forecast.csv`.", "",
            table(solved.assign(forecast=solved.apply(lambda r: band(r, "share"), axis=1)),
                  {"arm": "arm", "problems": "problems", "reach": "x volume", "attempts": "attempts (pooled)",
                   "observed": "share solved", "forecast": "forecast [95%]", "power_law": "power law"}), ""]
    return lines
