"""The flat layout's names keep working (harness/__init__.py): an old module is the new one, and an
old `python -m` command runs the new command."""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import harness

REPO = Path(harness.__file__).resolve().parents[1]


def test_an_old_module_name_is_the_module_that_does_its_job_now():
    import harness.job
    import harness.run.job
    from harness.job import run_job
    from harness.problem import Problem

    assert harness.job is harness.run.job and run_job.__module__ == "harness.run.job"
    assert Problem.__module__ == "harness.core.problem"
    for old, new in harness.MOVED.items():
        assert importlib.import_module(f"harness.{old}") is importlib.import_module(f"harness.{new}"), old


def test_the_flat_layouts_packages_still_give_their_names():
    from harness.audit import audit_runs, miss_check, solves
    from harness.bank import build_bank
    from harness.tracking import TrackingSpec

    assert audit_runs.__module__ == "harness.audit.verdicts" and miss_check.__module__ == "harness.audit.misses"
    assert solves.__module__ == "harness.audit.checkers" and build_bank.__module__ == "harness.bank.banks"
    assert TrackingSpec.__module__ == "harness.tracking.tracker"


def test_an_old_python_m_command_runs_the_new_one():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "harness.regenerate", "--help"], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m harness.app.regenerate")
