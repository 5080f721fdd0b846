"""MLflow tracking. Only the driver logs, in batches (per-call logging is ~100x slower)."""
from __future__ import annotations

import functools
import json
import os
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Protocol

import pandas as pd

# The machines have no internet; MLflow's telemetry would only try and fail.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# A tracking server lost mid-run: MLflow retries each call 7 times with doubling waits (about
# 4.5 min a call, 9 min for a run's publish step) before it gives up. Bounded here, unless set:
# a refused connection fails within about 10 s, a server that no longer answers within about 90 s,
# and the run keeps its results for `python -m harness.app.publish` (harness/tracking/publish.py).
HTTP_RETRIES = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                "MLFLOW_HTTP_REQUEST_TIMEOUT": "20"}
for _name, _value in HTTP_RETRIES.items():
    os.environ.setdefault(_name, _value)

from mlflow.entities import Metric, Param, RunTag  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

from harness.store.locks import file_lock  # noqa: E402
from harness.tracking.review import experiment_tags  # noqa: E402

MAX_PARAM_CHARS = 500


@dataclass(frozen=True)
class TrackingSpec:
    enabled: bool = True
    uri: str | None = None  # None: a sqlite store under the results directory

    def resolved_uri(self, results_dir: Path) -> str:
        return self.uri or f"sqlite:///{Path(results_dir).resolve() / 'mlflow.db'}"


SQLITE = "sqlite:///"


def sqlite_path(uri: str) -> Path | None:
    """The database file of a local sqlite store's URI; None for any other store."""
    return Path(uri[len(SQLITE):]) if uri.startswith(SQLITE) else None


class TrackingError(RuntimeError):
    """The MLflow store cannot be used: missing, corrupt, unreachable, or without that run."""


def open_client(uri: str, must_exist: bool = False) -> MlflowClient:
    """A client of the store at `uri`, checked once, so that a corrupt or unreachable store is
    one clear error. Readers pass `must_exist`: they must not create a local store."""
    database = sqlite_path(uri)
    if must_exist and database is not None and not database.is_file():
        raise TrackingError(f"no MLflow store at {database} (give --results-dir or --tracking-uri)")
    try:
        client = MlflowClient(tracking_uri=uri)
        client.search_experiments(max_results=1)  # a local store is created (or migrated) here
    except Exception as exc:  # sqlalchemy, MLflow and HTTP errors alike
        raise TrackingError(f"cannot use the MLflow store at {uri}: {one_line(exc)}") from None
    return client


def one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def store_setup_lock(uri: str):
    """Held while a run is set up: runs starting at once on a new sqlite store would otherwise
    both create its tables (one dies in MLflow's migration) or the same experiment. A server
    has its own database and needs none."""
    database = sqlite_path(uri)
    return nullcontext() if database is None else file_lock(database.with_name(database.name + ".lock"), wait=True)


class Tracker(Protocol):
    run_id: str
    experiment_id: str | None  # None when tracking is off

    def log_curve(self, curve: pd.DataFrame, step_column: str, timestamp_ms: int | None = None) -> None: ...
    def log_metrics(self, metrics: Mapping[str, float], timestamp_ms: int | None = None) -> None: ...
    def set_tags(self, tags: Mapping[str, str]) -> None: ...
    def log_artifacts(self, paths: list[Path], under: str | None = None) -> None: ...
    def finish(self, status: str) -> None: ...  # FINISHED, FAILED or KILLED (stopped, resumable)


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested config to MLflow params: dotted keys, lists as JSON, long values cut."""
    flat = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            flat[name] = text if len(text) <= MAX_PARAM_CHARS else text[: MAX_PARAM_CHARS - 3] + "..."
    return flat


def _store_call(method):
    """A failing store (full disk, lost server) is one TrackingError, not a library's traceback."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            raise TrackingError(f"MLflow ({method.__name__}): {one_line(exc)}") from None
    return call


PARENT_TAG = "mlflow.parentRunId"  # MLflow's nested runs: a job of a sweep under the sweep's run
SWEEP_TAG = "harness.sweep"  # on a sweep's parent run (its varying keys): a run with no job's artifacts


def set_experiment_tags(client: MlflowClient, experiment_id: str, tags: Mapping[str, str], tries: int = 3) -> None:
    """Set those of `tags` the experiment does not have yet. Two clients of one server may set a
    new tag at the same moment; MLflow's SQL store then refuses the second insert (a duplicate
    key, BAD_REQUEST), so the tags are read again and what still differs is set again."""
    for attempt in range(tries):
        current = client.get_experiment(experiment_id).tags
        try:
            for key, value in tags.items():
                if current.get(key) != value:
                    client.set_experiment_tag(experiment_id, key, value)
            return
        except MlflowException:
            if attempt == tries - 1:
                raise


