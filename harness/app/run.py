"""Console entry point `harness-run`: a Hydra app over configs/ (see README)."""
from __future__ import annotations

import dataclasses
import shlex
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from harness.bank.banks import BankError
from harness.bank.yamlfile import YamlFileError, read_yaml
from harness.engine.ray_session import interrupted_by
from harness.run.config import job_config, register_schema
from harness.run.job import RunResult, RunStopped, Unpublished, run_job
from harness.run.overrides import unknown_setting
from harness.run.parent import parent_of
from harness.solvers import SolverConfigError
from harness.tracking import review

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
UNPUBLISHED_EXIT = 75  # EX_TEMPFAIL: the run is done, its publishing waits for the MLflow store


def where(result: RunResult, tracking_uri: str | None, in_sweep: bool = False) -> str:
    """The run's closing lines; a job of a sweep leaves where to open MLflow to its sweep's (once)."""
    lines = [
        f"run {result.run_id}: {result.summary['attempts']} attempts, "
        f"{result.summary['discoveries']['valid']} discoveries, "
        f"{result.summary['problems_solved']}/{result.summary['problems']} problems solved",
        f"  results: {result.run_dir}",
    ]
    if tracking_uri and not in_sweep:
        lines += review.opening_lines(tracking_uri)
        if result.experiment_id is not None:
            lines += [f"  yield curves: {review.chart_view_link(review.ui_base(tracking_uri), result.experiment_id)}"]
    return "\n".join(lines)


def resume_command(overrides: list[str], run_id: str, in_sweep: bool = False) -> str:
    """The command that completes a stopped run: this job's own overrides, plus resume (and,
    for a job of a sweep, a single run: the sweep may be set in the experiment's config)."""
    kept = [o for o in overrides if not o.split("=", 1)[0].lstrip("+~").startswith("resume")]
    return shlex.join(["harness-run", *kept, *(["hydra.mode=RUN"] if in_sweep else []), f"resume={run_id}"])


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def app(cfg: DictConfig) -> None:
    try:
        config = job_config(cfg)
        if config.skipped:  # e.g. a sweep over seeds, and an arm replaying a recording of one seed
            print(f"harness-run: {config.skipped}", flush=True)
            return
        config = dataclasses.replace(config, parent_run=parent_of(config))  # a job of a sweep: under its run
        result = run_job(config)
    except RunStopped as stopped:
        hydra_config = HydraConfig.get()
        command = resume_command(list(hydra_config.overrides.task), stopped.run_id,
                                 in_sweep=hydra_config.mode == RunMode.MULTIRUN)
        print(f"harness-run: {stopped}; its finished work is kept.\n  resume it: {command}", file=sys.stderr,
              flush=True)
        raise SystemExit(stopped.exit_code) from None
    except Unpublished as unpublished:  # finished, on disk, but not in MLflow (a tracking server lost)
        print(where(unpublished.result, None), flush=True)
        print(f"harness-run: {unpublished}\n  its results are kept in {unpublished.result.run_dir}; "
              f"once the store is back, publish it: {unpublished.command}", file=sys.stderr, flush=True)
        raise SystemExit(UNPUBLISHED_EXIT) from None
    except KeyboardInterrupt:  # before the run had started: nothing to resume
        print(f"harness-run: interrupted ({interrupted_by().name}) before the run started", file=sys.stderr,
              flush=True)
        raise SystemExit(128 + interrupted_by()) from None
    except (BankError, SolverConfigError, ValueError, RuntimeError) as exc:
        # Configuration and environment mistakes: a clear message, not a traceback.
        raise SystemExit(f"harness-run: error: {exc}") from None
    uri = config.tracking.resolved_uri(config.results_dir) if config.tracking.enabled else None
    print(where(result, uri, in_sweep=config.parent_run is not None), flush=True)


def check_config_files(directory: Path) -> None:
    """Every YAML file Hydra may compose from `directory` is UTF-8 and no alias bomb: else one
    line naming it, before Hydra (whose traceback runs to 19 frames, or which expands a bomb for
    minutes) reads it."""
    for path in sorted(directory.rglob("*.yaml")):
        read_yaml(path)


def main() -> None:
    if not CONFIG_DIR.is_dir():
        sys.exit(f"harness-run: configs not found at {CONFIG_DIR}; install the package editable (pip install -e .)")
    try:
        check_config_files(CONFIG_DIR)
    except YamlFileError as exc:
        sys.exit(f"harness-run: error: {exc}")
    unknown = unknown_setting(sys.argv[1:])
    if unknown:  # before Hydra, whose own advice (add `+`) would only move the error later
        sys.exit(f"harness-run: error: {unknown}")
    register_schema()
    app()


if __name__ == "__main__":
    main()
