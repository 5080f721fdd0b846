import numpy as np
import pandas as pd
import pytest

from harness.analysis.observed import spend_at


def test_spend_is_interpolated_between_steps_and_extrapolated_at_the_average_rate():
    curve = pd.DataFrame({"attempts": [1, 10, 100], "tokens": [5.0, 50.0, 400.0]})
    assert spend_at(curve, np.array([1, 55, 100, 200]), "tokens").tolist() == [5.0, 225.0, 400.0, 800.0]


def test_a_runs_curves_are_the_analysis_curves_with_spend_at_m(run):
    from harness.reporting.compare import run_curves

    one = run(0, [["pell/D=2,B=20", "(3, 2)", 0, 0, None, 10, 10, 0], ["golomb/m=4,L=6", "(0, 1, 4, 6)", 4, None, None,
                                                                          1, 0, 0]], exchangeable=False)
    table = run_curves(one)
    valid = table[table["tier"] == "valid"]
    assert valid["method"].eq("observed").all() and valid["estimate"].iloc[-1] == 2
    assert valid["compute_s"].iloc[-1] == pytest.approx(1.0)  # the run's own spend at its last step
    pell = run_curves(one, problem="pell/D=2,B=20")
    assert pell[pell["tier"] == "valid"]["estimate"].iloc[-1] == 1
    assert set(table["verdict"]) <= {"proportional", "diminishing", "saturated", "no discoveries", "undecided"}


def test_arms_pool_iid_seeds_and_average_adaptive_ones(run):
    from harness.reporting.compare import arm_curves

    rows = [["pell/D=2,B=20", "(3, 2)", 0, 0, None, 10, 10, 0]]
    adaptive = [run(s, rows if s else [], arm="e", solver="evolve", exchangeable=False) for s in (0, 1)]
    iid = [run(s, rows, arm="r") for s in (0, 1)]
    curves = arm_curves(adaptive + iid)
    evolve = curves[(curves["arm"] == "e") & (curves["tier"] == "valid")]
    assert evolve["label"].iloc[0] == "e (mean of 2 seeds)" and evolve["estimate"].iloc[-1] == 0.5
    assert (evolve["lower"] >= 0).all() and evolve["upper"].iloc[-1] > 0.5  # a seed-to-seed band
    random = curves[(curves["arm"] == "r") & (curves["tier"] == "valid")]
    assert random["label"].iloc[0] == "r (2 seeds pooled)" and random["m"].max() == 2 * 2 * 1000
    # 2,000 pooled attempts cost what 1,000 of one seed cost, twice
    assert random.loc[random["m"] == 2000, "compute_s"].iloc[0] == pytest.approx(2.0)


def test_an_unknown_run_id_or_a_missing_store_is_one_clear_error(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from harness.tracking.tracker import TrackingSpec, start_tracker

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
