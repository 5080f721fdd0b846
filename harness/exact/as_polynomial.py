"""The factor family's payload for harness.exact.mirror: each subtree's polynomial in x where it is one
as written (the reference for "as written" is harness.core.parse's `not_polynomial_as_written`), its
coefficients computed up to a degree bound, its exact values at x = 2 and 3 beyond it.
"""
from __future__ import annotations

import ast
from fractions import Fraction

from harness.exact import polynomials
from harness.exact.mirror import Defer, Mirror
from harness.exact.rationals import whole


class Unexpanded:
    """A polynomial as written whose degree passes the mirror's bound (harness.exact.polynomials.MAX_DEGREE):
    its coefficients are not computed, only its exact values at x = 2 and at x = 3 (where the
    reference's `check` probes a product first), e.g. ((x + 1)**64)**64."""

    __slots__ = ("at2", "at3")
    MAX_BITS = 1 << 20  # past this, its values (4**(64**4) for ((((x + 1)**64)**64)**64)**64) are left to the reference

    def __init__(self, at2, at3) -> None:
        if max(_bits(at2), _bits(at3)) > self.MAX_BITS:
            raise Defer("the value of a polynomial of a very high degree")
        self.at2, self.at3 = at2, at3

    @staticmethod
    def of(p) -> Unexpanded:
        return p if type(p) is Unexpanded else Unexpanded(polynomials.at(p, 2), polynomials.at(p, 3))


def _bits(q) -> int:
    return q.bit_length() if type(q) is int else q.numerator.bit_length() + q.denominator.bit_length()


_VALUE_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.Div: lambda a, b: whole(Fraction(a) / b)}


class AsPolynomial(Mirror):
    """The builder's decisions, with each subtree's payload: its polynomial in x where it is one as
    written (else None), Unexpanded where that has a degree above `max_degree`; whether x is written
    in it."""

    def __init__(self, max_degree: int = polynomials.MAX_DEGREE) -> None:
        super().__init__()
        self.max_degree = max_degree

    def p_const(self, q):
        return polynomials.trim([q]), False

    def p_var(self):
        return polynomials.X, True

    def p_neg(self, p):
        poly = p[0]
        if type(poly) is Unexpanded:
            return Unexpanded(-poly.at2, -poly.at3), p[1]
        return (None if poly is None else polynomials.neg(poly)), p[1]

    def p_op(self, op, a, b):
        has_x = a[1] or b[1]
        if a[0] is None or b[0] is None or op is ast.Div and b[1]:
            return None, has_x
        if (type(a[0]) is Unexpanded or type(b[0]) is Unexpanded
                or op is ast.Mult and polynomials.degree(a[0]) + polynomials.degree(b[0]) > self.max_degree):
            u, w, combine = Unexpanded.of(a[0]), Unexpanded.of(b[0]), _VALUE_OPS[op]
            return Unexpanded(combine(u.at2, w.at2), combine(u.at3, w.at3)), has_x
        if op is ast.Div:
            return polynomials.scale(a[0], Fraction(1) / Fraction(b[0][0])), has_x
        combine = polynomials.add if op is ast.Add else polynomials.sub if op is ast.Sub else polynomials.mul
        return combine(a[0], b[0]), has_x

    def p_pow(self, base, exponent):
        has_x = base[1] or exponent[1]
        e = exponent[0]
        if (base[0] is None or e is None or exponent[1] or type(e) is Unexpanded or len(e) > 1
                or (e and type(e[0]) is not int)):
            return None, has_x
        e = e[0] if e else 0
        if not 0 <= e <= polynomials.MAX_EXPONENT:
            return None, has_x
        if type(base[0]) is Unexpanded or polynomials.degree(base[0]) * e > self.max_degree:
            u = Unexpanded.of(base[0])
            if max(_bits(u.at2), _bits(u.at3)) * e > Unexpanded.MAX_BITS:
                raise Defer("the value of a polynomial of a very high degree")
            return Unexpanded(u.at2 ** e, u.at3 ** e), has_x
        return polynomials.power(base[0], e), has_x

    def varies(self, p) -> bool:
        if type(p[0]) is Unexpanded:
            return p[0].at2 != p[0].at3
        return p[0] is not None and polynomials.degree(p[0]) >= 1
