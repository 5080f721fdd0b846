import numpy as np
import pandas as pd
import pytest

from harness.analysis.fits import YieldVerdict, adaptive_verdict, log_log_slope, thesis_verdict, yield_slope
from harness.analysis.runs import SeededRuns, analyse, family_verdicts, solved_curve, summary


def test_never_repeated_discoveries_grow_in_proportion():
    verdict = thesis_verdict(np.ones(500, dtype=int), 10_000)
    assert verdict.verdict == "proportional"
    assert verdict.slope.lower <= 1 <= verdict.slope.upper and "slope 1.00" in verdict.reason


def test_a_zipf_pool_gives_diminishing_returns():
    rng = np.random.default_rng(0)
    p = np.arange(1, 2001) ** -1.1
    found = rng.binomial(10_000, 0.3 * p / p.sum())
    verdict = thesis_verdict(found[found > 0], 10_000)
    assert verdict.verdict == "diminishing" and verdict.slope.upper < 1


def test_everything_found_often_is_saturated():
    verdict = thesis_verdict([500, 400, 300], 10_000)
    assert verdict.verdict == "saturated" and verdict.coverage == 1.0 and verdict.chao == 3


def test_nothing_found_and_bad_windows():
    assert thesis_verdict([], 1_000).verdict == "no discoveries"
    with pytest.raises(ValueError, match="window"):
        yield_slope([1, 2], 100, window=(50, 500))


def test_a_slope_whose_interval_reaches_above_the_saturation_bound_is_not_saturated():
    # true odds 0.5 and 0.001: E[S(1,000)] = 1 + 0.63, E[S(10,000)] = 2, a true slope of 0.09
    verdict = thesis_verdict([5_000, 10], 10_000, n_boot=20)
    assert 0.05 < verdict.slope.slope < 0.1 < verdict.slope.upper
    assert verdict.verdict is YieldVerdict.DIMINISHING and verdict.saturation == ()


def test_saturated_says_when_it_reached_what_it_found():
    verdict = thesis_verdict([5_000, 900], 10_000, n_boot=20)
    assert verdict.verdict is YieldVerdict.SATURATED and verdict.slope.upper < 0.1
    reached = dict(verdict.saturation)
    assert reached[0.5] <= 10 and reached[0.99] < 1_000 and "reached its asymptote (50% by" in verdict.reason


def test_one_singleton_decides_nothing_however_large_the_volume():
    # erdos_straus at 10^9 per seed: one discovery seen once; its rarefied curve is a straight line
    verdict = thesis_verdict([1], 3 * 10**9, n_boot=20)
    assert verdict.verdict is YieldVerdict.UNDECIDED and "seen once" in verdict.reason
    assert thesis_verdict([1, 1, 1], 10_000, n_boot=20).verdict is YieldVerdict.UNDECIDED


def test_slope_intervals_map_to_verdicts():
    from harness.analysis.fits import Slope, slope_verdict
    window = (100, 1_000)
    assert slope_verdict(Slope(2.59, 2.59, 2.59, window))[0] is YieldVerdict.UNDECIDED  # zero width
    assert slope_verdict(Slope(1.4, 1.2, 1.6, window))[0] is YieldVerdict.FASTER  # wholly above 1
    assert slope_verdict(Slope(0.95, 0.8, 1.05, window))[0] is YieldVerdict.PROPORTIONAL
    assert slope_verdict(Slope(0.26, 0.22, 0.31, window))[0] is YieldVerdict.DIMINISHING  # not "saturated"
    assert slope_verdict(Slope(0.02, 0.0, 0.05, window))[0] is YieldVerdict.SATURATED
    assert slope_verdict(Slope(0.0, 0.0, 0.0, window))[0] is YieldVerdict.SATURATED  # all found before the window


def test_the_verdict_is_an_enum_that_reads_as_its_string():
    assert YieldVerdict("saturated") is YieldVerdict.SATURATED and YieldVerdict.NO_DISCOVERIES == "no discoveries"
    assert f"{YieldVerdict.PROPORTIONAL}" == "proportional"


def test_one_log_log_fit():
    assert log_log_slope([1, 10, 100], [2, 20, 200]) == pytest.approx(1.0)
    assert np.isnan(log_log_slope([1, 10], [0, 5]))  # one point with n > 0


