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

from harness.engine.regenerate import full_records
from harness.run.config import JobConfig
from harness.run.job import run_job
from harness.store.manifest import MANIFEST
from harness.store.shards import read_attempts
from harness.tracking.tracker import TrackingSpec

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
    config = job(tmp_path, tiny_bank, resume=done.run_id, resolved={"attempts": 50, "seed": 1, "seeds": [0, 1]})
    (done.run_dir / "config.yaml").write_text("attempts: 50\nseed: 0\nseeds: []\n")
    with pytest.raises(RuntimeError, match="these differ: seed$"):  # seeds, which runs no other seed, may change
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
        "import sys, time; from pathlib import Path; from harness.store.locks import file_lock\n"
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


def test_many_problems_at_one_attempt_each_go_to_the_workers_in_few_calls(ray_local, tmp_path):
    """Hostile review, item 11: 10^5 instances at attempts=1 made 10^5 Ray calls (450 attempts/s)."""
    bank = {"erdos_straus": [{"n": n, "bound": 30} for n in range(2, 602)], "synthetic": [{"size": 20}]}
    result = run_job(job(tmp_path, bank, attempts=1, workers=2, records="full"), progress=False)
    summary = result.summary
    assert summary["problems"] == 601 and summary["attempts"] == 601 and summary["batch_size"] == 1
    assert summary["calls"] <= 17  # about eight calls per worker, not one per problem
    records = read_attempts(result.run_dir)
    assert sorted(zip(records["problem_id"].to_pylist(), records["attempt"].to_pylist())) == sorted(
        (pid, 0) for pid in [f"erdos_straus/n={n},B=30" for n in range(2, 602)] + ["synthetic/K=20"])


def test_a_run_whose_every_attempt_is_an_error_fails(ray_local, tmp_path, tiny_bank):
    from harness.testing.fake_llm import FakeLLMServer
    from harness.run.job import RunFailed

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


# Issue 35 (items 1, 4, 8): an interrupted run whose folder was damaged resumes exactly, or is
# refused in one line naming the file, before Ray starts and with nothing touched.
STOPPED_BANK = {"three_cubes": [{"k": 3, "bound": 5, "known_solutions": ["1, 1, 1"]}],  # conftest's tiny bank
                "erdos_straus": [{"n": 5, "bound": 12}],
                "synthetic": [{"size": 20, "known_count": 5, "interesting_tail": 5}]}
STOPPED = dict(attempts=2000, batch_size=500, records="compact", checkpoint_s=1e-6,
               resolved={"bank": {"name": "tiny", "families": STOPPED_BANK}, "solver": {"name": "random"}, "seed": 0,
                         "verify_timeout_s": 5.0})


@pytest.fixture(scope="module")
def stopped_run(ray_local, tmp_path_factory):
    """A records=compact run of twelve shards (one per batch), as if interrupted after its last."""
    where = tmp_path_factory.mktemp("stopped")
    done = run_job(job(where, STOPPED_BANK, **STOPPED), progress=False)
    (done.run_dir / "summary.json").unlink()
    return done


def copy_of(stopped_run, tmp_path, run_id="copy"):
    import shutil

    run_dir = tmp_path / "fast" / run_id
    shutil.copytree(stopped_run.run_dir, run_dir)
    (run_dir / "run.lock").unlink()
    return run_dir


def resume_of(tmp_path, tiny_bank, run_id="copy"):
    return job(tmp_path, tiny_bank, **STOPPED, resume=run_id)


def files_of(run_dir):
    return {p.relative_to(run_dir): p.read_bytes() for p in run_dir.rglob("*") if p.is_file() and p.name != "run.lock"}


@pytest.fixture
def no_ray(monkeypatch):
    """Anything that would plan the run (and so start Ray) fails the test."""
    import harness.run.job

    def plan_run(config):
        raise AssertionError("the run was planned (Ray started) before the damage was seen")

    monkeypatch.setattr(harness.run.job, "plan_run", plan_run)


