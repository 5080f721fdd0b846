"""The Forecasts section: per problem it shows the rows fitted, and says how many it left to forecast_check.csv."""
import math

import pandas as pd

from harness.reporting import science
from harness.reporting.arms import group_arms
from harness.reporting.findings import Findings
from harness.reporting.sections import forecasts

NOTE = "fewer than 3 discoveries to fit"


def check_row(arm, problem, estimate, against="observed", note=None):
    fitted = math.isfinite(estimate)
    return {"arm": arm, "problem_id": problem, "tier": "valid", "from": 10, "reach": 10, "to": 100,
            "found_at_origin": 5 if fitted else 1, "actual": 7, "against": against, "estimate": estimate,
            "lower": estimate - 2 if fitted else math.nan, "upper": estimate + 2 if fitted else math.nan,
            "inside": True if fitted else None, "note": note}


def test_per_problem_rows_not_fitted_are_left_to_the_csv_and_counted(run):
    rows = [("pell/D=2,B=20", "3,2", 1, 10, None, 9, 9, 0)]
    arms = group_arms([run(s, rows, arm=name, attempts=attempts) for s in (0, 1)
                       for name, attempts in (("random_deep", 1000), ("random_small", 100))])
    check = pd.DataFrame([check_row("random_deep", "pell/D=2,B=20", 6.0),
                          *(check_row("random_deep", p, math.nan, note=NOTE)
                            for p in ("golomb/m=4,L=6", "pell/D=3,B=30")),
                          check_row("synthetic", "synthetic/K=200", 199.0, against="true expected"),
                          check_row("random_small", "pell/D=2,B=20", 6.5)])
    curves = pd.concat([science.family_curve(a, f, n_boot=5) for a in arms for f in a.families])
    text = "\n".join(forecasts.markdown(Findings(arms, {"curves": curves, "forecast_check": check,
                                                        "solved_forecast": pd.DataFrame()})))
    assert "Per problem and tier, for random_deep and the synthetic urn, the rows fitted:" in text
    assert "| random_deep | pell/D=2,B=20 | valid | 10 | 5 | 100 | 6 [4, 8] | 7 | yes |" in text
    assert "| synthetic | synthetic/K=200 |" in text and NOTE not in text  # the unfitted rows are not shown
    assert "| random_deep | golomb/m=4,L=6 |" not in text and "| random_small | pell/D=2,B=20 | valid" not in text
    assert ("3 more rows in `forecast_check.csv`: the other arms', and 2 of theirs here with fewer than three "
            "discoveries at the origin to fit.") in text
    assert (check["note"] == NOTE).sum() == 2  # the rows left out are the CSV's
