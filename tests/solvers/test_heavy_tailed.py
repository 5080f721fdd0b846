"""The heavy-tailed solver: exact odds that sum to 1, frequencies that match them, counter-based."""
from fractions import Fraction

import numpy as np
import pytest

from harness.core.space import IntBox
from harness.solvers import HeavyTailedSolver, make_solver
from harness.solvers.heavy_tailed import LogBuckets
from problems import erdos_straus, three_cubes


@pytest.mark.parametrize("lo, hi", [(-40, 40), (0, 40), (2, 60), (1, 1000), (-6, 6), (5, 5), (3, 17), (-9, -2)])
def test_the_law_sums_to_one_over_its_range_and_is_zero_outside(lo, hi):
    law = LogBuckets(lo, hi)
    assert sum(law.probability(v) for v in range(lo, hi + 1)) == 1
    assert law.probability(lo - 1) == 0 and law.probability(hi + 1) == 0
    # classes cover the range once: sizes add up
    assert sum(size for _, size in law.classes) == hi - lo + 1


def test_small_numbers_are_far_likelier_than_large_ones():
    law = LogBuckets(-1000, 1000)
    assert law.probability(0) == Fraction(1, len(law.classes))
    assert law.probability(1) == law.probability(-1) > 100 * law.probability(1000)
    assert law.probability(700) == law.probability(-700) == law.probability(1000)  # one class, uniform in it


def test_empirical_frequencies_match_the_exact_odds():
    problem = three_cubes.make(k=3, bound=6)
    solver = HeavyTailedSolver()
    values = solver.values(problem, seed=1, start=0, stop=200_000)
    law = solver.law(problem.space)
    seen, counts = np.unique(values, return_counts=True)  # every coordinate draws from the one law
    n = values.size
    for value, count in zip(seen.tolist(), counts.tolist()):
        p = float(law.probability(value))
        assert abs(count / n - p) < 4 * np.sqrt(p * (1 - p) / n), value
    assert set(seen.tolist()) == set(range(-6, 7))
    # coordinates are independent: the chance of a whole candidate is the product
    pairs = np.mean((values[:, 0] == 0) & (values[:, 1] == 1))
    p = float(law.probability(0) * law.probability(1))
    assert abs(pairs - p) < 4 * np.sqrt(p / len(values))


def test_attempt_i_depends_on_seed_problem_and_i_only():
    solver, problem = make_solver({"name": "heavy_tailed"}), erdos_straus.make(n=13, bound=150)
    whole = solver.propose(problem, seed=7, start=0, stop=100)
    pieces = [c for a, b in ((0, 33), (33, 61), (61, 100)) for c in solver.propose(problem, 7, a, b)]
    assert whole == pieces and solver.propose(problem, 8, 0, 100) != whole
    assert all(1 <= v <= 150 for text in whole for v in problem.parse(text))


def test_no_law_where_the_space_is_not_an_int64_box():
    assert HeavyTailedSolver().law(IntBox(2, 0, 2**64)) is None
