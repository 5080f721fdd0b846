"""A sweep (a Hydra multirun) as one MLflow parent run, with its jobs as child runs.

configs/config.yaml registers `SweepRun` as a Hydra callback. When a multirun starts, it opens
the parent run, named after the experiment and the sweep's varying keys, and puts it in the
environment. Each job (harness.app.run) finds it there and starts its own run under it. When the
multirun ends, the parent gets what a reviewer opens first:
  - compare/: harness-compare's figure and table of its children;
  - report/: their report (harness-report) as REPORT.md and as one self-contained REPORT.html;
  - a view of just this sweep's runs in the experiment's chart view (harness.tracking.review),
    its runs grouped by solver (or arm), one colour per solver (or arm);
  - a description that links them in that order.
A single run stays a single run. A resumed job keeps its parent (the tag is its own); once the
stopped jobs are resumed, `python -m harness.app.sweep PARENT_RUN_ID` publishes the parent again.

    python -m harness.app.sweep PARENT_RUN_ID [--results-dir results | --tracking-uri URI]
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from harness.reporting.arms import group_arms
from harness.reporting.build import build_report
from harness.reporting.compare import arm_curves, compare, run_curves
from harness.reporting.html import to_html
from harness.reporting.runs import ReportError, runs_from_mlflow
from harness.run.parent import SWEEP_ENV, Sweep
from harness.tracking import review
from harness.tracking.tracker import (PARENT_TAG, SWEEP_TAG, MlflowTracker, TrackingError, TrackingSpec, one_line,
                                      set_experiment_tags, sqlite_path, start_tracker)

MAX_NAME = 250  # MLflow's limit on a run name
NOTE_TAG = "mlflow.note.content"  # the run's description in the UI
REPORT = "report/REPORT.html"
COMPARE_FIGURE, COMPARE_TABLE = "compare/compare.png", "compare/compare.csv"


def varying_keys(config: DictConfig) -> list[str]:
    """The sweep's `key=values`: from the command line, then the sweeper's params of the config."""
    task = [str(o) for o in OmegaConf.select(config, "hydra.overrides.task", default=[])]
    swept = [o for o in OverridesParser.create().parse_overrides(task) if o.is_sweep_override()]
    lines = {o.get_key_element(): o.input_line for o in swept}
    params = OmegaConf.select(config, "hydra.sweeper.params", default=None) or {}
    for key, values in params.items():
        lines.setdefault(str(key), f"{key}={values}")
    return list(lines.values())


def sweep_name(experiment: str, keys: list[str]) -> str:
    name = f"{experiment}: {' '.join(keys)}" if keys else f"{experiment}: sweep"
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 3] + "..."


class SweepRun(Callback):
    """Hydra's callback: the parent run of a multirun, opened at its start, published at its end."""

    def __init__(self) -> None:
        self.sweep: Sweep | None = None
        self.tracker: MlflowTracker | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        tracking = OmegaConf.select(config, "tracking", default=None) or {}
        if not tracking.get("enabled", True):
            return
        spec = TrackingSpec(enabled=True, uri=tracking.get("uri"))
        results_dir = Path(str(config.results_dir)).resolve()
        experiment = str(config.experiment_name)
        keys = varying_keys(config)
        name = sweep_name(experiment, keys)
        results_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.tracker = start_tracker(spec, results_dir, experiment, run_name=name,
                                         tags={SWEEP_TAG: " ".join(keys)}, params={})
        except Exception as exc:
            # Hydra turns a callback's exception into a warning and goes on: the jobs would run
            # with no parent. SystemExit is not an Exception, so the multirun ends here.
            print(f"harness-run: the sweep's parent run could not be opened, no job was started: {one_line(exc)}",
                  file=sys.stderr, flush=True)
            raise SystemExit(1) from None
        self.sweep = Sweep(self.tracker.run_id, name, experiment, spec.resolved_uri(results_dir), str(results_dir))
        os.environ[SWEEP_ENV] = json.dumps(asdict(self.sweep))
        atexit.register(self.stopped)  # a job that stops ends the multirun without on_multirun_end

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self.sweep is None:
            return
        sweep, tracker = self.sweep, self.tracker
        self.sweep = None
        os.environ.pop(SWEEP_ENV, None)
        atexit.unregister(self.stopped)
        status = "FAILED"
        try:
            lines = publish(tracker.client, sweep)
            status = "FINISHED"
        finally:
            tracker.finish(status)
        print("\n".join(lines), flush=True)

    def stopped(self) -> None:
        """The multirun ended early (a job stopped or failed): the parent is marked KILLED."""
        if self.sweep is None:
            return
        try:
            self.tracker.finish("KILLED")
        except TrackingError:
            pass
        store = "" if sqlite_path(self.sweep.tracking_uri) else f" --tracking-uri {self.sweep.tracking_uri}"
        print(f"harness-run: sweep {self.sweep.run_id} stopped before its end; once its stopped jobs are "
              f"resumed (or published), publish it: python -m harness.app.sweep {self.sweep.run_id}{store}",
              file=sys.stderr, flush=True)


