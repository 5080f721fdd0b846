"""The price of the next discovery: the further attempts to find 90% of Chao's asymptote, per i.i.d. arm."""
from __future__ import annotations

import math

import pandas as pd

from harness.reporting import science
from harness.reporting.arms import Arm
from harness.reporting.markdown import num, table

TITLE = "The price of the next discovery"


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    return {"prices": science.prices(arms)}


def markdown(f) -> list[str]:
    prices = f["prices"]
    if not len(prices):
        return ["No i.i.d. arm in this sweep."]
    novel = prices[(prices["tier"] == "novel") & (prices["observed"] > 0)]
    left = novel[novel["more_attempts"] > 0]
    rows = left.assign(
        more=left.apply(lambda r: (num(r["more_attempts"]) if math.isfinite(r["more_attempts"]) else "never")
                        + ("" if r["trusted"] else " (beyond 2x: untrusted)"), axis=1),
        each=left["per_discovery"].map(lambda x: num(x) if math.isfinite(x) else "-"))
    return [
        "For each i.i.d. arm and problem: to find 90% of what that solver can find there (Chao's asymptote), how "
        "many more attempts (pooled over seeds), by inverting the extrapolation the curves use (Chao et al. 2014; "
        "Chao's asymptote is a lower bound, so this is the price of 90% of at least that much); "
        "and the expected attempts per new discovery at the end of the run. Beyond twice the run's volume the "
        "extrapolation is not trusted, and the row says so. Novel tier, problems with a novel discovery and "
        f"something left to find ({len(novel) - len(left)} more are at 90% already); every tier in `prices.csv`.", "",
        table(rows, {"arm": "arm", "problem_id": "problem", "volume": "attempts (pooled)", "observed": "novel found",
                     "chao": "Chao", "more": "to find 90% of Chao's lower bound: more attempts",
                     "each": "attempts per new discovery now"}) if len(rows) else "Every row is at 90% already."]
