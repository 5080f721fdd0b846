"""A sweep as one MLflow parent run: a real multirun, a real `mlflow server`, a real browser."""
import base64
import json
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.analysis import log_spaced_steps
from harness.run.config import JobConfig
from harness.run.parent import SWEEP_ENV, Sweep, parent_of
from harness.run.sweep import description, sweep_name, varying_keys
from harness.testing.browser import LOOPBACK, mlflow_ui, render, render_until
from harness.testing.screenshots import sweep_pages, the_sweep
from harness.tracking.tracker import TrackingSpec

PNG = b"\x89PNG\r\n\x1a\n"
HARNESS_RUN = str(Path(sys.executable).with_name("harness-run"))


def hydra_config(task, params=None):
    return OmegaConf.create({"hydra": {"overrides": {"task": task}, "sweeper": {"params": params}}})


def test_the_sweeps_name_holds_its_varying_keys_from_the_command_line_and_the_config():
    config = hydra_config(["solver=random,evolve", "bank=tiny", "seed=range(3)"], {"+arm": "a,b", "seed": "0,1"})
    assert varying_keys(config) == ["solver=random,evolve", "seed=range(3)", "+arm=a,b"]  # the command line wins
    assert sweep_name("smoke", varying_keys(config)) == "smoke: solver=random,evolve seed=range(3) +arm=a,b"
    assert len(sweep_name("x", [f"k{i}=" + "v," * 40 for i in range(9)])) == 250  # MLflow's limit on run names


def test_the_sweeps_report_step_says_first_what_it_builds_from():
    from types import SimpleNamespace

    from harness.run.sweep import report_start_line

    problem = [SimpleNamespace(id=f"p/{i}") for i in range(3)]
    runs = [SimpleNamespace(arm=arm, bank_problems=problem) for arm in ("a", "a", "b")]
    assert report_start_line(runs).startswith(
        "harness-run: building the sweep's comparison and report from 3 runs of 2 arms on 3 problems: ")


def test_the_parents_description_leads_with_the_comparison_then_the_report_then_the_chart_view():
    sweep = Sweep("abc", "review: solver=random,evolve", "review", "sqlite:///x.db", "/tmp")
    text = description(sweep, "7", "solver", None)
    links = re.findall(r"\]\((/#/[^)]+)\)", text)
    assert links == ["/#/experiments/7/runs/abc/artifacts/compare/compare.png",
                     "/#/experiments/7/runs/abc/artifacts/compare/compare.csv",
                     "/#/experiments/7/runs/abc/artifacts/report/REPORT.html",
                     "/#/experiments/7/runs?viewStateShareKey=abc&compareRunsMode=CHART"]
    assert "grouped by solver, one colour per solver" in text
    unreported = description(sweep, "7", "arm", "not made (an arm's runs differ in volume)")
    assert "REPORT.html" not in unreported and "The report: not made" in unreported and "per arm" in unreported


def job(tmp_path, **changes):
    settings = dict(experiment="smoke", attempts=10, seed=0, workers=0, batch_size=0, verify_timeout_s=5,
                    results_dir=tmp_path, solver={"name": "random"}, bank_name="tiny", bank=None)
    return JobConfig(**{**settings, **changes})


def test_a_job_joins_its_sweep_only_in_the_same_store_and_experiment(tmp_path, monkeypatch):
    uri = TrackingSpec().resolved_uri(tmp_path)
    monkeypatch.delenv(SWEEP_ENV, raising=False)
    assert parent_of(job(tmp_path)) is None  # a single run stays a single run
    monkeypatch.setenv(SWEEP_ENV, json.dumps(Sweep("p1", "smoke: seed=0,1", "smoke", uri, str(tmp_path)).__dict__))
    assert parent_of(job(tmp_path)) == "p1"
    assert parent_of(job(tmp_path, experiment="other")) is None
    assert parent_of(job(tmp_path / "elsewhere")) is None
    assert parent_of(job(tmp_path, tracking=TrackingSpec(enabled=False))) is None
    assert parent_of(job(tmp_path, resume="r1")) is None  # a resumed run keeps the parent it has


def harness_run(*args, timeout=600):
    return subprocess.run([HARNESS_RUN, *args], capture_output=True, text=True, timeout=timeout)


def api(base, endpoint, body=None, **query):
    """MLflow's REST API: GET with `query`, or POST of the JSON `body` (the search endpoints)."""
    url = f"{base}/api/2.0/mlflow/{endpoint}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    with LOOPBACK.open(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A two-solver multirun into a local store, served by `mlflow ui` on 127.0.0.1."""
    results = tmp_path_factory.mktemp("sweep")
    done = harness_run("-m", "solver=random,evolve", "bank=tiny", "attempts=300", f"results_dir={results}",
                       "experiment_name=review")
    assert done.returncode == 0, done.stderr[-3000:]
    with mlflow_ui(f"sqlite:///{results / 'mlflow.db'}", log=results / "ui.log") as base:
        yield results, base, done.stdout


