"""The finished runs of a sweep, read from a results directory or from MLflow.

A run is what `harness-run` leaves: summary.json, config.yaml, curve.csv and
discoveries.csv, in its run directory and as MLflow artifacts. Runs are grouped into arms
(one solver on one bank at one volume, several seeds: configs/arm/).
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd
import yaml

from harness.bank.banks import build_bank, spec_from_config
from harness.core.problem import Problem
from harness.tracking.tracker import SWEEP_TAG, one_line

FILES = ("summary.json", "config.yaml", "curve.csv", "discoveries.csv")


class ReportError(ValueError):
    """The runs cannot make a report: none found, an artifact missing, an arm inconsistent."""


@dataclass(frozen=True)
class RunData:
    run_id: str
    summary: Mapping[str, Any]
    config: Mapping[str, Any]
    curve: pd.DataFrame  # attempts, valid, novel, interesting, solved, tokens, cost_usd, compute_s
    discoveries: pd.DataFrame  # problem_id, canonical, first_<tier>, found_<tier>

    @property
    def solver(self) -> str:
        return str(self.summary["solver"])

    @property
    def bank(self) -> str:
        return str(self.summary["bank"])

    @property
    def arm(self) -> str:
        return str(self.summary.get("arm") or f"{self.solver}_{self.bank}")

    @property
    def seed(self) -> int:
        return int(self.summary["seed"])

    @property
    def attempts(self) -> int:
        """Attempts per problem."""
        return int(self.summary["attempts_per_problem"])

    @property
    def exchangeable(self) -> bool:
        # Runs before summaries said so: only exchangeable runs carry the estimated analysis.
        return bool(self.summary.get("exchangeable", "analysis" in self.summary))

    @property
    def bank_problems(self) -> tuple[Problem, ...]:
        """The problems of the bank the run was given (built once per distinct bank)."""
        return _build_bank(json.dumps(self.config["bank"], sort_keys=True))

    @property
    def problems(self) -> dict[str, tuple[str, ...]]:
        """Problem ids per family."""
        ids: dict[str, list[str]] = {}
        for problem in self.bank_problems:
            ids.setdefault(problem.id.split("/")[0], []).append(problem.id)
        return {family: tuple(members) for family, members in ids.items()}

    @property
    def families(self) -> dict[str, int]:
        """Problems per family."""
        return {family: len(ids) for family, ids in self.problems.items()}


@lru_cache(maxsize=64)
def _build_bank(bank_json: str) -> tuple[Problem, ...]:
    return build_bank(spec_from_config(json.loads(bank_json)))


SUMMARY_KEYS = ("solver", "bank", "seed", "attempts_per_problem", "attempts", "tiers")
CURVE_COLUMNS = ("attempts", "valid", "novel", "interesting", "solved")
DISCOVERY_COLUMNS = ("problem_id", "canonical", "first_valid")


def read_run(directory: Path, run_id: str | None = None) -> RunData:
    directory = Path(directory)
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise ReportError(f"run {directory.name}: missing {', '.join(missing)} (unfinished, or made before reports)")
    name = "summary.json"
    try:
        summary = json.loads((directory / name).read_text())
        if not isinstance(summary, dict) or not all(key in summary for key in SUMMARY_KEYS):
            raise ValueError(f"not a run summary (it needs {', '.join(SUMMARY_KEYS)})")
        name = "config.yaml"
        config = yaml.safe_load((directory / name).read_text())
        if not isinstance(config, dict) or not isinstance(config.get("bank"), dict):
            raise ValueError("not a run's config (it needs its bank)")
        name = "curve.csv"
        curve = _table(directory / name, CURVE_COLUMNS)
        name = "discoveries.csv"
        discoveries = _table(directory / name, DISCOVERY_COLUMNS, dtype={"canonical": str})
    except (ValueError, yaml.YAMLError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ReportError(f"run {run_id or directory.name}: {name} is damaged ({' '.join(str(exc).split())[:200]})") \
            from None
    return RunData(run_id=run_id or str(summary.get("run_id", directory.name)), summary=summary, config=config,
                   curve=curve, discoveries=discoveries)


def _table(path: Path, columns: tuple[str, ...], **options) -> pd.DataFrame:
    table = pd.read_csv(path, **options)
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise ValueError(f"no column {', '.join(absent)}")
    return table


def _quiet(note: str) -> None:
    pass


def runs_from_directory(directory: Path, on_skip: Callable[[str], None] = _quiet) -> list[RunData]:
    """Every finished run under `directory` (an experiment's folder: results/<experiment>/);
    each run directory without a summary (unfinished) is reported to `on_skip`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"no directory {directory}")
    for unfinished in sorted(p for p in directory.iterdir() if p.is_dir() and (p / "config.yaml").is_file()
                             and not (p / "summary.json").exists()):
        on_skip(f"run {unfinished.name}: unfinished (no summary.json)")
    runs = [read_run(summary.parent) for summary in sorted(directory.glob("*/summary.json"))]
    if not runs:
        raise ReportError(f"no finished runs under {directory} (a run directory holds summary.json)")
    return runs


def runs_from_mlflow(client, experiment: str | None = None, on_skip: Callable[[str], None] = _quiet,
                     filter_string: str = "", run_ids=()) -> list[RunData]:
    """The finished runs of an MLflow experiment (optionally filtered), or the runs `run_ids`,
    their artifacts downloaded: the one MLflow reader of harness-report and harness-compare.
    Each run of the experiment that is not finished (running, failed, killed) goes to `on_skip`."""
    if run_ids:
        found = []
        for run_id in run_ids:
            try:
                found.append(client.get_run(run_id))
            except Exception as exc:  # MLflow raises its own exception for an unknown id
                raise ReportError(f"no run {run_id} in {client.tracking_uri} ({one_line(exc)})") from None
    else:
        experiment_found = client.get_experiment_by_name(experiment)
        if experiment_found is None:
            raise ReportError(f"no MLflow experiment {experiment!r} at {client.tracking_uri}")
        found = client.search_runs([experiment_found.experiment_id], filter_string=filter_string,
                                   order_by=["attributes.start_time ASC"], max_results=10_000)
    runs = []
    for run in found:
        if SWEEP_TAG in run.data.tags:  # a sweep's parent run: its children are the runs
            continue
        if run.info.status != "FINISHED":
            on_skip(f"run {run.info.run_id} ({run.info.run_name}): {run.info.status.lower()}")
            continue
        with tempfile.TemporaryDirectory() as scratch:
            for name in FILES:
                try:
                    client.download_artifacts(run.info.run_id, name, scratch)
                except Exception as exc:  # MLflow raises several types for a missing artifact
                    raise ReportError(f"run {run.info.run_id}: cannot download {name} ({one_line(exc)})") from None
            runs.append(read_run(Path(scratch), run.info.run_id))
    if not runs:
        raise ReportError(f"no finished runs match in {client.tracking_uri}" if run_ids or filter_string
                          else f"MLflow experiment {experiment!r} has no finished runs")
    return runs
