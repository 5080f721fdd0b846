"""Exact rationals as harness.core.parse's builder bounds them, without sympy: ints where whole, the
builder's digit bounds (a literal's 60 digits, a value's 240, a numeric power's), exact square roots.
"""
from __future__ import annotations

from fractions import Fraction
from math import isqrt

from harness.core.syntax import DEFAULT_LIMITS

LITERAL_LIMIT = 10 ** DEFAULT_LIMITS.max_int_digits  # an integer literal is below this in absolute value
TOO_LARGE = 10 ** (DEFAULT_LIMITS.max_int_digits * 4)  # a rational with more digits is refused


def whole(q):
    """A Fraction that is whole, as an int (ints are faster, and sympy prints both alike); else q."""
    return q.numerator if type(q) is Fraction and q.denominator == 1 else q


def too_large(q) -> bool:
    """Has the rational more than 240 digits in its numerator or denominator (`_Builder._bounded`)?"""
    if type(q) is int:
        return not -TOO_LARGE < q < TOO_LARGE
    return not -TOO_LARGE < q.numerator < TOO_LARGE or q.denominator >= TOO_LARGE


_POWERS_OF_TEN = [10**d for d in range(DEFAULT_LIMITS.max_int_digits * 4 + 2)]


def power_too_large(q, e: int) -> bool:
    """Is digits(q) * |e| past 240 digits (`_Builder._power`'s bound on a numeric power)?
    digits(q) = d <= 240 // |e| exactly when every part of q is below 10**(240 // |e|)."""
    if e == 0:
        return False
    bound = _POWERS_OF_TEN[DEFAULT_LIMITS.max_int_digits * 4 // abs(e)]
    if type(q) is int:
        return not -bound < q < bound
    return not -bound < q.numerator < bound or q.denominator >= bound


def rational_sqrt(q):
    """The square root of a rational, when it is rational (sympy's sqrt(4/9) is 2/3); else None."""
    q = Fraction(q)
    if q < 0:
        return None
    top, bottom = isqrt(q.numerator), isqrt(q.denominator)
    if top * top != q.numerator or bottom * bottom != q.denominator:
        return None
    return whole(Fraction(top, bottom))
