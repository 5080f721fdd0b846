"""One run, end to end: bank + solver -> Ray batches -> Parquet + aggregates -> curve -> MLflow."""
from __future__ import annotations

import sys
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from harness.engine.ray_session import interrupted_by
from harness.run.attempt import attempt_all
from harness.run.config import JobConfig
from harness.run.outputs import write_outputs
from harness.run.plan import Plan, plan_run
from harness.run.rundir import RunDir
from harness.servers import RecordedMeter
from harness.tracking.publish import PENDING, Published, keep_unpublished, now_ms, publish, command as publish_command
from harness.tracking.tracker import PARENT_TAG, TrackingError, one_line, start_tracker


@dataclass(frozen=True)
class RunResult:
    run_id: str
    run_dir: Path
    summary: dict[str, Any]
    experiment_id: str | None = None  # its MLflow experiment; None when tracking is off


class RunStopped(Exception):
    """The run stopped before its end (SIGINT, SIGTERM, an OS error such as a full disk) with
    its finished work kept: the same command with resume=<run_id> completes it."""

    def __init__(self, run_id: str, why: str, exit_code: int) -> None:
        super().__init__(f"run {run_id} stopped: {why}")
        self.run_id, self.why, self.exit_code = run_id, why, exit_code


class RunFailed(RuntimeError):
    """The run ended, but every attempt of it is tier error: nothing was measured."""


class Unpublished(Exception):
    """The run finished, its results on disk, but its MLflow store could not take them (a
    tracking server lost mid-run): `command` publishes it once the store is back."""

    def __init__(self, result: RunResult, tracking_uri: str, why: str) -> None:
        super().__init__(f"run {result.run_id} finished, but the MLflow store at {tracking_uri} could not take it: "
                         f"{why}")
        self.result, self.tracking_uri, self.why = result, tracking_uri, why
        self.command = publish_command(result.run_dir)


def run_job(config: JobConfig, progress: bool = True) -> RunResult:
    made = [d for d in (config.results_dir, config.results_dir / config.experiment) if not d.exists()]
    try:
        return own_and_execute(config, progress)
    except BaseException:
        for directory in reversed(made):  # a run that never began leaves no empty folders behind
            try:
                directory.rmdir()
            except OSError:
                break  # not empty (the run had started) or already gone
        raise


def own_and_execute(config: JobConfig, progress: bool) -> RunResult:
    with ExitStack() as owned:
        return execute(config, progress, owned, RunDir.opening(config, owned))


def run_params(config: JobConfig, plan: Plan) -> dict[str, Any]:
    """MLflow params: the resolved config, and a replayed recording's provenance (`provenance.*`)."""
    if isinstance(plan.meter, RecordedMeter):
        return {**config.resolved, "provenance": plan.meter.provenance}
    return dict(config.resolved)


def execute(config: JobConfig, progress: bool, owned: ExitStack, resumed: RunDir | None = None) -> RunResult:
    """The run itself: the interrupted run `resumed`, or a new one whose directory is owned
    through `owned` as soon as it exists."""
    plan = plan_run(config)
    solver = plan.solver
    tags = {"solver": solver.name, "bank": config.bank_name, "seed": str(config.seed),
            "exchangeable": str(plan.exchangeable), "arm": config.arm,
            **({PARENT_TAG: config.parent_run} if config.parent_run else {})}
    tracker = start_tracker(config.tracking, config.results_dir, config.experiment,
                            run_name=f"{solver.name}-{config.bank_name}-s{config.seed}",
                            tags=tags, params=run_params(config, plan), resume=config.resume)
    status, closed = "FAILED", False
    try:
        if resumed is None:
            directory = RunDir.new(config, tracker.run_id, plan.batch_size, plan.wide_batch_size, owned)
            checkpoint = directory.checkpoint
        else:
            directory, checkpoint = resumed, resumed.reopen()
        run_dir = directory.path
        attempted = attempt_all(config.attempting, plan, run_dir, checkpoint, progress)
        summary, artifacts, published = write_outputs(config, plan, attempted, tracker.run_id, run_dir)
        log = attempted.log
        all_errors = summary["tiers"]["error"] == log.attempts
        uri = config.tracking.resolved_uri(config.results_dir) if config.tracking.enabled else None
        unreached = publish_step(uri, tracker, run_dir, published, artifacts,
                                 "FAILED" if all_errors else "FINISHED")
        closed = True
        if all_errors:
            raise RunFailed(f"run {tracker.run_id}: all {log.attempts} attempts ended in tier error, "
                            f"e.g. {directory.first_error()}")
        result = RunResult(tracker.run_id, run_dir, summary, tracker.experiment_id)
        if unreached is not None:
            raise Unpublished(result, config.tracking.resolved_uri(config.results_dir), unreached)
        return result
    except KeyboardInterrupt:
        status, stopped_by = "KILLED", interrupted_by()
        raise RunStopped(tracker.run_id, f"interrupted ({stopped_by.name})", 128 + stopped_by) from None
    except OSError as exc:  # a full disk, a lost connection: finished work is on disk
        status = "KILLED"
        raise RunStopped(tracker.run_id, f"{type(exc).__name__}: {exc.strerror or exc}", 1) from None
    finally:
        if not closed:
            try:
                tracker.finish(status)
            except Exception as exc:  # e.g. the disk is full for MLflow's store too
                print(f"harness-run: could not mark the MLflow run {status}: {exc}", file=sys.stderr)


def publish_step(tracking_uri: str | None, tracker, run_dir: Path, published: Published, artifacts: list[str],
                 status: str) -> str | None:
    """The run's numbers and files to its MLflow run at `tracking_uri` (None: tracking is off),
    which is then closed with `status`. What it gets is kept in the run's folder (PENDING) until
    the store has taken all of it, so that a store lost meanwhile (or a driver killed meanwhile)
    loses nothing: `python -m harness.app.publish` publishes it later. Returns None, or why the
    store could not take it."""
    if tracking_uri is None:
        return None
    uri, stamp = tracking_uri, now_ms()
    keep = partial(keep_unpublished, run_dir, tracker.run_id, uri, published, artifacts, status, stamp)
    keep("the run ended while publishing")
    try:
        publish(tracker, published, [run_dir / name for name in artifacts], status=status, timestamp_ms=stamp)
    except TrackingError as exc:  # e.g. a tracking server lost mid-run
        keep(one_line(exc))
        return one_line(exc)
    (run_dir / PENDING).unlink()
    return None
