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
# but the models at volume runs on them; the recorded arms replay the first 40 of their 200 attempts.
SMALL = ["bank=llm_small", "~bank.families.ramsey"]
ON_SMALL = ["random_default", "evolve_default", "random_cheap", "random_deep", "random_deep_batch", "random_unreached",
            "heavy_tailed_cheap", "heavy_tailed_deep_batch", "synthetic", "llm_free", "llm_constrained", "evolve_llm",
            "random_small", "random_symbolic", "random_deep_symbolic"]
# The two models at volume replay the first 40 attempts of their recordings on their own bank
# (llm_volume), at seed 0 only, as recorded; the stubs beside them run all three seeds.
MODELS_AT_VOLUME = ["gemma_constrained", "smollm2_constrained", "gemma_free", "smollm2_free"]
ON_VOLUME = [*MODELS_AT_VOLUME, "random_volume", "heavy_tailed_volume"]
ONE_SEED = [*MODELS_AT_VOLUME, "random_symbolic", "random_deep_symbolic"]  # seeds: [0]


def sections(markdown: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", markdown, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.mark.slow
def test_scaled_down_volume_thesis_sweep_makes_a_complete_report(tmp_path):
    arms = subprocess.run([BIN / "harness-run", "experiment=volume_thesis", "--cfg", "hydra"],
                          capture_output=True, text=True, timeout=300)
    [swept_arms] = re.findall(r"\+arm: (\S+)", arms.stdout)
    assert sorted(swept_arms.split(",")) == sorted(ON_SMALL + ON_VOLUME)  # the sweep's arms, all of them below
    swept = subprocess.run([BIN / "harness-run", "experiment=volume_thesis", f"+arm={','.join(ON_SMALL)}", *SMALL,
                            "attempts=40", f"results_dir={tmp_path}"], capture_output=True, text=True, timeout=900)
    assert swept.returncode == 0, swept.stderr[-3000:]
    assert swept.stdout.count("results: ") == 13 * 3 + 2  # thirteen arms at three seeds, two at one
    assert swept.stdout.count("skipped: seeds=[0]") == 2 * 2
    at_volume = subprocess.run([BIN / "harness-run", "experiment=volume_thesis", f"+arm={','.join(ON_VOLUME)}",
                                "attempts=40", f"results_dir={tmp_path}"], capture_output=True, text=True, timeout=900)
    assert at_volume.returncode == 0, at_volume.stderr[-3000:]
    assert at_volume.stdout.count("results: ") == 2 * 3 + 4  # the stubs at three seeds, the models at seed 0
    assert at_volume.stdout.count("skipped: seeds=[0]") == 4 * 2

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
    assert sorted(runs["arm"].unique()) == sorted(ON_SMALL + ON_VOLUME)
    seeds = runs.groupby("arm")["seed"].apply(sorted)
    assert all(seeds[arm] == ([0] if arm in ONE_SEED else [0, 1, 2]) for arm in seeds.index)
    assert (runs["tier_error"] == 0).all()  # the replays found a recorded completion for every attempt
    verdicts = pd.read_csv(out / "verdicts.csv")
    assert len(verdicts) == (15 * 5 + 6 * 10) * 3  # arm x family x tier: five families on llm_small, ten on llm_volume
    assert set(verdicts["verdict"]) <= {"faster than proportional", "proportional", "diminishing", "saturated",
                                        "no discoveries", "undecided"}
    truth = pd.read_csv(out / "truth_check.csv")  # the random, heavy-tailed and synthetic arms have a truth here
    assert {"random", "heavy_tailed", "synthetic"} <= set(truth["solver"]) and truth["truth"].notna().all()
    funnel = pd.read_csv(out / "funnel.csv").set_index("arm")
    assert (funnel.loc["random_small", "attempts"], funnel.loc["random_small", "problems"]) == (200, 5)
    assert funnel.loc["reference: LLM on open problems", "solved"] == 13
    equal = pd.read_csv(out / "equal_cost.csv")
    assert set(equal["bank"]) == {"llm_small", "llm_volume"}  # every arm ran on one of the two banks here
    assert set(equal["axis"]) == {"usd", "compute_s", "attempts"}
    real = pd.read_csv(out / "real_model.csv")  # the model arms beside random on their bank, per problem
    assert sorted(real["arm"].unique()) == sorted(["evolve_llm", "llm_constrained", "llm_free", *MODELS_AT_VOLUME])
    assert len(real) == 3 * 5 + 4 * 12
    randoms = runs.loc[(runs["solver"] == "random") & (runs["bank"] == "llm_small")]  # all at 40 attempts
    beside = max(zip(randoms["attempts_per_problem"], randoms["arm"]))[1]  # the most attempts, ties by name
    assert (real.loc[real["bank"] == "llm_small", "random_arm"] == beside).all() and (real["compute_s"] > 0).all()
    assert (real.loc[real["bank"] == "llm_volume", "random_arm"] == "random_volume").all()
    at_cpu = pd.read_csv(out / "equal_compute.csv")  # the i.i.d. model arms at the larger one's CPU, with the stubs
    assert set(at_cpu["bank"]) == {"llm_small", "llm_volume"}
    assert set(at_cpu["answers"]) == {"constrained (grammar)", "free"}
    assert set(at_cpu.loc[at_cpu["is_model"], "arm"]) == {"llm_constrained", "llm_free", *MODELS_AT_VOLUME}
    assert {"random", "heavy_tailed"} <= set(at_cpu["solver"])
    overall = at_cpu[at_cpu["problem_id"] == "all problems"]
    problems = at_cpu["bank"].map({"llm_small": 5, "llm_volume": 12})
    assert (at_cpu.groupby(["bank", "answers", "arm"]).size() == (problems + 1).groupby(
        [at_cpu["bank"], at_cpu["answers"], at_cpu["arm"]]).first()).all()  # each problem and all
    assert overall["solved"].between(0, 1).all()
    assert (overall["cpu_s"] > 0).all() and (overall["discoveries_lower"] <= overall["discoveries_upper"]).all()
    volume = overall[overall["bank"] == "llm_volume"].set_index(["answers", "arm"])
    for answers, gemma, smollm2 in (("constrained (grammar)", "gemma_constrained", "smollm2_constrained"),
                                    ("free", "gemma_free", "smollm2_free")):
        assert "gemma-3-270m" in volume.loc[(answers, gemma), "model"]  # named by its recording's provenance
        assert "SmolLM2" in volume.loc[(answers, smollm2), "model"]
        models = volume.loc[answers][volume.loc[answers, "is_model"]]
        whole = models["volume"] * models["cpu_per_attempt"]  # each model's whole run, CPU s per problem
        assert set(volume.loc[answers, "reference"]) == {whole.idxmin()}  # the run that cost least
        cpu = volume.loc[answers, "cpu_s"]
        assert cpu.max() == pytest.approx(cpu.min(), rel=0.05)  # every arm at that CPU
        assert (models["attempts"] <= models["volume"]).all()  # no model beyond its run
    assert "**llm_volume, constrained (grammar) answers**: " in report and "**llm_volume, free answers**: " in report
    assert report.count("Only one model here") == 2  # llm_small's two answer modes: SmolLM2 alone
    crossings = [line for line in report.splitlines() if "forecast solved shares of" in line or "forecast crossing" in line]
    for gemma, smollm2 in (("gemma_constrained", "smollm2_constrained"), ("gemma_free", "smollm2_free")):
        assert any((gemma in line and smollm2 in line) or ("solved nothing" in line and (gemma in line or smollm2 in line))
                   for line in crossings)  # where the two models' forecasts would cross, or why none is drawn

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


def test_the_reports_progress_moves_per_arm_not_per_step(tmp_path, run, capsys):
    from harness.reporting.build import build_report

    build_report(two_seeds(run), tmp_path / "report", "hand-made runs", n_boot=5)
    bars = capsys.readouterr().err
    # each step's bar counts its arms, not the report's own steps (forecast checks: 2 tables)
    for name, count in [("verdicts", 1), ("forecast checks", 1), ("against the truth", 1)]:
        assert re.search(rf"{name}: 100%\|[^|]*\| {count}/{count} ", bars), (name, bars[-2000:])
    assert "table/s" not in bars


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
