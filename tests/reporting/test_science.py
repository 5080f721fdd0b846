"""The report's numbers from hand-made runs whose answers are known (`run`: tests/conftest.py)."""
import numpy as np
import pytest

from harness.reporting import forecasts, science
from harness.reporting.arms import group_arms
from harness.reporting.runs import ReportError

def test_seeds_of_an_iid_arm_are_pooled_per_discovery_and_family(run):
    a = run(0, [("pell/D=2,B=20", "3,2", 5, 5, None, 2, 2, 0), ("golomb/m=4,L=6", "0,1,4,6", 1, 1, 1, 9, 9, 9)])
    b = run(1, [("pell/D=2,B=20", "3,2", 7, 7, None, 3, 3, 0), ("pell/D=3,B=30", "2,1", 0, None, None, 1, 0, 0)])
    [arm] = group_arms([b, a])
    assert arm.seeds == [0, 1] and arm.families == {"golomb": 1, "pell": 2}
    assert sorted(arm.seeded("pell").counts("valid")) == [1, 5]
    assert list(arm.seeded("pell").counts("novel")) == [5]
    assert list(arm.seeded("golomb").counts("interesting")) == [9]

    curve = science.family_curve(arm, "pell", n_boot=20)
    valid = curve[curve["tier"] == "valid"]
    assert valid["m"].max() == 2 * 2000  # extrapolated to twice the pooled volume
    assert valid.loc[valid["m"] == 2000, "method"].item() == "observed"
    assert valid.loc[valid["m"] == 2000, "estimate"].item() == pytest.approx(2)


def test_adaptive_arm_verdicts_from_observed_curves(run):
    early = [("pell/D=2,B=20", str(i), i, i, None, 1, 1, 0) for i in range(5)]  # all found in the first 5 attempts
    spread = [("pell/D=2,B=20", str(i), i, i, None, 1, 1, 0) for i in range(0, 1000, 10)]  # one per 10 attempts
    saturated = group_arms([run(s, early, exchangeable=False, solver="evolve") for s in (0, 1, 2)])[0]
    growing = group_arms([run(s, spread, exchangeable=False, solver="evolve") for s in (0, 1, 2)])[0]
    table = science.verdicts([saturated], n_boot=10)
    row = table[(table["family"] == "pell") & (table["tier"] == "valid")].iloc[0]
    assert row["verdict"] == "saturated" and row["observed"] == 5 and np.isnan(row["chao"])
    assert table[(table["family"] == "golomb")]["verdict"].eq("no discoveries").all()

    row = science.verdicts([growing], n_boot=10).query("family == 'pell' and tier == 'novel'").iloc[0]
    assert row["slope"] == pytest.approx(1, abs=0.05) and row["verdict"] == "proportional"
    assert row["slope_lower"] < 1 < row["slope_upper"] and row["interval"].startswith("bootstrap")
    curve = science.family_curve(growing, "pell")
    assert (curve["method"] == "observed").all() and curve["m"].max() == 1000


def test_funnel_counts_attempts_at_least_each_tier_and_sets_the_reference_beside(run):
    found = [("pell/D=2,B=20", "3,2", 5, 5, 9, 2, 2, 1), ("pell/D=3,B=30", "2,1", 0, None, None, 1, 0, 0)]
    table = science.funnel(group_arms([run(0, found, solved=2), run(1, found, solved=2)]))
    row = table[table["arm"] == "a"].iloc[0]
    assert row["attempts_valid"] == 10 and row["attempts_novel"] == 5 and row["attempts_interesting"] == 2
    assert row["solved"] == 2 and row["problems_novel"] == 1 and row["problems_interesting"] == 1
    assert row["interesting_share_of_solved"] == 0.5
    reference = table[table["arm"].str.startswith("reference")].iloc[0]
    assert (reference["problems"], reference["solved"], reference["problems_interesting"]) == (700, 13, 1)


def test_equal_cost_compares_arms_of_one_bank_at_the_smaller_budget(run):
    cheap = [run(s, [], arm="cheap", spend=3600.0) for s in (0, 1)]  # one core-hour for 1000 attempts
    dear = [run(s, [], arm="dear", spend=7200.0) for s in (0, 1)]
    table = science.equal_cost(group_arms(cheap + dear), usd_per_core_hour=1.0).set_index("arm")
    assert table.loc["cheap", "budget"] == pytest.approx(1.0)
    assert table.loc["cheap", "attempts"] == pytest.approx(1000)
    assert table.loc["dear", "attempts"] == pytest.approx(500)  # half the volume for the same dollars
    dearest = [run(s, [], arm="dearest", spend=3600.0 * 5000) for s in (0, 1)]  # 1 attempt costs 5x cheap's all
    table = science.equal_cost(group_arms(cheap + dearest), usd_per_core_hour=1.0).set_index("arm")
    assert table.loc["dearest", "attempts"] == pytest.approx(0.2) and table.loc["dearest", "valid"] < 1
    by_attempts = science.equal_cost(group_arms(cheap + dear), axis="attempts").set_index("arm")
    assert by_attempts["attempts"].tolist() == [1000, 1000] and by_attempts["axis"].eq("attempts").all()


