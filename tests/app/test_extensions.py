"""Issue 38: a family and a solver from a package of one's own (declared by entry points, with no
audit checker) run through harness-run and harness-report as they are: the report says the family
is not audited, and shows the solver's arm."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import harness
from harness.testing.extension import FAMILY, SOLVER, write_package

pytestmark = pytest.mark.slow
REPO = Path(harness.__file__).resolve().parents[1]  # the tree under test, not an installed copy


def run_and_report(tmp_path: Path, *overrides: str) -> str:
    """One tiny run of the harness with the package on the path, then its report; REPORT.md's text."""
    packages = tmp_path / "site"
    instances = write_package(packages)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(packages), str(REPO)]),
           "MLFLOW_DISABLE_TELEMETRY": "true", "RAY_USAGE_STATS_ENABLED": "0"}
    results = tmp_path / "results"
    args = [a.replace("INSTANCES", str(instances)) for a in overrides]
    run = subprocess.run([sys.executable, "-m", "harness.app.run", "tracking=off", f"results_dir={results}",
                          "experiment_name=extension", "attempts=30", "workers=1", "seed=0", *args],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = tmp_path / "report"
    report = subprocess.run([sys.executable, "-m", "harness.app.report", "--runs", str(results / "extension"),
                             "--out", str(out), "--n-boot", "20"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert report.returncode == 0, report.stderr[-3000:]
    return (out / "REPORT.md").read_text()


def test_a_family_of_ones_own_runs_and_its_report_says_not_audited(tmp_path):
    text = run_and_report(tmp_path, "bank=tiny", "bank.name=squares", "~bank.families",
                          "bank.instance_lists=['INSTANCES']")
    assert f"Not audited (no independent checker of the family): {FAMILY}." in text
    assert "Not audited: no family of these runs has one." in text
    assert "squares/n=49" in text or f"yield_{FAMILY}.png" in text


def test_a_solver_of_ones_own_runs_and_is_reported_beside_a_family_not_audited(tmp_path):
    text = run_and_report(tmp_path, f"solver.name={SOLVER}", "bank=tiny", "bank.instance_lists=['INSTANCES']")
    assert SOLVER in text
    assert f"Not audited (no independent checker of the family): {FAMILY}." in text
    assert "| three_cubes |" in text  # the bank's own families are audited as ever
