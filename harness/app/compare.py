"""`harness-compare`: yield curves of several MLflow runs side by side, in one figure and one table.

    harness-compare RUN_ID RUN_ID ...
    harness-compare --experiment NAME [--filter "tags.solver = 'random'"]
        [--x attempts|tokens|cost_usd|compute_s] [--problem ID] [--mean-over-seeds]

Each run's curve is the one harness.analysis gives (the same as harness-report's): for an
i.i.d. solver rarefied and extrapolated to twice its volume, with bands; for an adaptive one its
observed accumulation. With --problem, that one problem's curve. --x puts the runs at equal cost
instead of equal attempts (the run's own spend, interpolated between its logged steps and
extrapolated at its average rate). --mean-over-seeds takes the runs of each arm (one solver on
one bank at one volume) together, as the report does: i.i.d. seeds pooled as more attempts,
adaptive seeds averaged with a seed-to-seed 95% band.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

from harness.reporting.compare import arm_curves, compare, run_curves  # noqa: E402
from harness.reporting.runs import ReportError, runs_from_mlflow  # noqa: E402
from harness.run.plots import VOLUME_AXES  # noqa: E402
from harness.tracking.tracker import TrackingError, TrackingSpec, open_client  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="harness-compare", description=__doc__.splitlines()[0])
    parser.add_argument("run_ids", nargs="*", help="MLflow run ids")
    parser.add_argument("--experiment", help="compare every finished run of this experiment")
    parser.add_argument("--filter", default="", help="MLflow filter, e.g. \"tags.solver = 'random'\"")
    parser.add_argument("--x", choices=sorted(VOLUME_AXES), default="attempts", help="the volume axis")
    parser.add_argument("--problem", help="compare the observed curves of this one problem id")
    parser.add_argument("--mean-over-seeds", action="store_true", help="average each solver's runs")
    parser.add_argument("--tracking-uri", help="default: the local store under --results-dir")
    parser.add_argument("--results-dir", type=Path, default=Path("results"))
    parser.add_argument("--out", type=Path, help="default: <results-dir>/compare/<time>")
    args = parser.parse_args(argv)
    if bool(args.run_ids) == bool(args.experiment):
        parser.error("give run ids or --experiment (with an optional --filter)")
    try:
        client = open_client(args.tracking_uri or TrackingSpec().resolved_uri(args.results_dir), must_exist=True)
    except TrackingError as exc:
        raise SystemExit(f"harness-compare: error: {exc}") from None
    try:
        runs = runs_from_mlflow(client, args.experiment, filter_string=args.filter, run_ids=args.run_ids)
        curves = (arm_curves(runs, args.problem) if args.mean_over_seeds else
                  pd.concat([run_curves(r, args.problem) for r in runs], ignore_index=True))
    except ReportError as exc:
        raise SystemExit(f"harness-compare: error: {exc}") from None
    except KeyError as exc:  # an artifact that parses but lacks its columns
        raise SystemExit(f"harness-compare: error: a run's artifacts lack the column {exc}") from None
    out = args.out or args.results_dir / "compare" / time.strftime("%Y-%m-%d_%H-%M-%S")
    figure, table = compare(curves, out, args.x, args.problem or "")
    print(f"compared {len(runs)} runs\n  figure: {figure}\n  table:  {table}", file=sys.stdout)


if __name__ == "__main__":
    main()