def test_an_arm_must_be_one_solver_at_one_volume_with_one_run_per_seed(run):
    with pytest.raises(ReportError, match="two runs of one seed"):
        group_arms([run(0, []), run(0, [])])
    with pytest.raises(ReportError, match="mixes runs"):
        group_arms([run(0, []), run(1, [], attempts=50)])


def test_the_report_and_the_comparison_agree_on_every_number_they_share(run):
    """Both take an arm's seeds through harness.analysis: the same curve, band and verdict."""
    from harness.reporting.compare import arm_curves

    rows = [("golomb/m=4,L=6", "0,1,4,6", 3, 3, None, 4, 4, 0), ("golomb/m=4,L=6", "0,2,5,6", 40, 40, None, 1, 1, 0),
            ("golomb/m=4,L=6", "0,1,3,6", 90, None, None, 1, 0, 0)]
    for exchangeable in (True, False):
        runs = [run(s, rows[: 2 + s], exchangeable=exchangeable) for s in (0, 1, 2)]
        [arm] = group_arms(runs)
        report = science.family_curve(arm, "golomb", n_boot=30)
        report = report[report["method"] != "forecast"]  # the comparison stops at 2x
        compared = arm_curves(runs, problem="golomb/m=4,L=6", n_boot=30)
        merged = report.merge(compared, on=["tier", "m"], suffixes=("_report", "_compare"))
        assert len(merged) == len(report) == len(compared)
        for column in ("estimate", "lower", "upper", "method"):
            assert merged[f"{column}_report"].tolist() == merged[f"{column}_compare"].tolist()
        verdicts = science.verdicts([arm], n_boot=30).query("family == 'golomb'").set_index("tier")["verdict"]
        assert compared.groupby("tier")["verdict"].first().to_dict() == verdicts.to_dict()


def test_forecasts_are_checked_from_the_early_part_against_what_the_runs_found(run):
    from harness.reporting.sections.forecasts import trust, trust_sentences

    rng = np.random.default_rng(0)

    def seeded(seed):
        rows, early = [], []
        for i in range(60):  # 60 discoveries of one problem, found at random attempts of 1,000
            hits = np.sort(rng.choice(1000, size=int(rng.integers(1, 6)), replace=False))
            rows.append(("pell/D=2,B=20", f"s{i}", hits[0], hits[0], None, len(hits), len(hits), 0))
            early.append(int((hits < 10).sum()))
        r = run(seed, rows)
        table = r.discoveries.assign(early_valid=early, early_novel=early, early_interesting=0)
        return r.__class__(r.run_id, {**r.summary, "early_attempts": 10}, r.config, r.curve, table)

    [arm] = group_arms([seeded(s) for s in (0, 1, 2)])
    check = forecasts.forecast_check([arm], n_boot=20)
    pell = check[(check["problem_id"] == "pell/D=2,B=20") & (check["tier"] == "valid")]
    assert pell["reach"].tolist() == [10, 100] and pell["from"].tolist() == [30, 30]
    assert pell["to"].tolist() == [300, 3000]
    # the actual value at 100x the early part (10 x 100 = all 1,000 attempts) is what the runs found
    found = len({c for d in arm.discoveries() for c in d.loc[d["problem_id"] == "pell/D=2,B=20", "canonical"]})
    assert pell["actual"].iloc[1] == found
    golomb = check[check["problem_id"] == "golomb/m=4,L=6"]
    assert golomb["note"].str.contains("fewer than 3").all() and golomb["inside"].isna().all()
    assert trust(golomb).empty  # rows too thin to fit are no verdict, not a crash (a 50-attempt sweep)
    summary = trust(check)
    assert set(summary["reach"]) == {10, 100} and (summary["share"] <= 1).all()
    [sentence] = trust_sentences(summary)
    assert sentence.startswith("- a (against the observed value): bands held the actual value in")
    prices = science.prices([arm])
    assert set(prices["problem_id"]) == {"golomb/m=4,L=6", "pell/D=2,B=20", "pell/D=3,B=30"}
    # pooled over three seeds, every discovery was found at least 3 times: no singletons, nothing left
    row = prices.query("problem_id == 'pell/D=2,B=20' and tier == 'valid'").iloc[0]
    assert row["more_attempts"] == 0 and np.isinf(row["per_discovery"]) and row["trusted"]


def test_an_observed_count_meets_the_band_of_its_expectation_at_the_integers_around_it():
    assert forecasts.inside(3, 3.0002, 3.3, count=True) and forecasts.inside(4, 3.0002, 3.3, count=True)
    assert not forecasts.inside(3, 3.0002, 3.3, count=False)  # a true expectation is compared as it is
    assert not forecasts.inside(26, 29.99, 139.99, count=True) and not forecasts.inside(5, 3.0002, 3.3, count=True)
