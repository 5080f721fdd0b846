"""A sweep's parent run published again, once its stopped jobs are resumed (harness.run.sweep):

    python -m harness.app.sweep PARENT_RUN_ID [--results-dir results | --tracking-uri URI]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from harness.reporting.runs import ReportError
from harness.run.parent import Sweep
from harness.run.sweep import publish
from harness.tracking.tracker import TrackingError, TrackingSpec, one_line, open_client


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.app.sweep",
                                     description="Publish a sweep's parent run again from its finished children.")
    parser.add_argument("run_id", help="the sweep's parent run")
    parser.add_argument("--results-dir", type=Path, default=Path("results"))
    parser.add_argument("--tracking-uri", help="default: the local store under --results-dir")
    args = parser.parse_args(argv)
    uri = args.tracking_uri or TrackingSpec().resolved_uri(args.results_dir)
    try:
        client = open_client(uri, must_exist=True)
        run = client.get_run(args.run_id)
        experiment = client.get_experiment(run.info.experiment_id).name
        sweep = Sweep(args.run_id, run.info.run_name, experiment, uri, str(args.results_dir.resolve()))
        lines = publish(client, sweep)
        client.set_terminated(args.run_id, "FINISHED")
    except (TrackingError, ReportError) as exc:
        raise SystemExit(f"harness.sweep: error: {exc}") from None
    except Exception as exc:  # MLflow's own, for an unknown run id
        raise SystemExit(f"harness.sweep: error: {one_line(exc)}") from None
    print("\n".join(lines))


if __name__ == "__main__":
    main()
