"""Species-accumulation estimators against published iNEXT values and hand-checked cases."""
import math

import numpy as np
import pytest

from harness.analysis.richness import chao, pass_at_k, richness

# iNEXT's `spider` data (abundance), Girdled and Logged.
GIRDLED = [46, 22, 17, 15, 15, 9, 8, 6, 6, 4] + [2] * 4 + [1] * 12
LOGGED = [88, 22, 16, 15, 13, 10, 8, 8, 7, 7, 7, 5, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2] + [1] * 14


@pytest.mark.parametrize("data, chao1, points", [
    (GIRDLED, 43.893, {84: 18.912, 168: 26.0, 336: 34.731}),
    (LOGGED, 61.403, {126: 28.268, 252: 37.0, 504: 47.644}),
])
def test_spider_matches_the_inext_vignette(data, chao1, points):
    assert chao(data, kind="abundance").estimate == pytest.approx(chao1, abs=5e-4)
    table = richness(data, kind="abundance", at=list(points), n_boot=100)
    assert table["estimate"].round(3).tolist() == pytest.approx(list(points.values()), abs=5e-4)
    assert table["method"].tolist() == ["rarefaction", "observed", "extrapolation"]
    assert (table["lower"] <= table["estimate"]).all() and (table["estimate"] <= table["upper"]).all()
    assert table["upper"].iloc[2] - table["lower"].iloc[2] > table["upper"].iloc[0] - table["lower"].iloc[0]


def test_incidence_rarefaction_is_the_sum_of_pass_at_k():
    counts, units = [1, 1, 2, 3, 5, 8], 10
    table = richness(counts, sampling_units=units, at=[1, 2, 5, 10], n_boot=0)
    expected = [sum(pass_at_k(units, c, t) for c in counts) for t in (1, 2, 5, 10)]
    assert table["estimate"].tolist() == pytest.approx(expected)
    assert table["estimate"].iloc[-1] == len(counts)


def test_incidence_chao2_by_hand_with_and_without_doubletons():
    # Q1 = 2, Q2 = 1, T = 10: Q0 = (9/10) * 4 / 2 = 1.8
    assert chao([1, 1, 2, 5], sampling_units=10).estimate == pytest.approx(4 + 1.8)
    # Q2 = 0: Q0 = (9/10) * Q1 (Q1 - 1) / 2 = 0.9 * 3 = 2.7
    with_no_doubletons = chao([1, 1, 1, 4], sampling_units=10)
    assert with_no_doubletons.estimate == pytest.approx(4 + 2.7)
    assert with_no_doubletons.lower < with_no_doubletons.estimate < with_no_doubletons.upper
    # Q1 = 0: nothing left undetected, no interval to speak of
    none_left = chao([2, 3, 4], sampling_units=10)
    assert (none_left.estimate, none_left.lower, none_left.upper, none_left.se) == (3, 3, 3, 0)
    table = richness([2, 3, 4], sampling_units=10, at=[20], n_boot=0)
    assert table["estimate"].tolist() == [3] and table["coverage"].tolist() == [1.0]


def test_extrapolation_by_hand():
    # T = 10, Q1 = 2, Q2 = 1: S(T + t) = 4 + 1.8 * (1 - (1 - 2 / (10 * 1.8 + 2)) ** t)
    table = richness([1, 1, 2, 5], sampling_units=10, at=[15, 20], n_boot=0)
    expected = [4 + 1.8 * (1 - 0.9**t) for t in (5, 10)]
    assert table["estimate"].tolist() == pytest.approx(expected)


def test_pass_at_k_is_stable_and_exact():
    assert pass_at_k(10, 3, 2) == pytest.approx(1 - (7 * 6) / (10 * 9))
    assert pass_at_k(10**6, 0, 10) == 0.0 and pass_at_k(5, 3, 3) == 1.0
    assert pass_at_k(10**6, 1, 10**5) == pytest.approx(0.1)
    big = pass_at_k(10**7, 5, 10**6)
    assert big == pytest.approx(1 - 0.9**5, rel=1e-5) and math.isfinite(big)
    with pytest.raises(ValueError):
        pass_at_k(5, 6, 1)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="sampling_units"):
        richness([1, 2], kind="incidence")
    with pytest.raises(ValueError, match="kind"):
        chao([1, 2], kind="presence")
    with pytest.raises(ValueError, match="exceeds"):
        chao([11], sampling_units=10)


def test_the_price_of_the_next_discoveries_by_hand():
    from harness.analysis.richness import additional_attempts, attempts_per_discovery, estimates, sample

    # Girdled: n = 168, S_obs = 26, f1 = 12, f2 = 4, f0 = 167/168 * 144/8 = 17.893, Chao 43.893.
    # 90% of it is 39.504: 13.504 more; r = 1 - 12 / (168 f0 + 12) = 0.996024, and
    # t = log(1 - 13.504 / 17.893) / log(r) = 352.7, so 353 more draws.
    more = additional_attempts(GIRDLED, kind="abundance", fraction=0.9)
    assert more == 353
    s = sample(GIRDLED, None, "abundance")
    before, after = estimates(s, [168 + 352, 168 + 353])[0]
    assert before < 0.9 * 43.893 <= after + 1e-3  # the same extrapolation the curve draws
    assert attempts_per_discovery(GIRDLED, kind="abundance") == pytest.approx((168 * 17.893 + 12) / (17.893 * 12),
                                                                               rel=1e-4)
    # Q2 = 0 (bias-corrected f0 = (T-1)/T f1 (f1-1)/2 = 2.7): half of 5.7 is found already; 90% of it,
    # 5.13, needs t = log(1 - 2.13 / 2.7) / log(1 - 3 / 30) = 14.8 -> 15 more attempts
    assert additional_attempts([1, 1, 1], sampling_units=10, fraction=0.5) == 0
    assert additional_attempts([1, 1, 1], sampling_units=10, fraction=0.9) == 15
    assert math.isinf(additional_attempts([1, 1, 1], sampling_units=10, fraction=1.0))
    # Q1 = 0: nothing left undetected, nothing to pay, and no next discovery to expect
    assert additional_attempts([2, 3, 5], sampling_units=10) == 0
    assert math.isinf(attempts_per_discovery([2, 3, 5], sampling_units=10))
    with pytest.raises(ValueError, match="fraction"):
        additional_attempts([1, 2], sampling_units=10, fraction=0)


def test_a_count_band_holds_what_the_bootstrap_cannot_see():
    from harness.analysis.richness import count_band

    lower, upper = count_band(np.array([0.0, 1.0, 30.0]))
    assert lower[0] == 0 and upper[0] == pytest.approx(3.689, abs=1e-3)  # nothing found: up to 3.7 expected
    assert lower[1] == pytest.approx(0.0253, abs=1e-4) and upper[1] == pytest.approx(5.572, abs=1e-3)
    # nothing found in 1,000 attempts: the band at 1,000 is not [0, 0]
    at = richness(np.array([], dtype=int), sampling_units=1_000, at=[100, 1_000], n_boot=10)
    assert at["upper"].tolist() == pytest.approx([0.3689, 3.689], abs=1e-3)