def test_a_manifest_damaged_mid_file_is_refused_and_nothing_is_touched(stopped_run, tmp_path, tiny_bank, no_ray):
    run_dir = copy_of(stopped_run, tmp_path)
    lines = (run_dir / MANIFEST).read_text().splitlines(keepends=True)
    assert len(lines) == 13  # the header and twelve shards
    (run_dir / MANIFEST).write_text("".join(lines[:2] + ["{garbage\n"] + lines[3:]))
    before = files_of(run_dir)
    with pytest.raises(ValueError, match=r"manifest.jsonl is damaged \(line 3 is not JSON.*cannot be resumed"):
        run_job(resume_of(tmp_path, tiny_bank), progress=False)
    assert files_of(run_dir) == before


def test_a_resume_after_a_shard_line_was_removed_reruns_its_batches_under_new_names(stopped_run, tmp_path,
                                                                                    tiny_bank):
    """What the refusal of a damaged shard advises: its line deleted, its batches run again;
    the new shards are numbered after every name there was, so none is reused or overwritten."""
    run_dir = copy_of(stopped_run, tmp_path)
    lines = (run_dir / MANIFEST).read_text().splitlines(keepends=True)
    (run_dir / MANIFEST).write_text("".join(lines[:2] + lines[3:]))  # part-00001's line
    listed = {p: p.read_bytes() for p in (run_dir / "attempts").iterdir() if p.name != "part-00001.parquet"}
    resumed = run_job(resume_of(tmp_path, tiny_bank), progress=False)
    assert all(path.read_bytes() == data for path, data in listed.items())  # none overwritten
    names = [json.loads(line)["shard"] for line in (run_dir / MANIFEST).read_text().splitlines()[1:]]
    assert len(names) == len(set(names)) and "part-00012.parquet" in names and "part-00001.parquet" not in names
    assert resumed.summary["attempts"] == 3 * 2000
    attempts = pa.concat_tables(list(full_records(run_dir))).to_pandas()
    assert len(attempts) == 3 * 2000 and not attempts.duplicated(["problem_id", "attempt"]).any()


def forge(path, change):
    import pyarrow.parquet as pq

    pq.write_table(change(pq.read_table(path)), path)


def stringly(table):
    return table.set_column(table.schema.get_field_index("attempt"), "attempt", table["attempt"].cast(pa.string()))


def an_interesting_row(table):
    tiers = ["interesting"] + table["tier"].to_pylist()[1:]
    return table.set_column(table.schema.get_field_index("tier"), "tier", pa.array(tiers))


def with_compact(run_dir):
    return sorted((run_dir / "compact").iterdir())[0].name


def with_rows(run_dir):
    """The first attempts shard with a row (on a loaded machine an early shard may hold none)."""
    import pyarrow.parquet as pq

    return next(p for p in sorted((run_dir / "attempts").iterdir()) if pq.read_metadata(p).num_rows)


DAMAGED_SHARDS = {  # how the hostile review damaged a shard -> the file named, and what is said of it
    "string attempt": (lambda d: forge(d / "attempts/part-00000.parquet", stringly),
                       "attempts/part-00000.parquet", "does not match its checksum"),
    "missing attempts shard": (lambda d: (d / "attempts/part-00004.parquet").unlink(),
                               "attempts/part-00004.parquet", "is listed in manifest.jsonl but missing"),
    "missing compact shard": (lambda d: (d / "compact" / with_compact(d)).unlink(), "compact/",
                              "is listed in manifest.jsonl but missing"),
    "forged interesting row": (lambda d: forge(with_rows(d), an_interesting_row),
                               "attempts/part-", "does not match its checksum"),
}


