"""Hand-made runs for the report's tests: the tables harness-run writes, with known contents."""
import numpy as np
import pandas as pd
import pytest

from harness.reporting.runs import RunData

COLUMNS = ["problem_id", "canonical", "first_valid", "first_novel", "first_interesting",
           "found_valid", "found_novel", "found_interesting"]
BANK = {"name": "toy", "instance_lists": [], "families": {"golomb": [{"marks": 4, "bound": 6}],
                                                         "pell": [{"d": 2, "bound": 20}, {"d": 3, "bound": 30}]}}


def make_run(seed, discoveries, *, arm="a", solver="random", attempts=1000, exchangeable=True, spend=1.0,
             tiers=None, solved=1):
    """One run's tables; `discoveries` are rows of COLUMNS. Problem ids are those of BANK."""
    table = pd.DataFrame(discoveries, columns=COLUMNS).astype({c: "Int64" for c in COLUMNS[2:5]})
    steps = np.array([1, 10, 100, attempts])
    curve = pd.DataFrame({"attempts": steps, "valid": np.minimum(steps, 4), "novel": np.minimum(steps, 2),
                          "interesting": 0, "solved": 1, "tokens": 0, "cost_usd": 0.0,
                          "compute_s": spend * steps / attempts})
    summary = {"run_id": f"{arm}-{seed}", "arm": arm, "solver": solver, "bank": "toy", "seed": seed,
               "exchangeable": exchangeable, "attempts_per_problem": attempts, "attempts": 3 * attempts,
               "problems": 3, "problems_solved": solved,
               "tiers": tiers or {"valid": 5, "novel": 3, "interesting": 2, "wrong": 2990},
               "discoveries": {"valid": 4, "novel": 2, "interesting": 1}, "elapsed_s": 1.0, "attempts_per_s": 3000}
    return RunData(f"{arm}-{seed}", summary, {"bank": BANK, "solver": {"name": solver}}, curve, table)

@pytest.fixture
def run():
    return make_run
