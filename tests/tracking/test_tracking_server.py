"""The tracking server a team shares: `mlflow server` on a real PostgreSQL, two sweeps at once;
and a tracking server lost in the middle of a run."""
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from harness.testing import postgres
from harness.testing.browser import render_until
from harness.testing.postgres import MlflowServer, postgres_cluster
from harness.testing.screenshots import sweep_pages
from harness.tracking import metric_names as metrics
from harness.tracking.publish import PENDING
from harness.tracking.tracker import PARENT_TAG, SWEEP_TAG

HARNESS_RUN = str(Path(sys.executable).with_name("harness-run"))
UNPUBLISHED_EXIT = 75


def server_env(uri):
    return {**os.environ, "MLFLOW_TRACKING_URI": uri, "MLFLOW_DISABLE_TELEMETRY": "true",
            "RAY_USAGE_STATS_ENABLED": "0"}


def assert_histories_match_curve(client, run_id, run_dir):
    """Every column of the run's curve.csv is the MLflow metric history of its name, step for step."""
    curve = pd.read_csv(run_dir / "curve.csv")
    for column, name in metrics.CURVE.items():
        history = sorted((m.step, m.value) for m in client.get_metric_history(run_id, name))
        assert history == list(zip(curve["attempts"], curve[column].astype(float))), (run_id, name)


# Two drivers, as two researchers of a team would start them, logging to the same experiment.
SWEEPS = {"a": ("solver=random,evolve", "seed=0"), "b": ("solver=random", "seed=1,2")}
CHILDREN = {"a": ["evolve-tiny-s0", "random-tiny-s0"], "b": ["random-tiny-s1", "random-tiny-s2"]}


@pytest.mark.slow
@pytest.mark.skipif(not postgres.available(), reason="Debian's postgresql is not installed (.ci/run installs it)")
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_two_sweeps_at_once_on_a_tracking_server_backed_by_postgresql(tmp_path):
    began = time.monotonic()
    with postgres_cluster() as cluster, MlflowServer(cluster.uri(), tmp_path / "artifacts",
                                                     log=tmp_path / "server.log") as server:
        up = time.monotonic()
        logs = {name: (open(tmp_path / f"{name}.out", "w"), open(tmp_path / f"{name}.err", "w")) for name in SWEEPS}
        drivers = {name: subprocess.Popen(
            [HARNESS_RUN, "-m", *args, "bank=tiny", "attempts=500", "workers=1", "tracking=server",
             "experiment_name=team", f"results_dir={tmp_path / name}"],
            env=server_env(server.uri), stdout=logs[name][0], stderr=logs[name][1]) for name, args in SWEEPS.items()}
        outputs = {}
        for name, driver in drivers.items():
            driver.wait(timeout=900)
            for handle in logs[name]:
                handle.close()
            outputs[name] = [(tmp_path / f"{name}.{kind}").read_text() for kind in ("out", "err")]
            assert driver.returncode == 0, outputs[name][1][-3000:]
        swept = time.monotonic()

        client = MlflowClient(server.uri)
        experiment_id = client.get_experiment_by_name("team").experiment_id
        runs = client.search_runs([experiment_id], max_results=1000)
        parents = {r.info.run_id: r for r in runs if SWEEP_TAG in r.data.tags}
        assert len(parents) == 2 and len(runs) == 6
        for name in SWEEPS:
            stdout = outputs[name][0]
            [parent] = [p for p in parents if f"viewStateShareKey={p}&" in stdout]  # the sweep's own closing lines
            assert parents[parent].info.status == "FINISHED"
            children = [r for r in runs if r.data.tags.get(PARENT_TAG) == parent]
            assert sorted(c.info.run_name for c in children) == CHILDREN[name]
            for child in children:
                assert child.info.status == "FINISHED"
                run_dir = tmp_path / name / "team" / child.info.run_id
                assert child.data.metrics[metrics.tier("attempts")] == 1500
                assert_histories_match_curve(client, child.info.run_id, run_dir)
                assert "summary.json" in {a.path for a in client.list_artifacts(child.info.run_id)}
            report = {a.path for a in client.list_artifacts(parent, "report")}
            assert "report/REPORT.html" in report  # served by the server (--serve-artifacts) ...
        assert len(list((tmp_path / "artifacts").rglob("REPORT.html"))) == 2  # ... and stored there
        assert not list(tmp_path.rglob("mlflow.db"))  # no local store anywhere

        # What a reviewer opens first: each sweep's arranged chart view, in a real browser.
        for name in SWEEPS:
            [parent] = [p for p in parents if f"viewStateShareKey={p}&" in outputs[name][0]]
            pages = sweep_pages(server.uri, experiment_id, parent, CHILDREN[name])
            [page] = [p for p in pages if p.name == "chart-view"]
            charts = render_until(page.url, [*page.expected, *CHILDREN[name]], screenshot=tmp_path / f"{name}.png")
            sections = [charts.index(f">{section}<") for section in ("yield", "estimate", "cost", "tiers", "speed")]
            assert sections == sorted(sections)
            others = [c for other in SWEEPS if other != name for c in CHILDREN[other] if c not in CHILDREN[name]]
            assert not any(f">{c}<" in charts for c in others)  # this sweep's runs only
        viewed = time.monotonic()
    print(f"\npostgres + mlflow server up: {up - began:.1f} s; two sweeps at once: {swept - up:.1f} s; "
          f"checks and browser: {viewed - swept:.1f} s")


