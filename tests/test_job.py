"""Runs that fail fast, and runs that survive their driver being killed."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow as pa
import pytest
from mlflow.tracking import MlflowClient

from harness.config import JobConfig
from harness.job import run_job
from harness.record import MANIFEST, read_attempts
from harness.regenerate import full_records
from harness.tracking import TrackingSpec

HARNESS_RUN = str(Path(sys.executable).with_name("harness-run"))


def job(tmp_path, tiny_bank, **changes):
    settings = dict(experiment="fast", attempts=50, seed=0, workers=1, batch_size=0, verify_timeout_s=5.0,
                    results_dir=tmp_path, solver={"name": "random"}, bank_name="tiny", bank=tiny_bank,
                    tracking=TrackingSpec(enabled=False))
    return JobConfig(**{**settings, **changes})


def test_an_unwritable_results_dir_fails_before_anything_starts(tmp_path, tiny_bank):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(RuntimeError, match="cannot write results to .*a-file"):
        run_job(job(blocker / "results", tiny_bank))


def test_a_nearly_full_disk_fails_before_anything_starts(tmp_path, tiny_bank):
    with pytest.raises(RuntimeError, match=r"GiB free under .*below min_free_gb=1e\+09"):
        run_job(job(tmp_path, tiny_bank, min_free_gb=1e9))  # more than any disk has free
    assert not (tmp_path / "fast").exists()  # no run was started, no folder left


def test_resume_refuses_a_finished_run_and_changed_settings(ray_local, tmp_path, tiny_bank):
    done = run_job(job(tmp_path, tiny_bank), progress=False)
    with pytest.raises(RuntimeError, match="is complete"):
        run_job(job(tmp_path, tiny_bank, resume=done.run_id))
    (done.run_dir / "summary.json").unlink()
    config = job(tmp_path, tiny_bank, resume=done.run_id, resolved={"attempts": 50, "seed": 1})
    (done.run_dir / "config.yaml").write_text("attempts: 50\nseed: 0\n")
    with pytest.raises(RuntimeError, match="these differ: seed"):
        run_job(config)
    with pytest.raises(RuntimeError, match="no run nope"):
        run_job(job(tmp_path, tiny_bank, resume="nope"))


# A generous verification bound: this is about resuming, not about timeouts on a loaded machine.
COMMAND = ["bank=tiny", "solver=random", "attempts=60000", "seed=2", "batch_size=500", "checkpoint_s=0.2",
           "verify_timeout_s=60"]


LEFTOVER_S = 120  # Ray's agents of a killed driver exit on their own within this (README: Faults and limits)


@pytest.mark.slow
def test_a_killed_driver_resumes_with_every_attempt_once_and_the_same_results(ray_local, tmp_path, tiny_bank):
    reference = run_job(job(tmp_path, tiny_bank, experiment="reference", attempts=60000, seed=2, batch_size=500,
                            workers=2, verify_timeout_s=60, records="full"), progress=False)

    common = [*COMMAND, f"results_dir={tmp_path}", "experiment_name=crash"]
    driver = subprocess.Popen([HARNESS_RUN, *common], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    manifests = tmp_path / "crash"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = list(manifests.glob(f"*/{MANIFEST}")) if manifests.exists() else []
        if found and len(found[0].read_text().splitlines()) >= 4:  # the header and three shards
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"no checkpoint appeared: {driver.stderr.read1()[-2000:]!r}")
    ray_processes = psutil.Process(driver.pid).children(recursive=True)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    run_id = found[0].parent.name
    assert not (found[0].parent / "summary.json").exists()  # it really died mid-run

    # What the killed driver's Ray leaves is not cleaned up by hand: the resume starts at once.
    resumed = subprocess.run([HARNESS_RUN, *common, f"resume={run_id}"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    leftover = [p for p in ray_processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    gone, lingering = psutil.wait_procs(leftover, timeout=LEFTOVER_S)  # they notice their raylet is gone
    for process in lingering:
        process.kill()
    assert lingering == [], [p.name() for p in lingering]
    run_dir = found[0].parent
    summary = json.loads((run_dir / "summary.json").read_text())
    assert 0 < summary["resumed_with"] < 3 * 60000

    # records=compact (the default): the batch-checked problems' wrong attempts are counts, regenerated here
    attempts = pa.concat_tables(list(full_records(run_dir))).drop_columns(["verify_s"]).to_pandas()
    assert len(attempts) == 3 * 60000 and not attempts.duplicated(["problem_id", "attempt"]).any()
    expected = read_attempts(reference.run_dir).drop_columns(["verify_s"]).to_pandas()
    order = ["problem_id", "attempt"]
    pd.testing.assert_frame_equal(attempts.sort_values(order).reset_index(drop=True),
                                  expected.sort_values(order).reset_index(drop=True))
    for name, drop in (("discoveries.csv", []), ("curve.csv", ["compute_s"]), ("estimate.csv", [])):
        pd.testing.assert_frame_equal(pd.read_csv(run_dir / name).drop(columns=drop),
                                      pd.read_csv(reference.run_dir / name).drop(columns=drop), obj=name)

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("crash").experiment_id])
    assert [(r.info.run_id, r.info.status, r.data.tags["resumed"]) for r in runs] == [(run_id, "FINISHED", "1")]
    steps = [m.step for m in client.get_metric_history(run_id, "yield/valid")]
    assert steps == sorted(set(steps))  # one curve, not two


def test_a_run_in_use_by_another_process_cannot_be_resumed(ray_local, tmp_path, tiny_bank):
    done = run_job(job(tmp_path, tiny_bank), progress=False)
    (done.run_dir / "summary.json").unlink()  # as if interrupted
    manifest = (done.run_dir / MANIFEST).read_text()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from harness.locks import file_lock\n"
        "with file_lock(Path(sys.argv[1]), wait=False):\n    print('held', flush=True); time.sleep(60)"),
        str(done.run_dir / "run.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        began = time.monotonic()
        with pytest.raises(RuntimeError, match=rf"run {done.run_id} is in use by another process \(.*{holder.pid}"):
            run_job(job(tmp_path, tiny_bank, resume=done.run_id), progress=False)
        assert time.monotonic() - began < 10  # at once, not after waiting
        assert (done.run_dir / MANIFEST).read_text() == manifest  # nothing touched
    finally:
        holder.kill()
        holder.wait()
    resumed = run_job(job(tmp_path, tiny_bank, resume=done.run_id), progress=False)  # the lock died with it
    assert resumed.summary["attempts"] == 3 * 50


def test_more_workers_than_cpus_is_refused_at_once(ray_local, tmp_path, tiny_bank):
    cpus = int(ray_local.cluster_resources()["CPU"])
    began = time.monotonic()
    with pytest.raises(RuntimeError, match=f"workers={cpus + 2}, but the Ray cluster has {cpus} CPUs"):
        run_job(job(tmp_path, tiny_bank, workers=cpus + 2), progress=False)
    assert time.monotonic() - began < 30  # not a hang at 0 attempts
    assert not (tmp_path / "fast").exists()  # no run was started


def test_a_run_whose_every_attempt_is_an_error_fails(ray_local, tmp_path, tiny_bank):
    from harness.fake_llm import FakeLLMServer
    from harness.job import RunFailed

    with FakeLLMServer(api_key="sk-the-right-one") as server:  # refuses the solver, which sends no key
        config = job(tmp_path, tiny_bank, attempts=4, solver={"name": "llm", "base_url": server.url, "n": 2,
                                                              "api_key_env": None, "retries": 0},
                     tracking=TrackingSpec(enabled=True))
        with pytest.raises(RunFailed, match=r"all 12 attempts ended in tier error, e.g. llm request failed: HTTP 401"):
            run_job(config, progress=False)
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    [run] = client.search_runs([client.get_experiment_by_name("fast").experiment_id])
    assert run.info.status == "FAILED"


def test_a_damaged_manifest_is_refused_before_anything_is_touched(ray_local, tmp_path, tiny_bank):
    done = run_job(job(tmp_path, tiny_bank), progress=False)
    (done.run_dir / "summary.json").unlink()
    (done.run_dir / MANIFEST).write_text('{"batch_size": "many"}\n')
    shards = sorted((done.run_dir / "attempts").iterdir())
    with pytest.raises(ValueError, match=r"manifest.jsonl is damaged .*cannot be resumed"):
        run_job(job(tmp_path, tiny_bank, resume=done.run_id), progress=False)
    assert sorted((done.run_dir / "attempts").iterdir()) == shards


def test_a_run_made_before_the_server_setting_still_resumes(ray_local, tmp_path, tiny_bank):
    import yaml

    done = run_job(job(tmp_path, tiny_bank, resolved={"attempts": 50, "server": {"name": "none"}}), progress=False)
    (done.run_dir / "summary.json").unlink()
    (done.run_dir / "config.yaml").write_text(yaml.safe_dump({"attempts": 50}))  # as such runs saved it
    resumed = run_job(job(tmp_path, tiny_bank, resume=done.run_id, resolved={"attempts": 50,
                                                                             "server": {"name": "none"}}),
                      progress=False)
    assert resumed.summary["attempts"] == 3 * 50
