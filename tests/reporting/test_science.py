"""The report's numbers from hand-made runs whose answers are known (`run`: tests/reporting/conftest.py)."""
import numpy as np
import pytest

from harness.reporting import science
from harness.reporting.arms import group_arms
from harness.reporting.runs import ReportError

def test_seeds_of_an_iid_arm_are_pooled_per_discovery_and_family(run):
    a = run(0, [("pell/D=2,B=20", "3,2", 5, 5, None, 2, 2, 0), ("golomb/m=4,L=6", "0,1,4,6", 1, 1, 1, 9, 9, 9)])
    b = run(1, [("pell/D=2,B=20", "3,2", 7, 7, None, 3, 3, 0), ("pell/D=3,B=30", "2,1", 0, None, None, 1, 0, 0)])
    [arm] = group_arms([b, a])
    assert arm.seeds == [0, 1] and arm.families == {"golomb": 1, "pell": 2}
    assert sorted(science.pooled_counts(arm, "pell", "valid")) == [1, 5]
    assert list(science.pooled_counts(arm, "pell", "novel")) == [5]
    assert list(science.pooled_counts(arm, "golomb", "interesting")) == [9]

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