@pytest.mark.slow
def test_a_multirun_is_one_parent_run_with_its_jobs_as_children(sweep):
    results, base, stdout = sweep
    experiment = api(base, "experiments/get-by-name", experiment_name="review")["experiment"]
    runs = api(base, "runs/search", {"experiment_ids": [experiment["experiment_id"]]})["runs"]
    tags = {r["info"]["run_id"]: {t["key"]: t["value"] for t in r["data"].get("tags", [])} for r in runs}
    [parent] = [rid for rid, t in tags.items() if "harness.sweep" in t]
    children = [rid for rid, t in tags.items() if t.get("mlflow.parentRunId") == parent]
    assert len(runs) == 3 and len(children) == 2
    assert sorted(tags[c]["solver"] for c in children) == ["evolve", "random"]
    assert len({tags[c]["mlflow.runColor"] for c in children}) == 2  # one colour per solver in the view
    assert next(r for r in runs if r["info"]["run_id"] == parent)["info"]["run_name"] == "review: solver=random,evolve"
    for child in children:
        history = api(base, "metrics/get-history", run_id=child, metric_key="yield/novel")["metrics"]
        assert [m["step"] for m in history] == log_spaced_steps(300).tolist()  # step = attempts per problem
        summary = json.loads((results / "review" / child / "summary.json").read_text())
        assert history[-1]["value"] == summary["discoveries"]["novel"]
    compared = {f["path"] for f in api(base, "artifacts/list", run_id=parent, path="compare")["files"]}
    assert compared == {"compare/compare.png", "compare/compare.csv"}
    report = {f["path"] for f in api(base, "artifacts/list", run_id=parent, path="report")["files"]}
    assert {"report/REPORT.html", "report/REPORT.md", "report/verdicts.csv"} <= report
    assert f"viewStateShareKey={parent}" in stdout and f"runs/{parent}/artifacts/report/REPORT.html" in stdout
    # the closing lines, in reading order: the comparison, the report, the chart view
    assert stdout.index("  comparison:   ") < stdout.index("  report:   ") < stdout.index("  yield curves: ")
    assert f"runs/{parent}/artifacts/compare/compare.png" in stdout
    assert "harness-run: building the sweep's comparison and report from 2 runs of 2 arms" in stdout
    # where to open MLflow: once, by the sweep at its end, not once per job
    assert stdout.count("open it: mlflow ui") == stdout.count("MLflow:  ") == stdout.count("yield curves:") == 1
    assert stdout.count("results: ") == 2 and stdout.index("open it:") > stdout.rindex("results: ")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_browser_shows_the_sweeps_yield_curves_first_and_its_report(sweep, tmp_path):
    results, base, _ = sweep
    experiment_id, parent, children = the_sweep(f"sqlite:///{results / 'mlflow.db'}", "review")
    pages = {page.name: page for page in sweep_pages(base, experiment_id, parent, children)}
    assert children == ["evolve-tiny-s0", "random-tiny-s0"]
    parent_page = render_until(pages["parent-run"].url, list(pages["parent-run"].expected),
                               screenshot=tmp_path / "parent-run.png")
    # the description links, within the UI whatever its host and port, the comparison first,
    # then the report and the sweep's view
    assert parent_page.index(f'href="/#/experiments/{experiment_id}/runs/{parent}/artifacts/compare/compare.png"') \
        < parent_page.index(f'/artifacts/report/REPORT.html"') < parent_page.index(f"?viewStateShareKey={parent}&amp;")
    assert f'href="/#/experiments/{experiment_id}/runs?viewStateShareKey={parent}&amp;' in parent_page
    assert f'href="/#/experiments/{experiment_id}/runs/{parent}/artifacts/report/REPORT.html"' in parent_page
    charts = render_until(pages["chart-view"].url, list(pages["chart-view"].expected),
                          screenshot=tmp_path / "chart-view.png")
    sections = [charts.index(f">{name}<") for name in ("yield", "estimate", "cost", "tiers", "speed")]
    assert sections == sorted(sections)  # the yield curves' section first, the rest in reading order
    assert all(name in charts for name in children)  # both children are rows, not hidden under the parent
    viewer = render_until(pages["report-pane"].url, list(pages["report-pane"].expected),
                          screenshot=tmp_path / "report-viewer.png")
    assert 'class="mlflow-html-iframe"' in viewer  # the artifact viewer draws the HTML report
    # ... in a sandboxed frame whose DOM --dump-dom leaves out; the same bytes, fetched from the
    # same endpoint as the viewer does (served as a download), rendered alone:
    with LOOPBACK.open(f"{base}/get-artifact?path=report/REPORT.html&run_uuid={parent}", timeout=30) as answer:
        (tmp_path / "REPORT.html").write_bytes(answer.read())
    report = render((tmp_path / "REPORT.html").as_uri(), budget_ms=2_000)
    assert re.search(r"<h1>[^<]+ \(review\)</h1>", report)  # the answer as the title, the experiment named
    figures = re.findall(r'<img[^>]* src="data:image/png;base64,([^"]+)"', report)
    assert len(figures) >= 3  # per-family yield, slopes, funnel: embedded, so the file stands alone
    assert all(base64.b64decode(figure)[:8] == PNG for figure in figures)
    render((tmp_path / "REPORT.html").as_uri(), screenshot=tmp_path / "report.png", budget_ms=2_000)
    for shot in ("parent-run", "chart-view", "report-viewer", "report"):
        assert (tmp_path / f"{shot}.png").read_bytes()[:8] == PNG