class MlflowTracker:
    def __init__(self, client: MlflowClient, run_id: str, experiment_id: str) -> None:
        self.client, self.run_id, self.experiment_id = client, run_id, experiment_id

    @classmethod
    def start(cls, client: MlflowClient, experiment: str, artifact_root: Path | None, run_name: str,
              tags: Mapping[str, str], params: Mapping[str, str]) -> "MlflowTracker":
        """A new run; `artifact_root` for a local store (a server keeps artifacts its own way).
        The experiment gets (or keeps up to date) the tags of harness.tracking.review: its kind, its view."""
        found = client.get_experiment_by_name(experiment)
        location = Path(artifact_root).resolve().as_uri() if artifact_root is not None else None
        try:
            experiment_id = (found.experiment_id if found
                             else client.create_experiment(experiment, artifact_location=location))
        except MlflowException as exc:  # made meanwhile by another run (a tracking server's clients)
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            experiment_id = client.get_experiment_by_name(experiment).experiment_id
        set_experiment_tags(client, experiment_id, experiment_tags())
        run = client.create_run(experiment_id, run_name=run_name, tags=dict(tags))
        tracker = cls(client, run.info.run_id, experiment_id)
        items = [Param(k, v) for k, v in params.items()]
        for i in range(0, len(items), 100):  # MLflow takes at most 100 params per batch
            client.log_batch(tracker.run_id, params=items[i : i + 100])
        return tracker

    @classmethod
    def resume(cls, client: MlflowClient, run_id: str) -> "MlflowTracker":
        """Continue an interrupted run: the same MLflow run, marked running again."""
        run = client.get_run(run_id)  # raises if the store does not know it
        client.update_run(run_id, status="RUNNING")
        resumed = int(run.data.tags.get("resumed", "0")) + 1
        client.set_tag(run_id, "resumed", str(resumed))
        return cls(client, run_id, run.info.experiment_id)  # its parent tag, if any, is kept

    @_store_call
    def log_curve(self, curve: pd.DataFrame, step_column: str, timestamp_ms: int | None = None) -> None:
        """Every other column as a metric history, with step = the value of `step_column`."""
        now = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
        metrics = [
            Metric(column, float(value), now, int(step))
            for column in curve.columns if column != step_column
            for step, value in zip(curve[step_column], curve[column])
        ]
        for i in range(0, len(metrics), 1000):  # at most 1000 metrics per batch
            self.client.log_batch(self.run_id, metrics=metrics[i : i + 1000])

    @_store_call
    def log_metrics(self, metrics: Mapping[str, float], timestamp_ms: int | None = None) -> None:
        now = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
        self.client.log_batch(self.run_id, metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()])

    @_store_call
    def set_tags(self, tags: Mapping[str, str]) -> None:
        self.client.log_batch(self.run_id, tags=[RunTag(k, v) for k, v in tags.items()])

    @_store_call
    def log_artifacts(self, paths: list[Path], under: str | None = None) -> None:
        """Files (or folders, with their contents) at the artifact root, or in its folder `under`."""
        for path in paths:
            if Path(path).is_dir():
                self.client.log_artifacts(self.run_id, str(path), artifact_path=under)
            else:
                self.client.log_artifact(self.run_id, str(path), artifact_path=under)

    @_store_call
    def finish(self, status: str) -> None:
        self.client.set_terminated(self.run_id, status)


class NullTracker:
    """Tracking switched off: a local run id, nothing logged."""
    experiment_id = None

    def __init__(self, run_id: str | None = None) -> None:
        self.run_id = run_id or uuid.uuid4().hex

    def log_curve(self, curve: pd.DataFrame, step_column: str, timestamp_ms: int | None = None) -> None: ...
    def log_metrics(self, metrics: Mapping[str, float], timestamp_ms: int | None = None) -> None: ...
    def set_tags(self, tags: Mapping[str, str]) -> None: ...
    def log_artifacts(self, paths: list[Path], under: str | None = None) -> None: ...
    def finish(self, status: str) -> None: ...


def start_tracker(spec: TrackingSpec, results_dir: Path, experiment: str, run_name: str,
                  tags: Mapping[str, str], params: Mapping[str, Any], resume: str | None = None) -> Tracker:
    """A new run, or with `resume` the interrupted run of that id, continued. A job of a sweep
    passes its sweep's run as the tag PARENT_TAG. `params`, nested as a config is, become the
    run's MLflow params (`flatten`)."""
    if not spec.enabled:
        return NullTracker(resume)
    uri = spec.resolved_uri(results_dir)
    with store_setup_lock(uri):
        client = open_client(uri)
        try:
            if resume:
                return MlflowTracker.resume(client, resume)
            artifact_root = Path(results_dir) / "mlartifacts" if spec.uri is None else None
            return MlflowTracker.start(client, experiment, artifact_root, run_name, tags, flatten(params))
        except MlflowException as exc:
            raise TrackingError(f"MLflow store at {uri}: {one_line(exc)}") from None
