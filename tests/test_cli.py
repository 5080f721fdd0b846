"""The console script, run as a researcher runs it: a real subprocess, real Ray and MLflow."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from mlflow.tracking import MlflowClient

from harness.analysis import log_spaced_steps
from harness.problem import Tier

HARNESS_RUN = str(Path(sys.executable).with_name("harness-run"))
HARNESS_COMPARE = str(Path(sys.executable).with_name("harness-compare"))
TIERS = {t.value for t in Tier}


def harness_run(*args, timeout=300):
    return subprocess.run([HARNESS_RUN, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_multirun_smoke_sweep_lands_in_parquet_and_mlflow(tmp_path):
    done = harness_run("-m", "solver=random,synthetic", "bank=tiny", "attempts=300", "seed=5",
                       f"results_dir={tmp_path}", "experiment_name=smoke")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert done.stdout.count("results: ") == 2 and "mlflow ui --backend-store-uri" in done.stdout

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("smoke")
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.data.tags["solver"] for r in runs) == ["random", "synthetic"]
    summaries = []
    for run in runs:
        run_dir = tmp_path / "smoke" / run.info.run_id
        table = pq.read_table(run_dir / "attempts")
        assert table.num_rows == 3 * 300
        pairs = set(zip(table["problem_id"].to_pylist(), table["attempt"].to_pylist()))
        assert len(pairs) == 900  # every attempt exactly once
        tiers = table["tier"].to_pylist()
        assert set(tiers) <= TIERS
        summary = json.loads((run_dir / "summary.json").read_text())
        summaries.append(summary)
        assert summary["tiers"] == {t: tiers.count(t) for t in TIERS}
        # the rate is over the attempts, not the workers' start-up (reported apart)
        assert summary["startup_s"] > 0 and summary["elapsed_s"] > 0
        assert summary["attempts_per_s"] == pytest.approx(900 / summary["elapsed_s"], rel=0.01)
        history = client.get_metric_history(run.info.run_id, "valid")
        assert [m.step for m in history] == log_spaced_steps(300).tolist()
        assert history[-1].value == summary["discoveries"]["valid"] > 0
        assert [m.value for m in history] == sorted(m.value for m in history)
        assert run.data.params["attempts"] == "300" and run.data.tags["seed"] == "5"
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"yield.png", "summary.json", "curve.csv", "config.yaml", "estimate.csv", "estimate.png"} <= artifacts
        estimated = client.get_metric_history(run.info.run_id, "est_valid")
        assert [m.step for m in estimated] == log_spaced_steps(600, points=50).tolist()  # to 2x volume
        lower = {m.step: m.value for m in client.get_metric_history(run.info.run_id, "est_valid_lower")}
        assert all(lower[m.step] <= m.value for m in estimated)
        assert run.data.tags["verdict_valid"] == summary["analysis"]["valid"]["verdict"]
        assert run.data.metrics["chao_valid"] >= summary["discoveries"]["valid"]
    synthetic = next(s for s in summaries if s["solver"] == "synthetic")
    assert synthetic["tiers"]["malformed"] > 0 and synthetic["tiers"]["wrong"] == 0  # misses are empty
    assert summaries[0]["ray_node_id"] == summaries[1]["ray_node_id"]  # one Ray for both jobs

    compared = subprocess.run([HARNESS_COMPARE, "--experiment", "smoke", "--results-dir", str(tmp_path),
                               "--out", str(tmp_path / "cmp")], capture_output=True, text=True, timeout=120)
    assert compared.returncode == 0, compared.stderr[-2000:]
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    assert set(table["run_id"]) == {r.info.run_id for r in runs}
    assert set(table["tier"]) == {"valid", "novel", "interesting"}
    assert (tmp_path / "cmp" / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("override, choices", [
    ("solver=oracle", ["random", "synthetic"]),
    ("bank=nope", ["default", "tiny"]),
])
def test_unknown_group_choice_lists_the_valid_ones(override, choices, tmp_path):
    done = harness_run(override, f"results_dir={tmp_path}", timeout=60)
    assert done.returncode != 0
    assert all(c in done.stderr for c in choices), done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("override, message", [
    ("attempts=0", "attempts must be a whole number of at least 1, got 0"),
    ("verify_timeout_s=nan", "verify_timeout_s must be a finite number above 0, got nan"),
    ("checkpoint_s=inf", "checkpoint_s must be a finite number above 0, got inf"),
    ("min_free_gb=nan", "min_free_gb must be a finite number of at least 0, got nan"),
    ("workers=-1", "workers (0 means one per CPU) must be a whole number of at least 0"),
    ("+solver.hitrate=0.1", "no setting hitrate"),
    ("results_dir=/proc/harness-results", "cannot write results"),
])
def test_bad_settings_fail_fast_with_a_clear_message(override, message, tmp_path):
    args = [override] if override.startswith("results_dir") else [override, f"results_dir={tmp_path}"]
    done = harness_run(*args, "bank=tiny", timeout=60)
    assert done.returncode != 0
    assert message in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_adaptive_runs_are_compared_by_seed_mean_and_at_equal_compute(tmp_path):
    done = harness_run("-m", "solver=evolve", "seed=0,1", "bank=tiny", "attempts=200", f"results_dir={tmp_path}",
                       "experiment_name=adaptive")
    assert done.returncode == 0, done.stderr[-3000:]
    for run_dir in (tmp_path / "adaptive").iterdir():
        summary = json.loads((run_dir / "summary.json").read_text())
        assert "analysis" not in summary and not (run_dir / "estimate.csv").exists()  # not rarefied
        assert summary["batch_size"] == 200 and summary["spend"]["compute_s"] > 0
        assert (run_dir / "yield_cost.png").read_bytes()[:4] == b"\x89PNG"

    out = tmp_path / "cmp"
    compared = subprocess.run([HARNESS_COMPARE, "--experiment", "adaptive", "--results-dir", str(tmp_path),
                               "--mean-over-seeds", "--x", "compute_s", "--problem", "synthetic/K=20",
                               "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert compared.returncode == 0, compared.stderr[-2000:]
    table = pd.read_csv(out / "compare.csv")
    assert set(table["label"]) == {"evolve (mean of 2 seeds)"}
    valid = table[table["tier"] == "valid"].sort_values("m")
    assert valid["compute_s"].is_monotonic_increasing and valid["estimate"].iloc[-1] > 0
    assert (valid["lower"] <= valid["estimate"]).all() and (valid["estimate"] <= valid["upper"]).all()
