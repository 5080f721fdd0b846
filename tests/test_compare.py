import numpy as np
import pandas as pd
import pytest

from harness.analysis.observed import spend_at
from harness.compare import mean_over_seeds, problem_curve


def test_spend_is_interpolated_between_steps_and_extrapolated_at_the_average_rate():
    curve = pd.DataFrame({"attempts": [1, 10, 100], "tokens": [5.0, 50.0, 400.0]})
    assert spend_at(curve, np.array([1, 55, 100, 200]), "tokens").tolist() == [5.0, 225.0, 400.0, 800.0]


def test_problem_curve_counts_that_problems_first_arrivals():
    discoveries = pd.DataFrame({
        "problem_id": ["a", "a", "b"], "first_valid": [0, 5, 1], "first_novel": [None, 5, 1],
        "first_interesting": [None, None, None]})
    table = problem_curve(discoveries, "a", np.array([1, 5, 6]))
    by_tier = {tier: part["estimate"].tolist() for tier, part in table.groupby("tier")}
    assert by_tier == {"valid": [1, 1, 2], "novel": [0, 0, 1], "interesting": [0, 0, 0]}


def test_seed_mean_has_a_band_and_keeps_single_seed_solvers_apart():
    def run(run_id, solver, values):
        m = np.array([1, 10, 100])
        return pd.DataFrame({"run_id": run_id, "solver": solver, "seed": run_id[-1], "label": run_id, "tier": "valid",
                             "m": m, "estimate": values, "lower": values, "upper": values, "method": "observed",
                             "tokens": m * 2.0, "cost_usd": 0.0, "compute_s": m * 0.1, "verdict": ""})
    curves = pd.concat([run("e0", "evolve", [0, 1, 3]), run("e1", "evolve", [0, 3, 5]), run("r0", "random", [0, 1, 1])])
    mean = mean_over_seeds(curves)
    evolve = mean[mean["solver"] == "evolve"]
    assert evolve["label"].iloc[0] == "evolve (mean of 2 seeds)"
    assert evolve["estimate"].tolist() == [0, 2, 4] and evolve["tokens"].tolist() == [2, 20, 200]
    sd = np.std([3, 5], ddof=1)
    assert (evolve["lower"] >= 0).all()
    assert evolve["upper"].iloc[-1] == pytest.approx(4 + 1.96 * sd / np.sqrt(2), rel=1e-3)
    assert set(mean[mean["solver"] == "random"]["label"]) == {"random (1 seed)"}


def test_an_unknown_run_id_or_a_missing_store_is_one_clear_error(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from harness.tracking import TrackingSpec, start_tracker

    compare = str(Path(sys.executable).with_name("harness-compare"))
    done = subprocess.run([compare, "0123456789abcdef", "--results-dir", str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "no MLflow store at" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "mlflow.db").exists()
    start_tracker(TrackingSpec(), tmp_path, "exp", "run", {}, {}).finish("FINISHED")
    done = subprocess.run([compare, "0123456789abcdef", "--results-dir", str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "harness-compare: error: no run 0123456789abcdef in sqlite:///" in done.stderr
