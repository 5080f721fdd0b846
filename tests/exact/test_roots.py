"""Where a polynomial over Q is 0 (harness.exact.roots): rational roots, real root counts and
irreducibility against sympy."""
import random
from fractions import Fraction

from harness.exact import polynomials, roots
from tests.exact.test_polynomials import as_sympy, random_poly


def test_roots_and_irreducibility_agree_with_sympy():
    rng = random.Random(2)
    for _ in range(300):
        factors = [random_poly(rng, rational=False) for _ in range(rng.randint(1, 3))]
        p = polynomials.ONE
        for f in factors:
            p = polynomials.mul(p, f)
        if polynomials.degree(p) < 1:
            continue
        theirs = as_sympy(p)
        real = sorted(set(theirs.real_roots()), key=float)
        assert roots.real_root_count(p) == len(real)
        assert roots.rational_roots(p) == [Fraction(int(r.p), int(r.q)) for r in real if r.is_Rational]
        if 1 <= polynomials.degree(p) <= 3:
            assert roots.irreducible(p) == theirs.is_irreducible
    assert roots.irreducible((4, 0, 0, 0, 1)) is None  # degree 4: left to the reference
    assert roots.rational_roots((10**13, 1)) is None  # too many divisors to try


def test_rational_roots_give_up_past_their_candidates():
    many = polynomials.trim([-720720] + [0] * 14 + [720719, 720720])  # 240 x 240 candidates p/q
    assert roots.real_root_count(many) == 2 and roots.rational_roots(many) is None
    fewer = polynomials.mul((-7, 720), (11, 13))  # 4 x 60 candidates, the roots 7/720 and -11/13 among them
    assert roots.rational_roots(fewer) == [Fraction(-11, 13), Fraction(7, 720)]