LOST_RUN = ["bank=tiny", "attempts=200000", "tracking=server", "experiment_name=lost"]
BOUND_S = 120  # from the server's loss to the run's end (MLflow's own retries: about 540 s)


@pytest.mark.slow
def test_a_tracking_server_lost_mid_run_leaves_the_run_finished_and_a_command_that_publishes_it(tmp_path):
    backend, artifacts = f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "artifacts"
    server = MlflowServer(backend, artifacts, log=tmp_path / "server.log").start()
    results = tmp_path / "results"
    try:
        run = subprocess.Popen([HARNESS_RUN, *LOST_RUN, f"results_dir={results}"], env=server_env(server.uri),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while not list(results.glob("lost/*/config.yaml")):  # its MLflow run exists, its attempts begin
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()[1][-3000:]
            time.sleep(0.05)
        server.kill()  # every process of the server, SIGKILL
        lost = time.monotonic()
        try:
            stdout, stderr = run.communicate(timeout=BOUND_S)
        except subprocess.TimeoutExpired:
            run.kill()
            run.communicate()
            pytest.fail(f"the run had not ended {BOUND_S} s after its tracking server was lost")
        ended = time.monotonic() - lost

        [run_dir] = [p.parent for p in results.glob("lost/*/config.yaml")]
        assert run.returncode == UNPUBLISHED_EXIT, stderr[-3000:]
        assert f"run {run_dir.name}: 600000 attempts" in stdout  # finished: its closing lines as ever
        assert (run_dir / "summary.json").exists() and (run_dir / PENDING).exists()
        last = stderr.strip().splitlines()[-1]
        assert "once the store is back, publish it: python -m harness.app.publish " in last
        command = shlex.split(last.split("publish it: ", 1)[1])
        assert command == ["python", "-m", "harness.app.publish", str(run_dir.resolve())]

        # A resume says what to do, not "nothing to resume"
        resumed = subprocess.run([HARNESS_RUN, *LOST_RUN, f"results_dir={results}", f"resume={run_dir.name}"],
                                 env=server_env(server.uri), capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 1 and "publish it: python -m harness.app.publish" in resumed.stderr

        server = MlflowServer(backend, artifacts, port=server.port, log=tmp_path / "server.log").start()  # back
        client = MlflowClient(server.uri)
        assert client.get_run(run_dir.name).info.status == "RUNNING"
        published = subprocess.run([sys.executable, *command[1:]], env=server_env(server.uri), capture_output=True,
                                   text=True, timeout=300)
        assert published.returncode == 0, published.stderr[-3000:]
        assert f"run {run_dir.name} published to {server.uri} (FINISHED)" in published.stdout
        logged = client.get_run(run_dir.name)
        assert logged.info.status == "FINISHED" and logged.data.metrics[metrics.tier("attempts")] == 600_000
        assert_histories_match_curve(client, run_dir.name, run_dir)
        assert "summary.json" in {a.path for a in client.list_artifacts(run_dir.name)}
        assert list(artifacts.rglob("summary.json"))  # stored by the server
        assert not (run_dir / PENDING).exists()
        print(f"\nthe run ended {ended:.1f} s after its server was lost")
    finally:
        server.stop()
