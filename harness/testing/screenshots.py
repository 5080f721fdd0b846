"""`python -m harness.testing.screenshots`: the README's MLflow screenshots, made again from a real sweep
in a real browser (Debian's chromium; README, Reviewing in MLflow).

Runs the sweep SWEEP (random and evolve on the tiny bank, a minute on 2 cores) into a scratch
folder, starts `mlflow ui` on 127.0.0.1 over its store, and saves under --out: the sweep's parent
run with its children and its description (parent-run.png), the sweep's chart view grouped by
solver (chart-view.png), the report in MLflow's artifact pane (report-pane.png), and the report's
HTML alone in a 1280 px window (report-1280.png). Each PNG is quantized to a palette (committed).
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from harness.testing.browser import LOOPBACK, BrowserError, mlflow_ui, render, render_until
from harness.tracking import review
from harness.tracking.tracker import PARENT_TAG, SWEEP_TAG, open_client

SWEEP = ("-m", "solver=random,evolve", "bank=tiny", "attempts=2000", "experiment_name=review")
OUT = Path(__file__).resolve().parents[2] / "results" / "mlflow-review"
REPORT_WINDOW = (1280, 1400)  # the report alone, as in a browser window 1280 px wide
COLOURS = 128  # a palette PNG: a third of the size, and screenshots hold few colours


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
        Page("report-pane", review.artifact_link(base, experiment_id, parent_run_id, "report/REPORT.html"),
             ("REPORT.html", "mlflow-html-iframe")),
    ]


def report_html(base: str, parent_run_id: str, out: Path) -> Path:
    """The parent's REPORT.html, the bytes the artifact viewer fetches (from 127.0.0.1), in `out`."""
    url = f"{base}/get-artifact?path=report/REPORT.html&run_uuid={parent_run_id}"
    with LOOPBACK.open(url, timeout=30) as answer:
        out.write_bytes(answer.read())
    return out


def quantized(path: Path, colours: int = COLOURS) -> Path:
    """The PNG at `path` again with a palette of `colours` (as harness.reporting.figures' _save)."""
    image = Image.open(io.BytesIO(path.read_bytes())).convert("RGB")
    image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(path, format="PNG", optimize=True)
    return path


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
                for page in sweep_pages(base, experiment_id, parent, children):
                    shot = args.out / f"{page.name}.png"
                    render_until(page.url, list(page.expected), screenshot=shot)
                    print(f"{page.name}: {quantized(shot)}")
                report = report_html(base, parent, results / "REPORT.html")
            shot = args.out / "report-1280.png"
            render(report.as_uri(), screenshot=shot, budget_ms=2_000, window=REPORT_WINDOW)
            print(f"report-1280: {quantized(shot)}")
        except BrowserError as exc:
            raise SystemExit(f"harness.screenshots: error: {exc}") from None


if __name__ == "__main__":
    main()
