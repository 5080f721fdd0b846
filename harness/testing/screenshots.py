"""`python -m harness.testing.screenshots`: the README's MLflow screenshots, made again from a real sweep
in a real browser (Debian's chromium; README, Reviewing in MLflow).

Runs the sweep SWEEP (random and evolve on the tiny bank, a minute on 2 cores) into a scratch
folder, starts `mlflow ui` on 127.0.0.1 over its store, and saves the sweep's parent run with its
children and the yield-curve section of the sweep's chart view under --out.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.testing.browser import BrowserError, mlflow_ui, render_until
from harness.tracking import review
from harness.tracking.tracker import PARENT_TAG, SWEEP_TAG, open_client

SWEEP = ("-m", "solver=random,evolve", "bank=tiny", "attempts=2000", "experiment_name=review")
OUT = Path(__file__).resolve().parents[2] / "results" / "mlflow-review"


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    expected: tuple[str, ...]  # texts the rendered DOM must hold


def sweep_pages(base: str, experiment_id: str, parent_run_id: str, children: list[str]) -> list[Page]:
    """What a reviewer opens: the parent run (its children listed), the sweep's chart view (the
    yield curves first), and the parent's report as MLflow's artifact viewer shows it."""
    return [
        Page("parent-run", review.run_link(base, experiment_id, parent_run_id), ("Child runs", *children)),
        Page("chart-view", review.chart_view_link(base, experiment_id, parent_run_id),
             ("yield/valid", "yield/novel", "yield/interesting", "yield/solved", "main-svg")),
        Page("report", review.artifact_link(base, experiment_id, parent_run_id, "report/REPORT.html"),
             ("REPORT.html", "mlflow-html-iframe")),
    ]


def run_sweep(results_dir: Path, args: tuple[str, ...] = SWEEP) -> None:
    harness_run = str(Path(sys.executable).with_name("harness-run"))
    done = subprocess.run([harness_run, *args, f"results_dir={results_dir}"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"harness.screenshots: the sweep failed:\n{done.stderr[-3000:]}")


def the_sweep(uri: str, experiment: str) -> tuple[str, str, list[str]]:
    """The experiment id, the parent run and its children's names, of the one sweep in the store."""
    client = open_client(uri, must_exist=True)
    experiment_id = client.get_experiment_by_name(experiment).experiment_id
    [parent] = client.search_runs([experiment_id], filter_string=f"tags.`{SWEEP_TAG}` LIKE '%'")
    children = client.search_runs([experiment_id], filter_string=f"tags.`{PARENT_TAG}` = '{parent.info.run_id}'")
    return experiment_id, parent.info.run_id, sorted(c.info.run_name for c in children)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.testing.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        results = Path(scratch)
        run_sweep(results)
        uri = f"sqlite:///{results / 'mlflow.db'}"
        experiment_id, parent, children = the_sweep(uri, "review")
        try:
            with mlflow_ui(uri, log=results / "mlflow-ui.log") as base:
                for page in sweep_pages(base, experiment_id, parent, children)[:2]:
                    render_until(page.url, list(page.expected), screenshot=args.out / f"{page.name}.png")
                    print(f"{page.name}: {args.out / (page.name + '.png')}")
        except BrowserError as exc:
            raise SystemExit(f"harness.screenshots: error: {exc}") from None


if __name__ == "__main__":
    main()
