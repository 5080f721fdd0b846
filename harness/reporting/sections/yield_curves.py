"""Yield curves: distinct discoveries per family against attempts per problem, one figure per family."""
from __future__ import annotations

import pandas as pd

from harness.reporting import figures as draw, science
from harness.reporting.arms import Arm

TITLE = "Yield curves"


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    pairs = [(arm, family) for arm in arms for family in arm.families]
    return {"curves": pd.concat([science.family_curve(arm, family, n_boot=settings.n_boot) for arm, family in
                                 settings.progress(pairs, desc="yield curves", unit="curve")], ignore_index=True)}


def figures(f, out) -> dict[str, str]:
    return {f"yield_{family}": draw.family_yield(f["curves"], f.arms, family, out / f"yield_{family}.png").name
            for family in sorted({family for arm in f.arms for family in arm.families})}


def markdown(f) -> list[str]:
    return [
        "Distinct discoveries per family against attempts per problem, one panel per tier (valid: "
        "correct; novel: correct, not known, not trivial; interesting: novel and notable). i.i.d. arms: "
        "seeds pooled, rarefied (solid) up to the pooled volume and extrapolated (dashed) to twice it, "
        "95% bootstrap bands. Adaptive arms: observed, mean of seeds, 95% seed-to-seed band. Table: "
        "`curves.csv`.", "",
        *(f"![{key.removeprefix('yield_')}]({name})" for key, name in f.figures.items() if key.startswith("yield_"))]
