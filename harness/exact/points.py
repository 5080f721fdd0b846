"""An expression's exact values at integer points, every step as written: `Written.at` without sympy.

Each subtree's payload (harness.exact.mirror) is its value at each point: an int or a Fraction, or the
ParseError that `Written.at` raises there first (a division by zero, 0 to a negative power, a
value past the parser's bounds), found in the builder's order: the left operand before the right,
an exponent before its base.
"""
from __future__ import annotations

import ast
from fractions import Fraction

from harness.core.syntax import DEFAULT_LIMITS, ParseError, Undefined
from harness.exact.mirror import Mirror
from harness.exact.rationals import TOO_LARGE, power_too_large, too_large, whole

_LARGE = "numeric value too large"
_NUMBERS = (int, Fraction)
MAX_EXPONENT = DEFAULT_LIMITS.max_exponent


# |b| below this: b**e is within every bound (digits(b) * e <= 240, so |b**e| < 10**240)
_BASE_BOUND = [0] + [10 ** (DEFAULT_LIMITS.max_int_digits * 4 // e) for e in range(1, MAX_EXPONENT + 1)]


def _checked(v):
    return ParseError(_LARGE) if too_large(v) else v


def _step(op: type, a, b):
    """One arithmetic step at one point, as `_Builder` takes it on numbers."""
    if isinstance(a, ParseError):
        return a
    if isinstance(b, ParseError):
        return b
    if op is ast.Add:
        return _checked(whole(a + b))
    if op is ast.Sub:
        return _checked(whole(a - b))
    if op is ast.Mult:
        return _checked(whole(a * b))
    if b == 0:
        return Undefined("division by zero")
    if type(a) is int and type(b) is int:
        return _checked(a // b if a % b == 0 else Fraction(a, b))
    return _checked(whole(Fraction(a) / b))


def _power(b, e, symbolic: bool):
    if isinstance(e, ParseError):
        return e
    if type(e) is not int:  # the symbolic path of a number: refused, after its base is built
        if not symbolic:
            return ParseError("exponents must be integer literals")
        return b if isinstance(b, ParseError) else ParseError(
            "a symbolic exponent needs a small integer base and a linear exponent")
    if abs(e) > MAX_EXPONENT:
        return ParseError(f"exponent {e} exceeds {MAX_EXPONENT}")
    if isinstance(b, ParseError):
        return b
    if b != 0 and power_too_large(b, e):
        return ParseError("numeric power too large")
    if b == 0 and e < 0:
        return Undefined("0 to a negative power")
    return _checked(whole(Fraction(b) ** e) if e < 0 else b ** e)


class AtPoints(Mirror):
    """The builder's decisions, with each subtree's exact values at `points` as its payload."""

    def __init__(self, variable: str, points: tuple[int, ...], symbolic_exponents: bool) -> None:
        super().__init__()
        self.variable, self.points, self.symbolic_exponents = variable, points, symbolic_exponents

    def p_const(self, q):
        return [q] * len(self.points)

    def p_var(self):
        return list(self.points)

    def p_neg(self, p):
        return [v if isinstance(v, ParseError) else -v for v in p]

    def p_op(self, op, a, b):
        try:  # the usual case, no failure at any point: one pass
            if op is ast.Add:
                out = [x + y for x, y in zip(a, b)]
            elif op is ast.Sub:
                out = [x - y for x, y in zip(a, b)]
            elif op is ast.Mult:
                out = [x * y for x, y in zip(a, b)]
            else:
                out = [x // y if x % y == 0 else Fraction(x, y) for x, y in zip(a, b)]
        except (TypeError, ZeroDivisionError):
            return [_step(op, x, y) for x, y in zip(a, b)]
        for v in out:
            if type(v) is not int:
                return [_checked(whole(v)) for v in out]
        if max(out) < TOO_LARGE and min(out) > -TOO_LARGE:
            return out
        return [_checked(v) for v in out]

    def p_pow(self, base, exponent):
        e = exponent[0]
        if type(e) is int and 0 <= e <= MAX_EXPONENT and exponent.count(e) == len(exponent):
            try:  # the usual case: a constant exponent, whole bases, nothing past a bound
                if e and max(base) < _BASE_BOUND[e] and min(base) > -_BASE_BOUND[e]:
                    out = [b ** e for b in base]
                    if all(type(v) is int for v in base):
                        return out
            except TypeError:
                pass
        return [_power(b, e, self.symbolic_exponents) for b, e in zip(base, exponent)]

    def varies(self, p) -> bool:
        first, second = p[0], p[1]
        if type(first) in _NUMBERS and type(second) in _NUMBERS and first != second:
            return True  # the usual case, at once
        defined = [v for v in p if not isinstance(v, ParseError)]
        return any(v != defined[0] for v in defined[1:])
