"""`harness-report`: the runs of a sweep -> REPORT.md with PNG figures and CSV tables.

    harness-report --experiment volume-thesis [--results-dir results/volume-thesis-runs]
    harness-report --runs results/volume-thesis-runs/volume-thesis      # no MLflow needed
        [--out DIR] [--n-boot 200] [--usd-per-core-hour 0.04] [--recompute]

Reads every finished run of an MLflow experiment (the local store under --results-dir, or
--tracking-uri) or of a results directory, groups them into arms (configs/arm/) and writes
a self-contained directory: figures and tables next to REPORT.md, linked relatively. With
--experiment, where a sweep's parent run already holds the report of exactly these runs (made at
the default settings), it is copied instead of computed again, unless --recompute.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

from harness.reporting import science  # noqa: E402
from harness.reporting.build import build_report  # noqa: E402
from harness.reporting.reuse import copy_parent_report, parent_with_report  # noqa: E402
from harness.reporting.runs import ReportError, runs_from_directory, runs_from_mlflow  # noqa: E402
from harness.tracking.tracker import TrackingError, TrackingSpec, open_client  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="harness-report", description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--experiment", help="every finished run of this MLflow experiment")
    source.add_argument("--runs", type=Path, help="every finished run under this directory (results/<experiment>)")
    parser.add_argument("--results-dir", type=Path, default=Path("results"),
                        help="where the local MLflow store is (default: results)")
    parser.add_argument("--tracking-uri", help="an MLflow tracking URI instead of the local store")
    parser.add_argument("--out", type=Path, help="default: <results-dir>/report/<experiment or runs folder>")
    parser.add_argument("--n-boot", type=int, default=200, help="bootstrap replicates for bands and intervals")
    parser.add_argument("--usd-per-core-hour", type=float, default=science.USD_PER_CORE_HOUR,
                        help="assumed price of compute, to compare solvers at equal dollars")
    parser.add_argument("--recompute", action="store_true",
                        help="make the report even where a sweep's parent run already holds it (--experiment)")
    args = parser.parse_args(argv)

    def skipped(note: str) -> None:
        print(f"harness-report: skipped {note}", file=sys.stderr)

    try:
        if args.runs:
            runs, where = runs_from_directory(args.runs, skipped), f"runs under `{args.runs}`"
        else:
            client = open_client(args.tracking_uri or TrackingSpec().resolved_uri(args.results_dir), must_exist=True)
            runs, where = runs_from_mlflow(client, args.experiment, skipped), f"MLflow experiment `{args.experiment}`"
        name = args.experiment or args.runs.name
        out = args.out or args.results_dir / "report" / name
        defaults = (args.n_boot, args.usd_per_core_hour) == (parser.get_default("n_boot"),
                                                             parser.get_default("usd_per_core_hour"))
        parent = (parent_with_report(client, args.experiment, runs)
                  if args.experiment and defaults and not args.recompute else None)
        report = copy_parent_report(client, parent, out) if parent else None
        if report:
            print(f"harness-report: sweep parent run {parent} holds the report of these {len(runs)} runs, made "
                  "with the same settings: copied (--recompute makes it again)")
        else:
            report = build_report(runs, out, where, n_boot=args.n_boot, usd_per_core_hour=args.usd_per_core_hour)
    except (ReportError, TrackingError) as exc:
        raise SystemExit(f"harness-report: error: {exc}") from None
    print(f"report of {len(runs)} runs: {report}")


if __name__ == "__main__":
    main()