def test_adaptive_verdicts_from_each_seeds_first_attempts():
    # nothing new after attempt 50 in either seed: saturated, with the volumes it took
    saturated = adaptive_verdict([np.array([0, 10, 50]), np.array([3, 40])], 1_000, n_boot=20)
    assert saturated.verdict is YieldVerdict.SATURATED and saturated.observed == 2.5
    # mean within the first m: 1.5 at m = 11 (>= 1.25), 2 at 41, 2.5 at 51 (>= 2.25)
    assert dict(saturated.saturation) == {0.5: 11, 0.9: 51, 0.99: 51}
    # one new discovery per attempt, all the way: proportional
    growing = adaptive_verdict([np.arange(1_000), np.arange(0, 1_000, 2)], 1_000, n_boot=50)
    assert growing.verdict is YieldVerdict.PROPORTIONAL and growing.slope.slope == pytest.approx(1, abs=0.02)
    assert adaptive_verdict([np.array([], dtype=int)], 1_000).verdict is YieldVerdict.NO_DISCOVERIES


def test_one_run_and_its_families():
    table = pd.DataFrame({
        "problem_id": ["a/1", "a/1", "b/2"], "canonical": ["x", "y", "z"],
        "first_valid": [0, 3, 7], "first_novel": [0, None, 7], "first_interesting": [None, None, None],
        "found_valid": [100, 50, 1], "found_novel": [100, 0, 1], "found_interesting": [0, 0, 0],
    })
    runs = SeededRuns((table,), 1_000, exchangeable=True)
    analyses = analyse(runs, n_boot=20)
    assert [a.tier for a in analyses] == ["valid", "novel", "interesting"]
    assert summary(analyses)["interesting"]["verdict"] == "no discoveries"
    assert analyses[0].curve["m"].max() == 2_000  # extrapolated to twice the volume
    assert summary(analyses)["valid"]["more_attempts_90"] is not None
    verdicts = family_verdicts(runs, ["a/1", "b/2"], n_boot=20)
    assert set(verdicts) == {"a", "b"} and verdicts["a"]["interesting"]["verdict"] == "no discoveries"
    assert verdicts["a"]["valid"]["verdict"] == "saturated"
    solved = solved_curve(runs, ["a/1", "b/2", "c/3"], at=[1, 1_000, 2_000])
    assert solved["m"].tolist() == [1, 1_000]  # rarefaction only: no extrapolation here
    assert solved["solved"].tolist() == pytest.approx([0.151, 2.0])
    assert solved["share"].iloc[-1] == pytest.approx(2 / 3)
    adaptive = analyse(SeededRuns((table, table), 1_000, exchangeable=False), n_boot=20)
    assert adaptive[0].curve["method"].eq("observed").all() and adaptive[0].price is None
    assert adaptive[0].curve["estimate"].iloc[-1] == 3  # within the first 1,000 attempts, mean of equal seeds


def test_seeds_pool_as_more_attempts_and_the_early_part_is_a_shorter_run():
    def seed(found, early):
        return pd.DataFrame({"problem_id": ["p/1", "p/1"], "canonical": ["x", "y"], "first_valid": [2, 60],
                             "first_novel": [2, 60], "first_interesting": [None, None],
                             "found_valid": found, "found_novel": found, "found_interesting": [0, 0],
                             "early_valid": early, "early_novel": early, "early_interesting": [0, 0]})
    runs = SeededRuns((seed([5, 1], [1, 0]), seed([3, 0], [0, 0])), 100, exchangeable=True, early=10)
    assert runs.units == 200 and sorted(runs.counts("valid").tolist()) == [1, 8]
    early = runs.early_part()
    assert early.attempts == 10 and early.units == 20 and early.counts("valid").tolist() == [1]
    assert runs.union_within("valid", 10) == 1 and runs.union_within("valid", 100) == 2
    assert runs.found_within("valid", [3, 61]).tolist() == [[1, 2], [1, 2]]
    with pytest.raises(ValueError, match="no early counts"):
        SeededRuns(runs.discoveries, 100, exchangeable=True).early_part()


def test_seed_average_of_observed_curves():
    from harness.analysis.observed import seed_average

    curves = [pd.DataFrame({"attempts": [1, 10], "valid": [v, 2 * v]}) for v in (1, 2, 3)]
    mean = seed_average(curves, "valid")
    assert mean["mean"].tolist() == [2, 4] and (mean["lower"] < mean["mean"]).all()
    with pytest.raises(ValueError, match="two seeds"):
        seed_average(curves[:1], "valid")
