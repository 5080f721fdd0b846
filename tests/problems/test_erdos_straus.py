from fractions import Fraction

import pytest

from harness.core.problem import Tier
from problems.erdos_straus import make


def test_solutions_are_the_complete_set_in_the_box():
    p = make(n=7, bound=60)
    brute = {
        (x, y, z)
        for x in range(1, 61) for y in range(x, 61) for z in range(y, 61)
        if Fraction(4, 7) == Fraction(1, x) + Fraction(1, y) + Fraction(1, z)
    }
    assert {p.parse(s) for s in p.solutions()} == brute
    assert all(p.verify(s).tier.rank > 0 for s in p.solutions())


def test_tiers_and_reasons():
    p = make(n=5, bound=30, known_solutions=["2, 4, 20"])
    assert p.verify("20, 2, 4").tier is Tier.VALID
    assert p.verify("2, 5, 10").tier is Tier.INTERESTING  # distinct, largest <= 12
    assert p.verify("0, 1, 2").tier is Tier.MALFORMED
    wrong = p.verify("2, 3, 4")
    assert wrong.tier is Tier.WRONG and "4/5" in wrong.reason


def test_interesting_needs_distinct_denominators_below_the_limit():
    p = make(n=13, bound=400)  # limit 13 * 13 // 2 = 84
    assert p.verify("4, 26, 52").tier is Tier.INTERESTING
    assert p.verify("4, 18, 468").tier is Tier.NOVEL  # largest above 84
    assert make(n=7, bound=60).verify("4, 4, 14").tier is Tier.NOVEL  # repeated denominator
    assert make(n=13, bound=400, interesting_max=50).verify("4, 26, 52").tier is Tier.NOVEL


def test_n_below_two_is_refused():
    with pytest.raises(ValueError):
        make(n=1, bound=5)
