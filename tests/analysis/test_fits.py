import numpy as np
import pandas as pd
import pytest

from harness.analysis.fits import fit_coverage_power_law, thesis_verdict, yield_slope
from harness.analysis.run import NotExchangeable, analyse_run, summary


def test_power_law_fit_recovers_its_parameters():
    k = np.array([1, 2, 4, 8, 16, 32, 64])
    a, b = fit_coverage_power_law(k, np.exp(-2.0 * k**-0.5))
    assert (a, b) == pytest.approx((-2.0, -0.5))
    with pytest.raises(ValueError):
        fit_coverage_power_law([1, 2], [1.0, 1.0])


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


def test_adaptive_solvers_are_refused_with_the_reason():
    table = pd.DataFrame({"found_valid": [1], "found_novel": [1], "found_interesting": [0]})
    with pytest.raises(NotExchangeable, match="not exchangeable"):
        analyse_run(table, 100, exchangeable=False, solver="evolve")
    analyses = analyse_run(table, 100, exchangeable=True, n_boot=20)
    assert [a.tier for a in analyses] == ["valid", "novel", "interesting"]
    assert summary(analyses)["interesting"]["verdict"] == "no discoveries"
    assert analyses[0].curve["m"].max() == 200  # extrapolated to twice the volume


def test_family_verdicts_and_expected_problems_solved():
    from harness.analysis.run import family_verdicts, solved_curve

    table = pd.DataFrame({
        "problem_id": ["a/1", "a/1", "b/2"], "canonical": ["x", "y", "z"],
        "found_valid": [100, 50, 1], "found_novel": [100, 0, 1], "found_interesting": [0, 0, 0],
    })
    verdicts = family_verdicts(table, 1_000, n_boot=20)
    assert set(verdicts) == {"a", "b"} and verdicts["a"]["interesting"].verdict == "no discoveries"
    assert verdicts["a"]["valid"].verdict == "saturated"
    solved = solved_curve(table, problems=3, attempts=1_000, at=[1, 1_000, 2_000])
    assert solved["m"].tolist() == [1, 1_000]  # rarefaction only: no extrapolation here
    assert solved["solved"].tolist() == pytest.approx([0.151, 2.0])
    assert solved["share"].iloc[-1] == pytest.approx(2 / 3)


def test_seed_average_of_observed_curves():
    from harness.analysis.observed import seed_average

    curves = [pd.DataFrame({"attempts": [1, 10], "valid": [v, 2 * v]}) for v in (1, 2, 3)]
    mean = seed_average(curves, "valid")
    assert mean["mean"].tolist() == [2, 4] and (mean["lower"] < mean["mean"]).all()
    with pytest.raises(ValueError, match="two seeds"):
        seed_average(curves[:1], "valid")
