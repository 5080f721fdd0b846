"""Slope and verdict: per arm, family and tier, the slope of log yield on log volume and what it says."""
from __future__ import annotations

import math

import pandas as pd

from harness.analysis.fits import YieldVerdict
from harness.reporting import figures as draw, science, truth_check
from harness.reporting.arms import Arm
from harness.reporting.markdown import interval, num, some

TITLE = "Slope and verdict"
SHOWN_TIER = "novel"  # the report's table; every tier is in verdicts.csv
UNSETTLED = (YieldVerdict.NO_DISCOVERIES.value, YieldVerdict.UNDECIDED.value)  # nothing said of the slope: CSV only


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    bar = lambda items: settings.progress(items, desc="verdicts", unit="arm")  # noqa: E731
    return {"verdicts": truth_check.verdicts_against_truth(
        science.verdicts(arms, n_boot=settings.n_boot, progress=bar), arms)}


def figures(f, out) -> dict[str, str]:
    return {"slopes": draw.slopes(f["verdicts"], f.arms, out / "slopes.png").name}


def slope_text(row) -> str:
    bounds = [row["slope_lower"], row["slope_upper"]]
    if math.isfinite(row["slope"]) and all(math.isfinite(b) for b in bounds) and bounds[1] - bounds[0] < 1e-9:
        return f"{num(row['slope'], 2)} (no spread)"  # the verdicts' own word for it (undecided)
    return interval(row["slope"], *bounds, digits=2)


def reached(row) -> str:
    values = [row.get(f"reached_{share}") for share in ("0.5", "0.9", "0.99")]
    if row["verdict"] != "saturated" or any(v is None or not math.isfinite(v) for v in values):
        return ""
    return " / ".join(num(v) for v in values)


def markdown(f) -> list[str]:
    v = f["verdicts"]
    v = v.assign(slope_text=v.apply(slope_text, axis=1), reached=v.apply(reached, axis=1))
    return [
        "Slope of log(discoveries) on log(attempts) over the last decade of volume: 1 is proportional "
        "(the volume thesis), below 1 diminishing returns. Verdict, from the slope's interval: faster than "
        "proportional if it lies above 1 (an adaptive search can), proportional if it contains 1, saturated if "
        "it lies wholly below 0.1, diminishing otherwise; undecided when it has no spread or when fewer than "
        "ten discoveries were each seen once (their rarefied curve is a straight line by construction); "
        "adaptive arms: saturated when no seed found anything new in the last decade. A saturated "
        "curve still has a slope when its last discoveries were first reached inside the window; the last "
        "column says by which volume it had reached 50%, 90% and 99% of its asymptote (`reason` in the table "
        "says it in words). "
        "Intervals: bootstrap 95%; for adaptive arms, each seed's discoveries resampled, seeds averaged. "
        f"Table: `verdicts.csv`; below, the {SHOWN_TIER} tier's rows with a verdict on the slope.", "",
        f"![slopes]({f.figures['slopes']})", "",
        *some(v, (v["tier"] == SHOWN_TIER) & ~v["verdict"].isin(UNSETTLED),
              {"family": "family", "arm": "arm", "volume": "volume", "observed": "found",
               "slope_text": "slope [interval]", "verdict": "verdict",
               "reached": "saturated: 50% / 90% / 99% of it by"},
              "verdicts.csv", f"the tiers other than {SHOWN_TIER}, and the rows whose verdict is "
              + " or ".join(UNSETTLED))]
