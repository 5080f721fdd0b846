"""Models at equal compute: synthetic arms whose answer is known, and the committed recording's arms."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.reporting import equal_compute
from harness.reporting.arms import group_arms
from harness.reporting.runs import RunData

REPO = Path(__file__).resolve().parents[2]
GOLOMB, PELL2, PELL3 = "golomb/m=4,L=6", "pell/D=2,B=20", "pell/D=3,B=30"


def iid_run(make_run, seed, odds, *, arm, attempts, cpu, model=None):
    """A seed of an i.i.d. arm: each attempt finds discovery (problem, name) with its set odds;
    `cpu` CPU seconds per attempt; a model arm (tokens spent) names `model` in its provenance."""
    rng = np.random.default_rng([seed, len(arm)])
    rows = []
    for (pid, name), p in odds.items():
        hits = np.flatnonzero(rng.random(attempts) < p)
        if len(hits):
            rows.append((pid, name, hits[0], hits[0], None, len(hits), len(hits), 0))
    r = make_run(seed, rows, arm=arm, solver="llm" if model else "random", attempts=attempts,
                 spend=cpu * 3 * attempts)
    if model:
        r.summary.update(spend={"tokens": 10 * attempts}, server={"name": "recording", "provenance": {
            "model_file": model, "model_sha256": "0" * 64}})
        r.config["solver"] = {"name": "llm", "constrain": True}
    return r


def rarefied(counts, units, m):
    """Expected distinct discoveries in m of `units` pooled attempts (the exact hypergeometric sum)."""
    return sum(1 - math.comb(units - c, m) / math.comb(units, m) for c in counts)


@pytest.fixture
def arms(run):
    # big: 4 CPU s per attempt, 3 discoveries on pell D=2 at odds 1/20; small: 1 CPU s per attempt,
    # 10 discoveries there at odds 1/100. Both find golomb's one ruler at odds 1/2; nobody solves pell D=3.
    # At big's 2 x 100 attempts (800 CPU s per problem) small has 800 attempts: 10 (1 - 0.99^800) = 10.0
    # expected against big's 3 (1 - 0.95^200) = 3.0.
    big = {(GOLOMB, "(0, 1, 4, 6)"): 0.5, **{(PELL2, f"({i}, 1)"): 0.05 for i in range(3)}}
    small = {(GOLOMB, "(0, 1, 4, 6)"): 0.5, **{(PELL2, f"({i}, 2)"): 0.01 for i in range(10)}}
    runs = [iid_run(run, s, big, arm="big", attempts=100, cpu=4.0, model="big-270m.gguf") for s in (0, 1)]
    runs += [iid_run(run, s, small, arm="small", attempts=1000, cpu=1.0, model="small-135m.gguf") for s in (0, 1)]
    runs += [iid_run(run, s, {(GOLOMB, "(0, 1, 4, 6)"): 0.001}, arm="random", attempts=50000, cpu=0.01)
             for s in (0, 1)]
    return group_arms(runs)


def test_arms_are_rarefied_to_the_volume_that_costs_the_larger_models_cpu(arms):
    t = equal_compute.table_of(arms, n_boot=50)
    assert set(t["reference"]) == {"big"}  # its whole run cost the fewest CPU seconds (800 against 2,000)
    at = t.set_index(["arm", "problem_id"])
    assert at.loc[("big", equal_compute.ALL), "attempts"] == 200  # pooled over its two seeds
    assert at.loc[("small", equal_compute.ALL), "attempts"] == 800  # 4x: a quarter of the CPU per attempt
    assert at.loc[("random", equal_compute.ALL), "attempts"] == 80_000  # within its 100,000: rarefied
    assert np.allclose(t["cpu_s"], 800.0)
    assert dict(zip(t.loc[t["problem_id"] == PELL2, "arm"], t.loc[t["problem_id"] == PELL2, "model"])) == {
        "big": "big-270m.gguf", "small": "small-135m.gguf", "random": "random search"}
    by_arm = {a.name: a for a in arms}
    for name in ("big", "small"):  # the table's count is the exact rarefaction of the pooled incidences
        runs = by_arm[name].seeded()
        counts = runs.restrict([PELL2]).counts("valid")
        m = int(at.loc[(name, PELL2), "attempts"])
        assert at.loc[(name, PELL2), "discoveries"] == pytest.approx(rarefied(counts, runs.units, m), rel=1e-9)
    # and near the truth set by the odds (the random draws, not the estimator, decide the gap)
    assert at.loc[("small", PELL2), "discoveries"] == pytest.approx(10 * (1 - 0.99 ** 800), abs=0.6)
    assert at.loc[("big", PELL2), "discoveries"] == pytest.approx(3 * (1 - 0.95 ** 200), abs=0.3)
    assert at.loc[("small", PELL2), "discoveries_lower"] > at.loc[("big", PELL2), "discoveries_upper"]
    assert at.loc[("big", PELL3), "solved"] == 0 and at.loc[("big", GOLOMB), "solved"] == 1
    overall = at.loc[("small", equal_compute.ALL)]
    assert overall["solved"] == pytest.approx(2 / 3, abs=0.02)  # golomb and pell D=2 of three
    assert overall["forecast_lower_100x"] <= overall["forecast_100x"] <= overall["forecast_upper_100x"] <= 1
    assert overall["forecast_10x"] <= overall["forecast_100x"]
    assert math.isnan(at.loc[("random", equal_compute.ALL), "forecast_10x"])  # forecasts are the models'


def test_the_reference_is_the_model_whose_run_cost_least_so_no_model_is_taken_beyond_its_run(run):
    # big costs 4 CPU s per attempt over 2 x 100 attempts (800 s per problem); small 1 CPU s per
    # attempt over 2 x 150 (300 s): small is the reference, big is taken at 75 of its 200 attempts.
    odds = {(GOLOMB, "(0, 1, 4, 6)"): 0.5}
    runs = [iid_run(run, s, odds, arm="big", attempts=100, cpu=4.0, model="big-270m.gguf") for s in (0, 1)]
    runs += [iid_run(run, s, odds, arm="small", attempts=150, cpu=1.0, model="small-135m.gguf") for s in (0, 1)]
    t = equal_compute.table_of(group_arms(runs), n_boot=20)
    overall = t[t["problem_id"] == equal_compute.ALL].set_index("arm")
    assert set(t["reference"]) == {"small"} and np.allclose(t["cpu_s"], 300.0)
    assert (overall.loc["small", "attempts"], overall.loc["big", "attempts"]) == (300, 75)
    assert (overall["attempts"] <= overall["volume"]).all()


def test_the_section_says_who_wins_by_how_much_and_where_it_is_undecided(arms):
    t = equal_compute.table_of(arms, n_boot=50)
    text = "\n".join(equal_compute.section(t, arms, "equal_compute.png"))
    assert "![equal compute](equal_compute.png)" in text
    overall = next(line for line in text.splitlines() if line.startswith("- Overall:"))
    assert overall.startswith("- Overall: small wins on distinct discoveries: small 11")
    assert "against big 4 [" in overall and "2.75x;" in overall  # by how much: 11 expected against 3 + 1
    # Per problem only the decided verdicts: golomb's (all find the one ruler) is counted, its rows left to the CSV.
    assert "- golomb/m=4,L=6:" not in text
    assert ("- Undecided on distinct discoveries (intervals overlap) on 2 of 3 problems: their rows are in "
            "`equal_compute.csv`.") in text
    golomb = t[t["problem_id"] == "golomb/m=4,L=6"]
    assert len(golomb) == len(arms) and equal_compute.verdict(golomb, "discoveries", "x").startswith("undecided")
    assert "- pell/D=2,B=20: small wins on distinct discoveries" in text
    assert "No heavy-tailed stub arm on toy" in text and "No random search arm" not in text
    assert "Only one model here" not in text  # two models, each named by its provenance
    assert "the volume it ran" not in text  # every arm within its own run
    assert "forecast solved shares of big and small" in text


def test_the_figure_is_drawn_and_no_model_means_no_comparison(arms, tmp_path):
    t = equal_compute.table_of(arms, n_boot=10)
    assert equal_compute.figure(arms, t, tmp_path / "e.png", n_boot=10).read_bytes()[:4] == b"\x89PNG"
    stubs = [a for a in arms if a.name == "random"]
    assert equal_compute.table_of(stubs).empty and equal_compute.figure(stubs, equal_compute.table_of(stubs),
                                                                        tmp_path / "none.png") is None
    assert equal_compute.section(equal_compute.table_of(stubs), stubs) == [
        "No i.i.d. model arm in this sweep: no comparison at equal compute."]


def replayed_arm(run, name: str, attempts: int = 200) -> list[RunData]:
    """The committed recording's arm replayed in process, three seeds: its discoveries and its curve
    with the server CPU the recording notes (as harness-run's replay counts it)."""
    from omegaconf import OmegaConf

    from harness.analysis import DiscoveryLog
    from harness.engine.attempts import attempt_table
    from harness.bank.banks import bank_from_config_name
    from harness.run.outputs import add_server_cpu
    from harness.servers import provenance, recorded_cpu_per_token
    from harness.solvers import make_solver

    path = REPO / f"results/reference/llm-real/{name}"
    settings = OmegaConf.to_container(OmegaConf.load(REPO / f"configs/arm/{name}.yaml").solver)
    keep = ("n", "max_tokens", "constrain", "grammar_version", "statement_version")
    solver = make_solver({"name": "replay", "recording": str(path), **{k: settings[k] for k in keep if k in settings}})
    bank = bank_from_config_name("llm_small")
    runs = []
    for seed in (0, 1, 2):
        log = DiscoveryLog(solving_is_compute=False)  # a model: its server CPU, not the latency
        for problem in bank:
            log.update(attempt_table(problem, solver, seed, 0, attempts))
        curve = log.curve(np.array([1, 10, attempts]))
        curve = add_server_cpu(curve, recorded_cpu_per_token(path) * curve["tokens"].iloc[-1])
        r = run(seed, [], arm=name, solver="replay", attempts=attempts)
        r.summary.update(bank="llm_small", attempts=len(bank) * attempts,
                         spend={"tokens": int(curve["tokens"].iloc[-1])},
                         server={"name": "recording", "provenance": provenance.summary(provenance.read(path))})
        runs.append(RunData(r.run_id, r.summary, {"bank": {"name": "llm_small"}, "solver": settings}, curve,
                            log.discovery_table()))
    return runs


def test_the_committed_recording_has_one_model_and_the_section_says_the_second_is_missing(run, monkeypatch):
    from harness.reporting import runs as report_runs

    monkeypatch.setattr(report_runs.RunData, "bank_problems", property(
        lambda self: __import__("harness.bank.banks", fromlist=["x"]).bank_from_config_name("llm_small")))
    stub = [iid_run(run, s, {}, arm="random_small", attempts=1000, cpu=1e-5) for s in (0, 1, 2)]
    for r in stub:
        r.summary.update(bank="llm_small", attempts=6 * 1000)
        r.curve["compute_s"] = r.curve["compute_s"] * 2  # 6 problems, not BANK's 3: 1e-5 s per attempt
    arms = group_arms(replayed_arm(run, "llm_constrained") + stub)
    t = equal_compute.table_of(arms, n_boot=20)
    overall = t[t["problem_id"] == equal_compute.ALL].set_index("arm")
    assert list(overall.index) == ["llm_constrained", "random_small"]
    assert overall.loc["llm_constrained", "model"] == equal_compute.NO_PROVENANCE  # not invented
    assert overall.loc["llm_constrained", "attempts"] == 600  # its three seeds of 200, pooled
    cpu = overall.loc["llm_constrained", "cpu_s"]
    assert 150 < cpu < 250  # about 365 server CPU s per seed of 1,200 attempts: 0.3 s each, x 600
    assert overall.loc["random_small", "attempts"] == pytest.approx(cpu / 1e-5, rel=1e-6)
    assert len(t) == 2 * 7  # six problems and all of them, two arms
    assert overall.loc["llm_constrained", "discoveries"] > 0
    text = "\n".join(equal_compute.section(t, arms))
    assert ("Only one model here (unknown model (no provenance)): the second model has no recording on "
            "llm_small with constrained (grammar) answers yet") in text
    assert "No heavy-tailed stub arm on llm_small" in text
    assert "forecast solved shares of" not in text  # no second model: no crossing drawn
    assert "- random_small is taken at " in text and "x the volume it ran (extrapolation)" in text
    assert "- llm_constrained (unknown model (no provenance)) forecast solved share: " in text
