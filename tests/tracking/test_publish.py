"""A run whose MLflow store fails at its publish step: finished on disk, published later."""
import json
import os

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from harness.app.publish import main
from harness.run.config import JobConfig
from harness.run.job import Unpublished, run_job
from harness.tracking import metric_names as metrics
from harness.tracking.publish import PENDING, PublishError, publish_later
from harness.tracking.tracker import HTTP_RETRIES, TrackingSpec


def job(tmp_path, tiny_bank, **changes):
    settings = dict(experiment="lost", attempts=50, seed=0, workers=1, batch_size=0, verify_timeout_s=5.0,
                    results_dir=tmp_path, solver={"name": "random"}, bank_name="tiny", bank=tiny_bank,
                    tracking=TrackingSpec(enabled=True))
    return JobConfig(**{**settings, **changes})


def test_mlflow_http_retries_are_bounded_unless_set():
    assert set(HTTP_RETRIES) <= set(os.environ)  # set on import, unless whoever runs us set them
    assert int(HTTP_RETRIES["MLFLOW_HTTP_REQUEST_MAX_RETRIES"]) <= 3  # MLflow's own 7 block a run ~9 min


def lose_the_store_after(monkeypatch, calls: int):
    """The store answers `calls` logging calls, then no more (a server lost at the publish step)."""
    answered = {"n": 0}
    log_batch = MlflowClient.log_batch

    def flaky(self, *args, **kwargs):
        answered["n"] += 1
        if answered["n"] > calls:
            raise ConnectionError("Max retries exceeded: Connection refused")
        return log_batch(self, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "log_batch", flaky)


def test_a_run_whose_store_is_lost_at_publish_keeps_everything_and_publishes_later(ray_local, tmp_path, tiny_bank,
                                                                                   monkeypatch):
    with monkeypatch.context() as patch:
        lose_the_store_after(patch, calls=2)  # the run's params, and part of its curves
        with pytest.raises(Unpublished) as lost:
            run_job(job(tmp_path, tiny_bank), progress=False)
    run_dir = lost.value.result.run_dir
    assert lost.value.command == f"python -m harness.app.publish {run_dir}"
    assert "Connection refused" in lost.value.why
    assert json.loads((run_dir / "summary.json").read_text())["attempts"] == 150  # the run finished
    pending = json.loads((run_dir / PENDING).read_text())
    assert pending["status"] == "FINISHED" and pending["run_id"] == run_dir.name
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert client.get_run(run_dir.name).info.status == "RUNNING"
    with pytest.raises(RuntimeError, match="complete but not yet in MLflow; publish it: python -m harness.app.publish"):
        run_job(job(tmp_path, tiny_bank, resume=run_dir.name), progress=False)

    lines = publish_later(run_dir)
    assert lines[0] == f"run {run_dir.name} published to sqlite:///{tmp_path / 'mlflow.db'} (FINISHED)"
    run = client.get_run(run_dir.name)
    assert run.info.status == "FINISHED" and "verdict_novel" in run.data.tags
    assert run.data.metrics[metrics.tier("attempts")] == 150
    curve = pd.read_csv(run_dir / "curve.csv")
    for column, name in metrics.CURVE.items():  # once each, though part of it was logged before the loss
        history = client.get_metric_history(run_dir.name, name)
        assert [(m.step, m.value) for m in history] == list(zip(curve["attempts"], curve[column].astype(float)))
    assert {"summary.json", "curve.csv", "yield.png"} <= {a.path for a in client.list_artifacts(run_dir.name)}
    assert not (run_dir / PENDING).exists()
    with pytest.raises(PublishError, match="nothing left to publish"):
        publish_later(run_dir)


def test_publishing_refuses_what_it_cannot_do_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # the unreachable store: refused at once
    with pytest.raises(SystemExit, match="harness.publish: error: no run folder"):
        main([str(tmp_path / "nope")])
    (tmp_path / "run").mkdir()
    with pytest.raises(SystemExit, match=r"is not a finished run's folder \(no summary.json\)"):
        main([str(tmp_path / "run")])
    (tmp_path / "run" / "summary.json").write_text("{}")
    (tmp_path / "run" / PENDING).write_text("{garbage")
    with pytest.raises(SystemExit, match=f"{PENDING} is damaged"):
        main([str(tmp_path / "run")])
    (tmp_path / "run" / PENDING).write_text(json.dumps(
        {"run_id": "0123456789abcdef", "tracking_uri": "http://127.0.0.1:9", "status": "FINISHED", "curves": []}))
    with pytest.raises(SystemExit, match=r"cannot use the MLflow store at http://127.0.0.1:9.* stays on disk: try "
                                         "again later"):
        main([str(tmp_path / "run")])
    assert (tmp_path / "run" / PENDING).exists()
