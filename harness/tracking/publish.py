"""The publish step, now or later: a run's numbers and files to its MLflow run.

A run publishes once its attempts are done and its files written. When its MLflow store cannot
take them (a tracking server lost mid-run: MLflow's retries are bounded in harness.tracking.tracker),
nothing is lost: what it would have logged is kept beside its files as `unpublished.json`, the
run ends with the command that publishes it, and that command, once the server is back,
logs everything to the same MLflow run (created when the run started) and closes it:

    python -m harness.app.publish RUN_DIR [--tracking-uri URI]

Publishing again is harmless: metrics carry the run's own timestamps (MLflow keeps one copy of
a metric with the same key, step, value and timestamp), tags and artifacts are overwritten.
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness.store.locks import Busy, file_lock
from harness.tracking import review
from harness.tracking.tracker import MlflowTracker, TrackingError, one_line, open_client

PENDING = "unpublished.json"  # in a run's folder: what its MLflow run still lacks
RUN_LOCK = "run.lock"  # harness.run.job's: a run directory is owned by one process


@dataclass(frozen=True)
class Published:
    """What a run's MLflow run gets: metric curves (frame, step column), one-value metrics, tags."""
    curves: tuple[tuple[pd.DataFrame, str], ...] = ()
    values: dict[str, float] = dataclasses.field(default_factory=dict)
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def now_ms() -> int:
    return int(time.time() * 1000)


def publish(tracker, published: Published, artifacts: list[Path], status: str | None = None,
            timestamp_ms: int | None = None) -> None:
    """The publish step: the run's numbers and files to its MLflow run (nothing when tracking is
    off), then, with `status`, the run closed. Metrics are stamped `timestamp_ms` (default: now)."""
    stamp = now_ms() if timestamp_ms is None else timestamp_ms
    for frame, step_column in published.curves:
        tracker.log_curve(frame, step_column=step_column, timestamp_ms=stamp)
    tracker.log_metrics(published.values, timestamp_ms=stamp)
    if published.tags:
        tracker.set_tags(published.tags)
    tracker.log_artifacts(artifacts)
    if status is not None:
        tracker.finish(status)


def keep_unpublished(run_dir: Path, run_id: str, tracking_uri: str, published: Published, artifacts: list[str],
                     status: str, timestamp_ms: int, why: str) -> Path:
    """What the store could not take, kept in the run's folder for `python -m harness.app.publish`."""
    record = {
        "run_id": run_id, "tracking_uri": tracking_uri, "status": status, "timestamp_ms": timestamp_ms,
        "why": why, "artifacts": list(artifacts), "values": published.values, "tags": published.tags,
        "curves": [{"step_column": step, "frame": frame.to_dict(orient="list")} for frame, step in published.curves],
    }
    path = Path(run_dir) / PENDING
    aside = path.with_name(PENDING + ".tmp")
    aside.write_text(json.dumps(record, default=float) + "\n")
    aside.replace(path)  # whole or absent
    return path


def command(run_dir: Path) -> str:
    return f"python -m harness.app.publish {Path(run_dir).resolve()}"


class PublishError(RuntimeError):
    """Nothing to publish, a damaged record, or a store that still cannot take the run."""


def read_pending(run_dir: Path) -> dict:
    path = Path(run_dir) / PENDING
    if not path.is_file():
        if (Path(run_dir) / "summary.json").is_file():
            raise PublishError(f"run {Path(run_dir).name} has nothing left to publish (no {PENDING})")
        raise PublishError(f"{run_dir} is not a finished run's folder (no summary.json)")
    try:
        record = json.loads(path.read_text())
        record["run_id"], record["tracking_uri"], record["status"], record["curves"]  # noqa: B018
    except (ValueError, KeyError, TypeError):
        raise PublishError(f"{path} is damaged: the run's files are intact, but this record cannot be read") from None
    return record


def publish_later(run_dir: Path, tracking_uri: str | None = None) -> list[str]:
    """Publish a finished run that its store could not take; returns the closing lines."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise PublishError(f"no run folder {run_dir}")
    try:
        with file_lock(run_dir / RUN_LOCK, wait=False):
            record = read_pending(run_dir)
            uri = tracking_uri or record["tracking_uri"]
            try:
                client = open_client(uri)
                run = client.get_run(record["run_id"])
            except TrackingError as exc:
                raise PublishError(f"{exc}; run {record['run_id']} stays on disk: try again later") from None
            except Exception as exc:  # MLflow's own: e.g. a store that does not know the run
                raise PublishError(f"the MLflow store at {uri} cannot take run {record['run_id']}: "
                                   f"{one_line(exc)}") from None
            published = Published(tuple((pd.DataFrame(c["frame"]), c["step_column"]) for c in record["curves"]),
                                  dict(record.get("values", {})), dict(record.get("tags", {})))
            tracker = MlflowTracker(client, record["run_id"], run.info.experiment_id)
            try:
                publish(tracker, published, [run_dir / name for name in record.get("artifacts", [])],
                        status=record["status"], timestamp_ms=record.get("timestamp_ms"))
            except TrackingError as exc:
                raise PublishError(f"{exc}; run {record['run_id']} stays on disk: try again later") from None
            (run_dir / PENDING).unlink()
    except Busy as exc:
        raise PublishError(f"run {run_dir.name} is in use by another process ({exc})") from None
    base = review.ui_base(uri)
    return [f"run {record['run_id']} published to {uri} ({record['status']})",
            f"  run:          {review.run_link(base, run.info.experiment_id, record['run_id'])}",
            f"  yield curves: {review.chart_view_link(base, run.info.experiment_id)}"]