@pytest.mark.slow
def test_a_sweep_whose_job_fails_leaves_its_parent_stopped_with_the_command_that_publishes_it(tmp_path):
    done = harness_run("-m", "workers=1,99", "bank=tiny", "attempts=50", f"results_dir={tmp_path}",
                       "experiment_name=broken")
    assert done.returncode != 0 and "workers=99" in done.stderr
    from mlflow.tracking import MlflowClient
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("broken").experiment_id])
    [parent] = [r for r in runs if "harness.sweep" in r.data.tags]
    assert parent.info.status == "KILLED"
    assert f"python -m harness.app.sweep {parent.info.run_id}" in done.stderr
    [child] = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert child.info.status == "FINISHED"
    republished = subprocess.run([sys.executable, "-m", "harness.app.sweep", parent.info.run_id,
                                  "--results-dir", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert republished.returncode == 0, republished.stderr[-3000:]
    assert "1 of 1 runs finished" in republished.stdout
    assert client.get_run(parent.info.run_id).info.status == "FINISHED"
    assert "compare/compare.png" in {f.path for f in client.list_artifacts(parent.info.run_id, "compare")}


def test_a_sweep_whose_parent_run_cannot_be_opened_starts_no_job_and_says_why(tmp_path):
    """Hydra turns a callback's exception into a warning: the jobs used to run with no parent."""
    (tmp_path / "mlflow.db").write_bytes(b"this is not a database" * 100)
    done = harness_run("-m", "seed=0,1", "bank=tiny", "attempts=20", f"results_dir={tmp_path}",
                       "experiment_name=orphans", timeout=300)
    assert done.returncode == 1
    [line] = [line for line in done.stderr.splitlines() if line.startswith("harness-run:")]
    assert "the sweep's parent run could not be opened, no job was started: cannot use the MLflow store" in line
    assert "UserWarning" not in done.stderr
    assert not list(tmp_path.glob("orphans/*/summary.json"))


@pytest.mark.slow
def test_harness_report_copies_the_report_its_sweeps_parent_holds_unless_asked_to_recompute(sweep, tmp_path):
    results, _, _ = sweep
    report = [str(Path(HARNESS_RUN).with_name("harness-report")), "--experiment", "review", "--results-dir", str(results)]
    copied = subprocess.run([*report, "--out", str(tmp_path / "copied")], capture_output=True, text=True, timeout=600)
    assert copied.returncode == 0, copied.stderr[-3000:]
    assert "holds the report of these 2 runs" in copied.stdout and "copied" in copied.stdout
    [parent_report] = results.glob("review/*/report/REPORT.md")  # what the parent logged as its artifact
    assert (tmp_path / "copied" / "REPORT.md").read_text() == parent_report.read_text()
    made = subprocess.run([*report, "--out", str(tmp_path / "made"), "--recompute"], capture_output=True, text=True,
                          timeout=600)
    assert made.returncode == 0 and "copied" not in made.stdout, made.stderr[-3000:]
    for table in ("verdicts.csv", "answer.csv", "truth_check.csv"):  # the same report, computed again
        assert (tmp_path / "made" / table).read_bytes() == (tmp_path / "copied" / table).read_bytes(), table
    other = subprocess.run([*report, "--out", str(tmp_path / "other"), "--n-boot", "20"], capture_output=True,
                           text=True, timeout=600)
    assert other.returncode == 0 and "copied" not in other.stdout  # other settings: made, not copied
