import os

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from harness.tracking.tracker import NullTracker, TrackingSpec, flatten, start_tracker


def test_flatten_dots_nested_keys_and_cuts_long_values():
    flat = flatten({"solver": {"name": "random"}, "attempts": 10, "bank": {"families": {"a": [1] * 400}}})
    assert flat["solver.name"] == "random" and flat["attempts"] == "10"
    assert len(flat["bank.families.a"]) == 500 and flat["bank.families.a"].endswith("...")


def test_curve_is_logged_with_step_equal_to_attempts(tmp_path):
    spec = TrackingSpec()
    tracker = start_tracker(spec, tmp_path, "exp", "run", {"solver": "random"}, {"seed": "1"})
    curve = pd.DataFrame({"attempts": [1, 10, 100], "valid": [0, 2, 5], "solved": [0, 1, 1]})
    tracker.log_curve(curve, step_column="attempts")
    (tmp_path / "note.txt").write_text("hello")
    tracker.log_artifacts([tmp_path / "note.txt"])
    tracker.finish("FINISHED")

    client = MlflowClient(spec.resolved_uri(tmp_path))
    run = client.get_run(tracker.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["solver"] == "random"
    assert run.data.params == {"seed": "1"}
    history = client.get_metric_history(tracker.run_id, "valid")
    assert [(m.step, m.value) for m in history] == [(1, 0.0), (10, 2.0), (100, 5.0)]
    assert [a.path for a in client.list_artifacts(tracker.run_id)] == ["note.txt"]
    assert (tmp_path / "mlflow.db").exists()


def test_tracking_off_gives_a_run_id_and_logs_nothing(tmp_path):
    tracker = start_tracker(TrackingSpec(enabled=False), tmp_path, "exp", "run", {}, {})
    assert isinstance(tracker, NullTracker) and len(tracker.run_id) == 32
    assert not (tmp_path / "mlflow.db").exists()


@pytest.mark.slow
def test_a_run_logs_to_a_tracking_server(tmp_path):
    """A real `mlflow server` on 127.0.0.1; harness-run logs to it through tracking=server."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bin_dir = Path(sys.executable).parent
    uri = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(bin_dir / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
                               "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
                               "--artifacts-destination", str(tmp_path / "server-artifacts"), "--workers", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{uri}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        run = subprocess.run([str(bin_dir / "harness-run"), "bank=tiny", "attempts=200", "tracking=server",
                              f"results_dir={tmp_path / 'results'}", "experiment_name=remote"],
                             env={**os.environ, "MLFLOW_TRACKING_URI": uri}, capture_output=True, text=True,
                             timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        client = MlflowClient(uri)
        [logged] = client.search_runs([client.get_experiment_by_name("remote").experiment_id])
        assert logged.info.status == "FINISHED" and logged.data.metrics["tiers/attempts"] == 600
        assert "summary.json" in {a.path for a in client.list_artifacts(logged.info.run_id)}
        assert list((tmp_path / "server-artifacts").rglob("summary.json"))  # stored by the server
        assert not (tmp_path / "results" / "mlflow.db").exists()  # nothing in the local store
    finally:
        server.terminate()
        server.wait(timeout=30)


STARTER = """
import sys, time
from pathlib import Path
from harness.tracking.tracker import TrackingSpec, start_tracker
results, name, go = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
time.sleep(max(0.0, go - time.time()))  # both processes start at the same moment
tracker = start_tracker(TrackingSpec(), results, "together", name, {}, {"p": name})
tracker.finish("FINISHED")
print(tracker.run_id)
"""


def test_two_runs_started_together_on_a_new_store_both_succeed(tmp_path):
    """Today's failure: both create the sqlite store at once and one dies in its migration."""
    import subprocess
    import sys
    import time

    go = f"{time.time() + 3:.3f}"  # past both interpreters' imports
    starters = [subprocess.Popen([sys.executable, "-c", STARTER, str(tmp_path), name, go], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in starters]
    assert [code for code, _, _ in outcomes] == [0, 0], [err[-2000:] for _, _, err in outcomes]
    client = MlflowClient(TrackingSpec().resolved_uri(tmp_path))
    runs = client.search_runs([client.get_experiment_by_name("together").experiment_id])
    assert sorted(r.info.run_id for r in runs) == sorted(out.strip() for _, out, _ in outcomes)


def test_a_corrupt_store_is_one_clear_error(tmp_path):
    from harness.tracking.tracker import TrackingError, open_client

    (tmp_path / "mlflow.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(TrackingError, match="cannot use the MLflow store at sqlite:///.*mlflow.db"):
        start_tracker(TrackingSpec(), tmp_path, "exp", "run", {}, {})
    with pytest.raises(TrackingError, match="no MLflow store at"):
        open_client(TrackingSpec().resolved_uri(tmp_path / "elsewhere"), must_exist=True)
    assert not (tmp_path / "elsewhere").exists()  # a reader creates no store


def test_resuming_a_run_the_store_does_not_know_is_one_clear_error(tmp_path):
    from harness.tracking.tracker import TrackingError

    start_tracker(TrackingSpec(), tmp_path, "exp", "run", {}, {}).finish("FINISHED")
    with pytest.raises(TrackingError, match="MLflow store at .*: Run with id=0123456789abcdef not found"):
        start_tracker(TrackingSpec(), tmp_path, "exp", "run", {}, {}, resume="0123456789abcdef")


def test_an_experiment_tag_set_meanwhile_by_another_client_is_read_again_not_an_error(tmp_path):
    """Two sweeps starting at once on a tracking server backed by PostgreSQL: MLflow's store
    inserts a new tag after looking for it, and the slower insert is refused (a duplicate key).
    The rival's insert is made here, on a real store, at exactly that moment."""
    from mlflow.exceptions import MlflowException

    from harness.tracking.tracker import set_experiment_tags

    class Raced(MlflowClient):
        raced = 0

        def set_experiment_tag(self, experiment_id, key, value):
            if not self.raced:
                self.raced += 1
                MlflowClient(self.tracking_uri).set_experiment_tag(experiment_id, key, value)  # the rival
                raise MlflowException('BAD_REQUEST: (psycopg.errors.UniqueViolation) duplicate key value '
                                      'violates unique constraint "experiment_tag_pk"')
            return super().set_experiment_tag(experiment_id, key, value)

    uri = TrackingSpec().resolved_uri(tmp_path)
    client = Raced(uri)
    experiment_id = client.create_experiment("together")
    set_experiment_tags(client, experiment_id, {"kind": "sweep", "view": "v1"})
    assert client.raced == 1
    assert {k: v for k, v in client.get_experiment(experiment_id).tags.items()
            if not k.startswith("mlflow.")} == {"kind": "sweep", "view": "v1"}

    class Refusing(MlflowClient):
        def set_experiment_tag(self, experiment_id, key, value):
            raise MlflowException("the store is read-only")

    with pytest.raises(MlflowException, match="read-only"):  # a refusal that lasts is not hidden
        set_experiment_tags(Refusing(uri), experiment_id, {"kind": "other"})
