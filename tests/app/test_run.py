"""The console script, run as a researcher runs it: a real subprocess, real Ray and MLflow."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from mlflow.tracking import MlflowClient

from harness.analysis import log_spaced_steps
from harness.core.problem import Tier
from harness.engine.regenerate import full_records

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
    runs = client.search_runs([experiment.experiment_id], filter_string="tags.solver != ''")
    assert sorted(r.data.tags["solver"] for r in runs) == ["random", "synthetic"]
    summaries = []
    for run in runs:
        run_dir = tmp_path / "smoke" / run.info.run_id
        # records=compact: the random solver's wrong attempts on batch-checked problems are counts; regenerated
        table = pa.concat_tables(list(full_records(run_dir)))
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
        history = client.get_metric_history(run.info.run_id, "yield/valid")
        assert [m.step for m in history] == log_spaced_steps(300).tolist()
        assert history[-1].value == summary["discoveries"]["valid"] > 0
        assert [m.value for m in history] == sorted(m.value for m in history)
        assert run.data.params["attempts"] == "300" and run.data.tags["seed"] == "5"
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"yield.png", "summary.json", "curve.csv", "config.yaml", "estimate.csv", "estimate.png"} <= artifacts
        estimated = client.get_metric_history(run.info.run_id, "estimate/valid")
        # to 2x volume, with the volume itself (where rarefaction meets extrapolation), as the report's
        assert [m.step for m in estimated] == np.union1d(log_spaced_steps(600, points=50), [300]).tolist()
        lower = {m.step: m.value for m in client.get_metric_history(run.info.run_id, "estimate/valid_lower")}
        assert all(lower[m.step] <= m.value for m in estimated)
        assert run.data.tags["verdict_valid"] == summary["analysis"]["valid"]["verdict"]
        assert run.data.metrics["summary/chao_valid"] >= summary["discoveries"]["valid"]
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
    ("+atempts=5", "harness-run: error: unknown setting atempts; did you mean attempts"),
    ("attemps=100", "harness-run: error: unknown setting attemps; did you mean attempts"),  # not Hydra's "use +"
    ("solver.hitrate=0.2", "unknown setting solver.hitrate; did you mean solver.hit_rate"),
    ("+solver.hitrate=0.2", "unknown setting solver.hitrate; did you mean solver.hit_rate"),
    ("+solver.hit_rate=0.1", "solver 'random' has no setting hit_rate"),  # another solver's: the solver says
    ("seeds=[0.5]", "each of seeds must be a whole number of at least 0, got 0.5"),
    ("seeds=3", "seeds must be a list of whole numbers (e.g. seeds=[0]), got 3"),
    ("experiment_name=", "experiment_name must be a plain folder name"),
    ("experiment_name=../../x", "experiment_name must be a plain folder name"),
    ("+bank.families.three_cubes=[7]", "an instance is a mapping of its parameters"),
    ("solver=llm", "the LLM server at http://127.0.0.1:8000/v1 cannot be reached"),
    ("results_dir=/proc/harness-results", "cannot write results"),
])
def test_bad_settings_fail_fast_with_a_clear_message(override, message, tmp_path):
    args = [override] if override.startswith("results_dir") else [override, f"results_dir={tmp_path}"]
    done = harness_run(*args, "bank=tiny", timeout=60)
    assert done.returncode != 0
    assert message in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    if not override.startswith("results_dir"):
        assert not tmp_path.exists() or list(tmp_path.iterdir()) == []  # no run began: no folder was left


@pytest.mark.slow
def test_a_sweeps_job_for_a_seed_the_arm_does_not_run_is_skipped_saying_so(tmp_path):
    # e.g. volume_thesis sweeps seeds 0-2 and an arm replays a recording of seed 0 alone
    done = harness_run("-m", "seed=0,1", "seeds=[1]", "bank=tiny", "attempts=20",
                       f"results_dir={tmp_path}", "experiment_name=seeds", timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "harness-run: seed 0 skipped: seeds=[1], the only seeds this run runs" in done.stdout
    assert done.stdout.count("results: ") == 1
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("seeds")
    runs = client.search_runs([experiment.experiment_id], filter_string="tags.solver != ''")
    assert [r.data.tags["seed"] for r in runs] == ["1"]
    assert [p.name for p in (tmp_path / "seeds").iterdir() if (p / "summary.json").exists()] == [runs[0].info.run_id]


@pytest.mark.slow
def test_adaptive_runs_are_compared_by_seed_mean_and_at_equal_compute(tmp_path):
    done = harness_run("-m", "solver=evolve", "seed=0,1", "bank=tiny", "attempts=200", f"results_dir={tmp_path}",
                       "experiment_name=adaptive")
    assert done.returncode == 0, done.stderr[-3000:]
    summaries = sorted((tmp_path / "adaptive").glob("*/summary.json"))  # the sweep's own folder has none
    assert len(summaries) == 2
    for path in summaries:
        run_dir, summary = path.parent, json.loads(path.read_text())
        assert "analysis" not in summary and not (run_dir / "estimate.csv").exists()  # not rarefied
        assert summary["batch_size"] == 200 and summary["spend"]["compute_s"] > 0
        assert (run_dir / "yield_cost.png").read_bytes()[:4] == b"\x89PNG"

    out = tmp_path / "cmp"
    compared = subprocess.run([HARNESS_COMPARE, "--experiment", "adaptive", "--results-dir", str(tmp_path),
                               "--mean-over-seeds", "--x", "compute_s", "--problem", "synthetic/K=20",
                               "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert compared.returncode == 0, compared.stderr[-2000:]
    table = pd.read_csv(out / "compare.csv")
    assert set(table["label"]) == {"evolve_tiny (mean of 2 seeds)"}  # the arm: solver_bank, unless named
    valid = table[table["tier"] == "valid"].sort_values("m")
    assert valid["compute_s"].is_monotonic_increasing and valid["estimate"].iloc[-1] > 0
    assert (valid["lower"] <= valid["estimate"]).all() and (valid["estimate"] <= valid["upper"]).all()


def start_and_wait_for_a_checkpoint(results_dir, *args):
    """harness-run in the background, returned once its first shards are durable."""
    import time

    driver = subprocess.Popen([HARNESS_RUN, "bank=tiny", "checkpoint_s=0.2", f"results_dir={results_dir}",
                               "experiment_name=stop", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        manifests = list((results_dir / "stop").glob("*/manifest.jsonl")) if (results_dir / "stop").exists() else []
        if manifests and len(manifests[0].read_text().splitlines()) >= 3:
            return driver, manifests[0].parent
        time.sleep(0.05)
    driver.kill()
    pytest.fail(f"no checkpoint appeared: {driver.communicate()[1][-2000:]}")


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_run_as_killed_with_the_command_that_resumes_it(tmp_path, signal_name, sigint_handled):
    import shlex
    import signal

    # 6,000,000 attempts: over a minute of work, so the signal lands mid-run however fast the tiny bank
    # checks (3 x 200,000 took 4.5 s in CI, and a busy machine's first checkpoint came near its end).
    driver, run_dir = start_and_wait_for_a_checkpoint(tmp_path, "attempts=2000000", "seed=4")
    driver.send_signal(getattr(signal, signal_name))
    _, err = driver.communicate(timeout=120)
    assert driver.returncode == 128 + getattr(signal, signal_name), err[-3000:]
    assert "Traceback" not in err and "SIGTERM received" not in err  # no traceback, no Ray crash dump
    assert f"run {run_dir.name} stopped: interrupted ({signal_name}); its finished work is kept." in err
    [command] = [line.split("resume it: ", 1)[1] for line in err.splitlines() if "resume it: " in line]
    assert command.endswith(f"resume={run_dir.name}") and "seed=4" in command
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert client.get_run(run_dir.name).info.status == "KILLED"
    if signal_name == "SIGTERM":  # the printed command completes it
        args = shlex.split(command)
        resumed = harness_run(*args[1:])
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert json.loads((run_dir / "summary.json").read_text())["attempts"] == 3 * 2000000
        assert client.get_run(run_dir.name).info.status == "FINISHED"


@pytest.mark.slow
def test_a_full_disk_stops_the_run_with_one_line_and_the_resume_command(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small)], capture_output=True)
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs as root and can mount a small tmpfs: {mounted.stderr!r}")
        pytest.skip("mounting a small tmpfs needs root")
    try:
        done = harness_run("bank=tiny", "attempts=3000000", "checkpoint_s=0.2", "tracking=off", "min_free_gb=0",
                           f"results_dir={small}", "experiment_name=full")
    finally:
        subprocess.run(["umount", "-l", str(small)], check=False)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.count("No space left on device") == 1, done.stderr[-3000:]
    assert "its finished work is kept" in done.stderr and "resume it: harness-run" in done.stderr


def test_a_single_run_says_where_to_open_mlflow_and_a_sweeps_job_leaves_it_to_the_sweep(tmp_path):
    from harness.app.run import where
    from harness.run.job import RunResult

    summary = {"attempts": 10, "discoveries": {"valid": 1}, "problems_solved": 1, "problems": 3}
    result = RunResult("r1", tmp_path / "r1", summary, experiment_id="7")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    alone = where(result, uri)
    assert "  MLflow:  " in alone and "  open it: mlflow ui --backend-store-uri" in alone and "yield curves:" in alone
    in_sweep = where(result, uri, in_sweep=True)
    assert in_sweep.splitlines() == alone.splitlines()[:2]  # the run and its folder; the sweep says the rest


def test_the_resume_command_keeps_the_jobs_overrides_and_runs_one_job():
    from harness.app.run import resume_command

    assert resume_command(["bank=tiny", "seed=3", "resume=old"], "abc") == "harness-run bank=tiny seed=3 resume=abc"
    assert resume_command(["experiment=volume_thesis", "+arm=random_deep", "solver.model=my model"], "abc",
                          in_sweep=True) == ("harness-run experiment=volume_thesis +arm=random_deep "
                                             "'solver.model=my model' hydra.mode=RUN resume=abc")


@pytest.mark.parametrize("content, message", [
    (b"name: bad\nfamilies:\n  three_cubes: [{k: 3, bound: 5}]  # caf\xe9\n", "bad.yaml is not UTF-8 text"),
    (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     + "".join(f"{a}: &{a} [{', '.join([f'*{b}'] * 10)}]\n" for b, a in zip("abcdefgh", "bcdefghi")).encode()
     + b"name: bad\nfamilies:\n  three_cubes: [{k: 3, bound: 5, known_solutions: *i}]\n",
     "bad.yaml expands to more than 5,000,000 YAML nodes"),
])
def test_a_bank_config_that_is_not_utf8_or_an_alias_bomb_is_one_line(tmp_path, monkeypatch, content, message):
    import shutil
    import time

    import harness.app.run

    configs = tmp_path / "configs"
    shutil.copytree(harness.app.run.CONFIG_DIR, configs)
    (configs / "bank" / "bad.yaml").write_bytes(content)
    monkeypatch.setattr(harness.app.run, "CONFIG_DIR", configs)
    monkeypatch.setattr(sys, "argv", ["harness-run", "bank=bad", "tracking=off", f"results_dir={tmp_path / 'r'}"])
    began = time.perf_counter()
    with pytest.raises(SystemExit) as info:
        harness.app.run.main()
    assert isinstance(info.value.code, str) and info.value.code.startswith("harness-run: error: ")
    assert message in info.value.code and "\n" not in info.value.code and time.perf_counter() - began < 5
