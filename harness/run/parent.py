"""Which sweep a job belongs to, read from the environment its multirun set: light, so that a job
finds its parent run without loading the sweep's reporting."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from harness.run.config import JobConfig


SWEEP_ENV = "HARNESS_SWEEP_RUN"  # the parent run of the multirun this process is running


@dataclass(frozen=True)
class Sweep:
    run_id: str
    name: str
    experiment: str
    tracking_uri: str
    results_dir: str  # the sweep's files go to <results_dir>/<experiment>/<run_id>/

    @property
    def folder(self) -> Path:
        return Path(self.results_dir) / self.experiment / self.run_id


def current_sweep() -> Sweep | None:
    text = os.environ.get(SWEEP_ENV)
    return Sweep(**json.loads(text)) if text else None


def parent_of(config: JobConfig) -> str | None:
    """The parent run of a job of the current sweep: the sweep's run, if the job logs to the
    same store and experiment (a sweep over experiment_name or tracking has no one parent)."""
    sweep = current_sweep()
    if sweep is None or config.resume or not config.tracking.enabled:
        return None
    same = (sweep.experiment == config.experiment
            and sweep.tracking_uri == config.tracking.resolved_uri(config.results_dir))
    return sweep.run_id if same else None
