"""Where a polynomial over Q is 0, without sympy: its rational roots, the number of its distinct
real roots (Sturm's theorem), and so irreducibility in degree 2 and 3. Polynomials as in
harness.exact.polynomials.
"""
from __future__ import annotations

from fractions import Fraction
from math import gcd, isqrt, lcm

from harness.exact.polynomials import Poly, at, degree, divide, neg, trim


def primitive(a: Poly) -> Poly:
    """The integer polynomial with coprime coefficients and positive leading one that is a
    rational multiple of `a` (non-zero)."""
    denominators = lcm(*(Fraction(c).denominator for c in a))
    integers = [int(Fraction(c) * denominators) for c in a]
    common = gcd(*integers)
    sign = -1 if integers[-1] < 0 else 1
    return tuple(sign * c // common for c in integers)


def _divisors(n: int, limit: int) -> list[int] | None:
    """The positive divisors of n > 0, or None when n is past `limit` (too slow to try)."""
    if n > limit:
        return None
    small = [d for d in range(1, isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


MAX_ROOT_CANDIDATES = 2_000  # pairs (p, q) that `rational_roots` tries; past it, it gives up


def rational_roots(a: Poly, limit: int = 10**6) -> list[Fraction] | None:
    """The distinct rational roots of a non-zero polynomial, ascending; None when its end
    coefficients are too large, or have too many divisors (MAX_ROOT_CANDIDATES pairs), to try every
    candidate p/q. A candidate in lowest terms is tried only where p - q divides a(1) and p + q
    divides a(-1) (as they do for a root: a(x) = (q x - p) b(x) with b integral, by Gauss)."""
    p = primitive(a)
    roots = set()
    while p and p[0] == 0:
        roots.add(Fraction(0))
        p = p[1:]
    if len(p) <= 1:
        return sorted(roots)
    tops, bottoms = _divisors(abs(p[0]), limit), _divisors(abs(p[-1]), limit)
    if tops is None or bottoms is None or len(tops) * len(bottoms) > MAX_ROOT_CANDIDATES:
        return None
    at_one, at_minus_one = sum(p), sum(c if k % 2 == 0 else -c for k, c in enumerate(p))
    for top in tops:
        for bottom in bottoms:
            if gcd(top, bottom) != 1:
                continue
            for numerator in (top, -top):
                if at_one % (bottom - numerator or 1) or at_minus_one % (bottom + numerator or 1):
                    continue
                candidate = Fraction(numerator, bottom)
                if at(p, candidate) == 0:
                    roots.add(candidate)
    return sorted(roots)


def real_root_count(a: Poly) -> int:
    """Distinct real roots of a non-zero polynomial (Sturm's theorem)."""
    if degree(a) < 1:
        return 0
    derivative = trim([k * c for k, c in enumerate(a)][1:])
    chain = [a, derivative]
    while degree(chain[-1]) > 0:
        chain.append(neg(divide(chain[-2], chain[-1])[1]))
    chain = [p for p in chain if p]

    def changes(signs: list[int]) -> int:
        signs = [s for s in signs if s]
        return sum(1 for s, t in zip(signs, signs[1:]) if s != t)

    at_minus = [(1 if p[-1] > 0 else -1) * (-1) ** degree(p) for p in chain]
    at_plus = [1 if p[-1] > 0 else -1 for p in chain]
    return changes(at_minus) - changes(at_plus)


def irreducible(a: Poly) -> bool | None:
    """Is a polynomial of degree 1 to 3 irreducible over Q? (Degree 2 or 3: it is exactly when it
    has no rational root.) None from degree 4 on, or when the roots cannot be tried."""
    if degree(a) == 1:
        return True
    if degree(a) not in (2, 3):
        return None
    roots = rational_roots(a)
    return None if roots is None else not roots
