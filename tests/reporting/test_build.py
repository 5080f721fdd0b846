"""The volume-thesis sweep, scaled down, through harness-run and harness-report as a researcher runs them."""
import json
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest

from harness.reporting.document import SECTIONS

BIN = Path(sys.executable).parent
# Five families: the real-model arms' bank, whose problems the shipped recording was made on,
# without ramsey (whose solutions are not enumerated, so the synthetic urn has none). Every arm
# runs on them; the recorded arms replay the first 40 of their 200 attempts.
SMALL = ["bank=llm_small", "~bank.families.ramsey"]


def sections(markdown: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", markdown, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.mark.slow
def test_scaled_down_volume_thesis_sweep_makes_a_complete_report(tmp_path):
    swept = subprocess.run([BIN / "harness-run", "experiment=volume_thesis", *SMALL, "attempts=40",
                            f"results_dir={tmp_path}"], capture_output=True, text=True, timeout=900)
    assert swept.returncode == 0, swept.stderr[-3000:]
    assert swept.stdout.count("results: ") == 13 * 3  # thirteen arms, three seeds

    out = tmp_path / "report"
    made = subprocess.run([BIN / "harness-report", "--experiment", "volume-thesis", "--results-dir", tmp_path,
                           "--out", out, "--n-boot", "30"], capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    report = (out / "REPORT.md").read_text()
    found = sections(report)
    assert list(found) == list(SECTIONS)
    for name, body in found.items():
        assert re.search(r"\d", body), f"section {name!r} has no numbers"

    figures = re.findall(r"!\[[^]]*\]\(([^)]+)\)", report)
    assert {"yield_three_cubes.png", "yield_pell.png", "slopes.png", "funnel.png", "equal_cost.png", "real_model.png",
            "tokens.png", "equal_compute.png"} <= set(figures)
    for name in figures:
        path = out / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        height, width, _ = matplotlib.image.imread(path).shape
        assert height > 100 and width > 100
    assert str(tmp_path) not in report  # self-contained: nothing points outside the report

    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs["arm"].unique()) == ["evolve_default", "evolve_llm", "heavy_tailed_cheap",
                                            "heavy_tailed_deep_batch", "llm_constrained", "llm_free",
                                            "random_cheap", "random_deep", "random_deep_batch", "random_default",
                                            "random_small", "random_unreached", "synthetic"]
    assert all(sorted(seeds) == [0, 1, 2] for _, seeds in runs.groupby("arm")["seed"])
    assert (runs["tier_error"] == 0).all()  # the replays found a recorded completion for every attempt
    verdicts = pd.read_csv(out / "verdicts.csv")
    assert len(verdicts) == 13 * 5 * 3  # arm x family x tier
    assert set(verdicts["verdict"]) <= {"faster than proportional", "proportional", "diminishing", "saturated",
                                        "no discoveries", "undecided"}
    truth = pd.read_csv(out / "truth_check.csv")  # the random, heavy-tailed and synthetic arms have a truth here
    assert {"random", "heavy_tailed", "synthetic"} <= set(truth["solver"]) and truth["truth"].notna().all()
    funnel = pd.read_csv(out / "funnel.csv").set_index("arm")
    assert (funnel.loc["random_small", "attempts"], funnel.loc["random_small", "problems"]) == (200, 5)
    assert funnel.loc["reference: LLM on open problems", "solved"] == 13
    equal = pd.read_csv(out / "equal_cost.csv")
    assert set(equal["bank"]) == {"llm_small"}  # every arm ran on the one bank here
    assert set(equal["axis"]) == {"usd", "compute_s", "attempts"}
    real = pd.read_csv(out / "real_model.csv")  # the three model arms beside random, per problem
    assert sorted(real["arm"].unique()) == ["evolve_llm", "llm_constrained", "llm_free"] and len(real) == 3 * 5
    randoms = runs.loc[runs["solver"] == "random"]  # here every arm ran on llm_small, at 40 attempts
    beside = max(zip(randoms["attempts_per_problem"], randoms["arm"]))[1]  # the most attempts, ties by name
    assert (real["random_arm"] == beside).all() and (real["compute_s"] > 0).all()
    at_cpu = pd.read_csv(out / "equal_compute.csv")  # the i.i.d. model arms at the larger one's CPU, with the stubs
    assert set(at_cpu["bank"]) == {"llm_small"} and set(at_cpu["answers"]) == {"constrained (grammar)", "free"}
    assert set(at_cpu.loc[at_cpu["is_model"], "arm"]) == {"llm_constrained", "llm_free"}  # evolve_llm is adaptive
    assert {"random", "heavy_tailed"} <= set(at_cpu["solver"])
    overall = at_cpu[at_cpu["problem_id"] == "all problems"]
    assert len(at_cpu) == 6 * len(overall) and overall["solved"].between(0, 1).all()  # five problems and all
    assert (overall["cpu_s"] > 0).all() and (overall["discoveries_lower"] <= overall["discoveries_upper"]).all()
    operators = pd.read_csv(out / "real_model_operators.csv")  # evolve_llm's attempts by who proposed them
    assert set(operators["arm"]) == {"evolve_llm"} and "model" in set(operators["operator"])
    assert operators["attempts"].sum() == pytest.approx(40 * 5, abs=0.01)  # seeds' means, as the CSV rounds them
    assert operators["attempt_share"].sum() == pytest.approx(1, abs=1e-4)
    calibration = pd.read_csv(out / "calibration.csv")  # the synthetic arm's known truth, 3 volumes x 5 families
    assert len(calibration) == 15 and (calibration["arm"] == "synthetic").all() and (calibration["truth"] > 0).all()

    # The same runs read from their directory, without MLflow, give the same numbers.
    again = subprocess.run([BIN / "harness-report", "--runs", tmp_path / "volume-thesis", "--out",
                            tmp_path / "again", "--n-boot", "30"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    for table in ("verdicts.csv", "funnel.csv", "curves.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / table), pd.read_csv(tmp_path / "again" / table))


def test_report_without_runs_says_where_it_looked(tmp_path):
    done = subprocess.run([BIN / "harness-report", "--runs", tmp_path], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"no finished runs under {tmp_path}" in done.stderr and "Traceback" not in done.stderr


def two_seeds(run):
    rows = [["golomb/m=4,L=6", "(0, 1, 4, 6)", 3, 3, None, 4, 4, 0]]
    return [run(0, rows), run(1, rows)]


def test_out_refuses_a_folder_that_is_not_a_report_and_touches_nothing(tmp_path, run):
    from harness.reporting.build import build_report
    from harness.reporting.runs import ReportError

    store = tmp_path / "results"
    (store / "default").mkdir(parents=True)
    (store / "mlflow.db").write_text("precious")
    with pytest.raises(ReportError, match="not empty and is not a report"):
        build_report(two_seeds(run), store, "hand-made runs", n_boot=5, progress=False)
    assert (store / "mlflow.db").read_text() == "precious" and (store / "default").is_dir()


def test_a_report_replaces_only_what_it_wrote(tmp_path, run):
    from harness.reporting.build import MARKER, build_report

    out = tmp_path / "report"
    build_report(two_seeds(run), out, "hand-made runs", n_boot=5, progress=False)
    written = json.loads((out / MARKER).read_text())["files"]
    assert "REPORT.md" in written and "verdicts.csv" in written and all((out / name).is_file() for name in written)
    (out / "my-notes.txt").write_text("mine")
    (out / "yield_stale.png").write_bytes(b"old figure")  # as if an earlier sweep had drawn it
    (out / MARKER).write_text(json.dumps({"files": [*written, "yield_stale.png", "../outside.txt", "/etc/x"]}))
    (tmp_path / "outside.txt").write_text("not the report's")
    build_report(two_seeds(run), out, "hand-made runs", n_boot=5, progress=False)
    assert not (out / "yield_stale.png").exists()
    assert (out / "my-notes.txt").read_text() == "mine" and (tmp_path / "outside.txt").exists()
    assert json.loads((out / MARKER).read_text())["files"] == written


def write_run(directory, data):
    """A hand-made run as harness-run leaves it on disk."""
    import yaml

    directory.mkdir(parents=True)
    (directory / "summary.json").write_text(json.dumps(dict(data.summary)))
    (directory / "config.yaml").write_text(yaml.safe_dump(dict(data.config)))
    data.curve.to_csv(directory / "curve.csv", index=False)
    data.discoveries.to_csv(directory / "discoveries.csv", index=False)


@pytest.mark.parametrize("name, garbage", [
    ("summary.json", "{not json"), ("summary.json", "[1, 2]"), ("curve.csv", "\x00\x01garbage\n"),
    ("curve.csv", ""), ("discoveries.csv", "a,b\n1,2\n"), ("config.yaml", "bank: [unclosed"),
])
def test_a_damaged_run_file_is_named_in_one_line(tmp_path, run, name, garbage):
    from harness.reporting.runs import ReportError, read_run

    write_run(tmp_path / "r1", run(0, []))
    (tmp_path / "r1" / name).write_text(garbage)
    with pytest.raises(ReportError, match=rf"run .*: {re.escape(name)} is damaged"):
        read_run(tmp_path / "r1")
    done = subprocess.run([BIN / "harness-report", "--runs", tmp_path, "--out", tmp_path / "out"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and f"{name} is damaged" in done.stderr and "Traceback" not in done.stderr


def test_unfinished_runs_are_named_as_skipped(tmp_path, run):
    from harness.reporting.runs import runs_from_directory

    write_run(tmp_path / "done", run(0, []))
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.yaml").write_text("attempts: 5\n")  # interrupted before its summary
    skipped = []
    assert [r.run_id for r in runs_from_directory(tmp_path, skipped.append)] == ["a-0"]
    assert skipped == ["run half: unfinished (no summary.json)"]


def test_reading_an_experiment_creates_no_store(tmp_path):
    done = subprocess.run([BIN / "harness-report", "--experiment", "nope", "--results-dir", tmp_path],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "no MLflow store at" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_runs_in_mlflow_that_did_not_finish_are_named_as_skipped(tmp_path):
    from harness.reporting.runs import ReportError, runs_from_mlflow
    from harness.tracking.tracker import TrackingSpec, open_client, start_tracker

    tracker = start_tracker(TrackingSpec(), tmp_path, "sweep", "random-tiny-s0", {}, {})
    tracker.finish("KILLED")
    skipped = []
    with pytest.raises(ReportError, match="has no finished runs"):
        runs_from_mlflow(open_client(TrackingSpec().resolved_uri(tmp_path)), "sweep", skipped.append)
    assert skipped == [f"run {tracker.run_id} (random-tiny-s0): killed"]


@pytest.mark.parametrize("arm", ["math$\\frac$x", "dollars $5 and $6", "$x^{$"])
def test_an_arm_name_with_dollar_signs_is_drawn_as_plain_text(tmp_path, run, arm):
    """Matplotlib reads text between two `$` as mathtext; a name is not maths (its parser raised)."""
    from harness.reporting.build import build_report

    rows = [["golomb/m=4,L=6", "(0, 1, 4, 6)", 3, 3, None, 4, 4, 0]]
    build_report([run(0, rows, arm=arm), run(1, rows, arm=arm)], tmp_path / "report", "hand-made runs",
                 n_boot=5, progress=False)
    assert (tmp_path / "report" / "REPORT.md").is_file()
    assert (tmp_path / "report" / "slopes.png").read_bytes()[:4] == b"\x89PNG"


def test_out_refuses_a_link_inside_a_previous_report_and_writes_nothing_through_it(tmp_path, run):
    """Issue 35, item 4: a planted marker and a REPORT.md linked to a file elsewhere."""
    import os

    from harness.reporting.build import MARKER, build_report
    from harness.reporting.runs import ReportError

    out, precious = tmp_path / "report", tmp_path / "precious.md"
    out.mkdir()
    precious.write_text("mine")
    (out / MARKER).write_text(json.dumps({"files": ["REPORT.md"]}))
    os.symlink(precious, out / "REPORT.md")
    with pytest.raises(ReportError, match=r"--out: .*REPORT.md is a symbolic link: links inside a report's folder"):
        build_report(two_seeds(run), out, "hand-made runs", n_boot=5, progress=False)
    assert precious.read_text() == "mine" and (out / "REPORT.md").is_symlink()