@pytest.mark.parametrize("damage", DAMAGED_SHARDS)
def test_a_damaged_shard_is_named_in_one_line_before_ray_starts(stopped_run, tmp_path, tiny_bank, no_ray, damage):
    run_dir = copy_of(stopped_run, tmp_path)
    change, culprit, said = DAMAGED_SHARDS[damage]
    change(run_dir)
    before = files_of(run_dir)
    with pytest.raises(ValueError, match=f"{culprit}.*{said}") as raised:
        run_job(resume_of(tmp_path, tiny_bank), progress=False)
    assert "\n" not in str(raised.value) and "delete its line from manifest.jsonl" in str(raised.value)
    assert files_of(run_dir) == before


@pytest.mark.parametrize("linked", ["curve.csv", "compact"])
def test_a_link_inside_a_run_folder_is_refused_and_not_followed(stopped_run, tmp_path, tiny_bank, no_ray, linked):
    import os
    import shutil

    run_dir = copy_of(stopped_run, tmp_path)
    outside = tmp_path / "outside"
    if linked == "compact":  # a folder elsewhere, with a file a resume would delete as unlisted
        shutil.copytree(run_dir / "compact", outside)
        shutil.rmtree(run_dir / "compact")
        (outside / "part-09999.parquet").write_text("precious")
    else:
        (run_dir / "curve.csv").write_text("attempts\n1\n")  # as an earlier, stopped run left it
        outside.write_text("precious")
        (run_dir / "curve.csv").unlink()
    os.symlink(outside, run_dir / linked)
    kept = files_of(outside) if outside.is_dir() else outside.read_text()
    with pytest.raises(ValueError, match=f"{linked} is a symbolic link: links inside a run folder are refused"):
        run_job(resume_of(tmp_path, tiny_bank), progress=False)
    assert (files_of(outside) if outside.is_dir() else outside.read_text()) == kept


def test_an_evolve_run_with_a_model_counts_its_attempts_and_discoveries_per_operator(ray_local, tmp_path):
    """Through the runner: the summary's attempts per operator are the records', each discovery names
    the operator that found it first, and the report's table of the model's own finds sums to the arm's."""
    from collections import Counter

    from harness.bank.banks import bank_from_config_name
    from harness.testing.fake_llm import FakeLLMServer, bank_responder
    from harness.reporting import science
    from harness.reporting.arms import group_arms
    from harness.reporting.runs import read_run

    bank = {"three_cubes": [{"k": 3, "bound": 6, "known_solutions": ["1, 1, 1"]}],
            "egyptian": [{"a": 5, "b": 6, "terms": 3, "bound": 30}]}
    with FakeLLMServer(bank_responder(bank_from_config_name("llm_small"), hit_rate=0.3)) as server:
        solver = {"name": "evolve", "generation": 16, "llm": {"base_url": server.url, "api_key_env": None, "n": 2}}
        done = [run_job(job(tmp_path, bank, seed=seed, attempts=160, bank_name="two", solver=solver,
                            resolved={"bank": {"name": "two", "instance_lists": [], "families": bank},
                                      "solver": solver}), progress=False) for seed in (0, 1)]
        completions = server.choices
    for result in done:
        records = read_attempts(result.run_dir).to_pandas()
        assert records["operator"].notna().all() and result.summary["operators"] == dict(
            sorted(Counter(records["operator"]).items()))
        firsts = records[records["canonical"].notna()].sort_values("attempt").drop_duplicates(["problem_id",
                                                                                            "canonical"])
        discoveries = pd.read_csv(result.run_dir / "discoveries.csv", dtype={"canonical": str})
        assert dict(zip(discoveries["canonical"], discoveries["operator"])) == dict(zip(firsts["canonical"],
                                                                                        firsts["operator"]))
    assert sum(r.summary["operators"]["model"] for r in done) == completions
    [arm] = group_arms([read_run(r.run_dir) for r in done])
    table = science.model_operators([arm]).set_index("operator")
    assert {"model", "mutation", "fresh"} <= set(table.index) and table.loc["model", "valid"] > 0
    assert table["valid"].sum() == sum(r.summary["discoveries"]["valid"] for r in done) / 2  # mean per seed
    assert table["attempts"].sum() == 2 * 160 and abs(table["valid_share"].sum() - 1) < 1e-12
