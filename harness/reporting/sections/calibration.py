"""Calibration: the synthetic urn's estimated yield against its known true expectation."""
from __future__ import annotations

import pandas as pd

from harness.reporting import science
from harness.reporting.arms import Arm
from harness.reporting.markdown import table

TITLE = "Calibration"


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    return {"calibration": science.calibration(arms, done["curves"])}


def markdown(f) -> list[str]:
    return [
        "The synthetic solver draws from a known distribution, so its true expected yield is known: "
        "the estimator's band should contain it, at a tenth of the pooled volume and at it (rarefaction) "
        "and at twice it (extrapolation). Table: `calibration.csv`.", "",
        table(f["calibration"], {"arm": "arm", "family": "family", "m": "attempts", "method": "method",
                                 "estimate": "estimate", "lower": "lower", "upper": "upper", "truth": "true",
                                 "inside": "inside"}) if len(f["calibration"]) else "No synthetic arm in this sweep."]
