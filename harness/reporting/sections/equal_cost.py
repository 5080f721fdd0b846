"""Equal cost: arms on one bank compared at the largest budget all of them reached, in dollars, CPU and attempts."""
from __future__ import annotations

import pandas as pd

from harness.reporting import figures as draw, science
from harness.reporting.arms import Arm
from harness.reporting.markdown import table
from harness.reporting.science import TIERS

TITLE = "Equal cost"
AXES = ("usd", "compute_s", "attempts")


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    return {"equal_cost": pd.concat([science.equal_cost(arms, settings.usd_per_core_hour, axis) for axis in AXES],
                                    ignore_index=True)}


def figures(f, out) -> dict[str, str]:
    spend = {arm.name: science.spend_curves(arm, f.usd_per_core_hour) for arm in f.arms}
    drawn = {}
    if len(f["equal_cost"]):
        drawn["equal_cost"] = draw.equal_cost(spend, f["equal_cost"], f.arms, out / "equal_cost.png",
                                              f.usd_per_core_hour).name
    tokens = draw.tokens(spend, f.arms, out / "tokens.png")
    if tokens:
        drawn["tokens"] = tokens.name
    return drawn


def priced(arm: Arm) -> bool:
    """Whether the arm's tokens had a price (a hosted model's `solver.prices`): dollars are then more than CPU."""
    return any(run.curve["cost_usd"].iloc[-1] > 0 for run in arm.runs)


def shown_once(compared: pd.DataFrame, arms: list[Arm], usd_per_core_hour: float) -> tuple[pd.DataFrame, list[str]]:
    """The rows to show, and why: on a bank where no arm's tokens had a price, a dollar is CPU seconds at
    one rate, so equal cost and equal compute pick the same budget and the same counts: shown once."""
    banks = set(compared["bank"]) if len(compared) else set()
    free = sorted(bank for bank in banks if not any(priced(a) for a in arms if a.bank == bank))
    if not banks:
        return compared, []
    if not free:
        return compared, ["Token prices make dollars more than compute on every bank here: both are shown.", ""]
    shown = compared[~(compared["bank"].isin(free) & (compared["axis"] == "usd"))]
    return shown, [
        f"On {', '.join(free)}, no arm's tokens had a price, so a dollar is CPU seconds at one rate "
        f"(${usd_per_core_hour:g} per core-hour) and equal cost is equal compute: it is shown once, as compute "
        "(`compute_s`; its dollar rows, the same numbers, are in `equal_cost.csv`)."
        + (" Where token prices make dollars more than compute, both are shown." if len(free) < len(banks) else ""),
        ""]


def markdown(f) -> list[str]:
    compared, why = shown_once(f["equal_cost"], f.arms, f.usd_per_core_hour)
    return [
        f"Arms on the same bank at the largest budget all of them reached: in dollars (token prices, "
        f"`solver.prices`, plus compute at an assumed ${f.usd_per_core_hour:g} per core-hour, "
        "`--usd-per-core-hour`), in compute alone (CPU seconds: verification, the solver's own work, and a "
        "model server's CPU in place of its requests' waiting) and in attempts. Mean of seeds. Table: "
        "`equal_cost.csv`.", "", *why,
        *(f"![{key}]({f.figures[key]})\n" for key in ("equal_cost", "tokens") if key in f.figures),
        table(compared, {"bank": "bank", "axis": "compared at equal", "arm": "arm", "budget": "budget",
                         "attempts": "attempts", "usd": "$", **{t: t for t in TIERS}, "tokens": "tokens",
                         "compute_s": "compute s", "full_usd": "whole arm, $"})
        if len(compared) else "No two arms share a bank."]