def publish(client, sweep: Sweep, progress: bool = True) -> list[str]:
    """The parent run's comparison, report and view, from its finished children. Returns the
    closing lines: where it all is."""
    experiment_id = client.get_run(sweep.run_id).info.experiment_id
    children = client.search_runs([experiment_id], filter_string=f"tags.`{PARENT_TAG}` = '{sweep.run_id}'",
                                  max_results=10_000)
    finished = [r.info.run_id for r in children if r.info.status == "FINISHED"]
    counted = f"sweep {sweep.run_id} ({sweep.name}): {len(finished)} of {len(children)} runs finished"
    if not finished:
        return [counted]
    runs = runs_from_mlflow(client, run_ids=finished)
    if progress:  # the report can take minutes: say so before its first bar
        print(report_start_line(runs), flush=True)
    log_comparison(client, sweep, runs)
    reported = log_report(client, sweep, runs, progress)
    group = review.sweep_group([str(run.summary.get("arm") or "") for run in runs])
    set_experiment_tags(client, experiment_id, dict([review.sweep_view(sweep.run_id, group)]))
    colours = review.run_colours({r.info.run_id: r.data.tags.get(group, "") for r in children})
    for run_id, colour in colours.items():  # one colour per solver (or arm) in the sweep's view
        client.set_tag(run_id, review.RUN_COLOUR_TAG, colour)
    client.set_tag(sweep.run_id, NOTE_TAG, description(sweep, experiment_id, group, reported))
    base = review.ui_base(sweep.tracking_uri)
    return [counted,
            f"  sweep files:  {sweep.folder}",
            *review.opening_lines(sweep.tracking_uri),  # once for the sweep, not once per job
            # in the order a reviewer reads: the comparison, the report, then the curves run by run
            f"  comparison:   {review.artifact_link(base, experiment_id, sweep.run_id, COMPARE_FIGURE)}",
            f"  report:       {reported or review.artifact_link(base, experiment_id, sweep.run_id, REPORT)}",
            f"  yield curves: {review.chart_view_link(base, experiment_id, sweep.run_id)}",
            f"  parent run:   {review.run_link(base, experiment_id, sweep.run_id)}"]


def description(sweep: Sweep, experiment_id: str, group: str, reported: str | None) -> str:
    """The parent run's description (Markdown, on its page in the UI), in reading order: the
    comparison's figure and table, the report, then the chart view grouped by `group`. Links
    stay within the UI ("/#/..."), whatever host and port serve it."""
    def link(path: str) -> str:
        return review.artifact_link("", experiment_id, sweep.run_id, path)

    lines = [f"**{sweep.name}**", "",
             f"1. [The comparison]({link(COMPARE_FIGURE)}): the runs' yield curves side by side, "
             f"and [its table]({link(COMPARE_TABLE)})"]
    lines.append(f"2. [The report]({link(REPORT)})" if reported is None else f"2. The report: {reported}")
    lines.append(f"3. [Yield curves of this sweep]({review.chart_view_link('', experiment_id, sweep.run_id)}), "
                 f"grouped by {group}, one colour per {group}")
    return "\n".join(lines)


def report_start_line(runs: list) -> str:
    """What the sweep's parent does once its jobs are done, before it takes its time."""
    arms = {run.arm for run in runs}  # by name: an arm whose runs differ is the report's to refuse, later
    problems = {p.id for run in runs for p in run.bank_problems}
    return (f"harness-run: building the sweep's comparison and report from {len(runs)} runs of {len(arms)} "
            f"arm{'s' * (len(arms) != 1)} on {len(problems)} problems: yield curves, verdicts and forecasts per arm, "
            "checks against the truth, the verifier's audit per run and the miss check per problem")


def log_comparison(client, sweep: Sweep, runs: list) -> None:
    """compare/: the children's curves side by side, one per run, or one per arm where runs share one."""
    one_per_arm = len(group_arms(runs)) == len(runs)
    curves = pd.concat([run_curves(r) for r in runs], ignore_index=True) if one_per_arm else arm_curves(runs)
    compare(curves, sweep.folder / "compare", title=sweep.name)
    client.log_artifacts(sweep.run_id, str(sweep.folder / "compare"), artifact_path="compare")


def log_report(client, sweep: Sweep, runs: list, progress: bool) -> str | None:
    """report/: the children's report as REPORT.md and as one self-contained REPORT.html. Returns
    None, or why there is no report (also tagged on the run)."""
    shutil.rmtree(sweep.folder / "report", ignore_errors=True)  # the sweep's own: published again, made anew
    try:
        report = build_report(runs, sweep.folder / "report", f"sweep `{sweep.name}`",
                              progress=progress)
    except ReportError as exc:  # e.g. an arm whose runs differ in volume
        reason = f"not made ({one_line(exc)})"
        client.set_tag(sweep.run_id, "harness.report", reason)
        return reason
    (report.parent / "REPORT.html").write_text(to_html(report.read_text(), report.parent, sweep.name))
    client.log_artifacts(sweep.run_id, str(report.parent), artifact_path="report")
    return None
