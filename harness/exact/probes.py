"""An expression's value and derivative at a few real points, in floating point with a proven
error bound: the payload (harness.exact.mirror) the antiderivative family's fast path probes F' - f with.

Differentiation is forward mode on the syntax tree as written: at each point a subtree carries
(v, ev, d, ed), its value and derivative (sin(u) gives cos(u)*u', ...) each with a bound on its
distance from the exact number, propagated to first order and beyond: a sum adds its operands'
bounds, a product a*b has |a|eb + |b|ea + ea*eb, a function f(u) has sup|f'| near u times eu, each
plus a rounding of EPS relative (generous for IEEE doubles and libm). Values are real floats,
complex only where a logarithm or square root of a negative number makes them so (principal
branches, as sympy's evalf takes them). Where a point gives no number with a useful bound (a
division by a number that may be 0, an overflow, an argument on or near a branch cut, an inverse
trigonometric function outside its real domain), the point is None and the caller defers.

Underflow: a product or quotient of non-zero numbers that falls below TINY (into the subnormals,
or to 0) is rounded by up to an absolute 2**-1075, not by EPS relative, so it has lost its relative
precision (B**750 of B = 0.37 is 0.0 in floats, and B**750/B**740 is then 0, not B**10): its point
is None. Sums and differences need no such rule: their bounds are absolute, and a difference that
falls into the subnormals is exact. An overflow gives inf or nan, which `_kept` makes None too.

Complex numbers stay complex, even with an imaginary part of exactly 0.0: that part may be a
non-zero number rounded away (log(-x)*(1 - 1/10**40) - log(-x) is -pi*I/10**40), on either side
of a cut that log and sqrt take the branch of. Only a float is known to be exactly real.
"""
from __future__ import annotations

import ast
import cmath
import math

from harness.exact.mirror import Mirror

EPS = 1e-15  # relative rounding per operation, a few units in the last place of a double
# Products and quotients of non-zero numbers below this give up (see the docstring). Well above
# sys.float_info.min (2.2e-308), so that the error terms beside such a result (EPS * |v| and the
# like, at least 1e-305) are normal numbers too and lose nothing to underflow either.
TINY = 1e-290


def _finite(z) -> bool:
    return math.isfinite(z.real) and math.isfinite(z.imag) if type(z) is complex else math.isfinite(z)


def _mul(a, ea, b, eb):
    v = a * b
    if abs(v) < TINY and a and b:
        raise FloatingPointError("underflow")  # see the docstring; `_kept` makes the point None
    return v, abs(a) * eb + abs(b) * ea + ea * eb + EPS * abs(v)


def _div(a, ea, b, eb):
    if abs(b) <= eb:
        return None
    v = a / b
    if abs(v) < TINY and a:
        raise FloatingPointError("underflow")  # see the docstring; `_kept` makes the point None
    return v, (ea + abs(v) * eb) / (abs(b) - eb) + EPS * abs(v)


def _arithmetic(op, u, eu, du, edu, w, ew, dw, edw):
    if op is ast.Add or op is ast.Sub:
        sign = 1 if op is ast.Add else -1
        v, d = u + sign * w, du + sign * dw
        return v, eu + ew + EPS * abs(v), d, edu + edw + EPS * abs(d)
    if op is ast.Mult:
        v, ev = _mul(u, eu, w, ew)
        t1, e1 = _mul(du, edu, w, ew)
        t2, e2 = _mul(u, eu, dw, edw)
        d = t1 + t2
        return v, ev, d, e1 + e2 + EPS * abs(d)
    quotient = _div(u, eu, w, ew)  # (u/w)' = (u' - (u/w) w')/w
    if quotient is None:
        return None
    v, ev = quotient
    t, et = _mul(v, ev, dw, edw)
    n = du - t
    derivative = _div(n, edu + et + EPS * abs(n), w, ew)
    return None if derivative is None else (v, ev, *derivative)


def _power(u, eu, du, edu, n: int):
    if n == 0:
        return 1.0, 0.0, 0.0, 0.0
    if n < 0:  # u**n = (1/u)**-n, and (1/u)' = -u'/u**2
        inverse = _arithmetic(ast.Div, 1.0, 0.0, 0.0, 0.0, u, eu, du, edu)
        return None if inverse is None else _power(*inverse, -n)
    below, e_below = 1.0, 0.0  # u**(n - 1)
    for _ in range(n - 1):
        below, e_below = _mul(below, e_below, u, eu)
    v, ev = _mul(below, e_below, u, eu)
    t, et = _mul(below, e_below, du, edu)
    return v, ev, n * t, n * et + EPS * abs(n * t)


def _function(name: str, u, r):
    """(f(u), f'(u), sup |f'|, sup |f''|) over the numbers within r of u; None where not mirrored."""
    real = type(u) is not complex
    if name in ("sin", "cos"):
        bound = 1.0 if real else math.cosh(abs(u.imag) + r)
        f, g = (math.sin, math.cos) if real else (cmath.sin, cmath.cos)
        return (f(u), g(u), bound, bound) if name == "sin" else (g(u), -f(u), bound, bound)
    if name == "exp":
        v = math.exp(u) if real else cmath.exp(u)
        bound = math.exp(u.real + r)
        return v, v, bound, bound
    if name in ("sinh", "cosh"):
        bound = math.cosh(abs(u) + r)
        f, g = (math.sinh, math.cosh) if real else (cmath.sinh, cmath.cosh)
        return (f(u), g(u), bound, bound) if name == "sinh" else (g(u), f(u), bound, bound)
    if name in ("log", "sqrt"):
        m = abs(u) - r
        if m <= 0 or not real and u.real <= 0 and abs(u.imag) <= r:  # at 0, or near the cut
            return None
        if name == "log":
            v = math.log(u) if real and u > 0 else cmath.log(u)
            return v, 1 / u, 1 / m, 1 / (m * m)
        v = math.sqrt(u) if real and u > 0 else cmath.sqrt(u)
        return v, 1 / (2 * v), 1 / (2 * math.sqrt(m)), 1 / (4 * m * math.sqrt(m))
    if not real:
        return None  # tan, tanh and the inverse trigonometric functions of complex numbers
    if name == "tan":
        c = abs(math.cos(u)) - r
        if c <= 0:
            return None
        t = math.tan(u)
        return t, 1 + t * t, 1 / (c * c), 2 / (c * c * c)
    if name == "tanh":
        t = math.tanh(u)
        return t, 1 - t * t, 1.0, 0.77  # max |tanh''| = 4 / (3 sqrt(3))
    if name == "atan":
        return math.atan(u), 1 / (1 + u * u), 1.0, 0.65  # max |atan''| = 3 sqrt(3) / 8
    m = abs(u) + r  # asin, acos: inside (-1, 1) only
    if m >= 1:
        return None
    root, top = math.sqrt(1 - u * u), math.sqrt(1 - m * m)
    derivative = 1 / root if name == "asin" else -1 / root
    return (math.asin(u) if name == "asin" else math.acos(u)), derivative, 1 / top, m / top ** 3


def _call(name: str, u, eu, du, edu):
    found = _function(name, u, eu)
    if found is None:
        return None
    v, fp, sup1, sup2 = found
    ev = sup1 * eu + EPS * (abs(v) + 1)
    d, ed = _mul(fp, sup2 * eu + EPS * (abs(fp) + 1), du, edu)
    return v, ev, d, ed


class Probes(Mirror):
    """The builder's decisions, with [(v, ev, d, ed) or None at each of `points`] as the payload."""

    def __init__(self, variable: str, points: tuple[float, ...]) -> None:
        super().__init__()
        self.variable, self.points = variable, points

    def p_const(self, q):
        try:
            v = float(q)
        except OverflowError:
            return [None] * len(self.points)
        return [(v, 0.0 if v == q else EPS * abs(v), 0.0, 0.0)] * len(self.points)

    def p_name(self, name: str):
        return [(math.pi if name == "pi" else math.e, EPS, 0.0, 0.0)] * len(self.points)

    def p_var(self):
        return [(p, 0.0, 1.0, 0.0) for p in self.points]

    def p_neg(self, p):
        return [None if a is None else (-a[0], a[1], -a[2], a[3]) for a in p]

    def p_op(self, op, a, b):
        return [_kept(_arithmetic, op, *x, *y) if x is not None and y is not None else None for x, y in zip(a, b)]

    def p_pow(self, base, exponent):
        # the mirror lets only an exact integer exponent of at most 64 through to here
        return [_kept(_power, *x, int(y[0])) if x is not None and y is not None else None
                for x, y in zip(base, exponent)]

    def p_call(self, name, p):
        return [_kept(_call, name, *x) if x is not None else None for x in p]

    def varies(self, p) -> bool:
        """Two points whose values differ by more than both their error bounds."""
        known = [x for x in p if x is not None]
        return any(abs(x[0] - y[0]) > x[1] + y[1] for i, x in enumerate(known) for y in known[i + 1:])


def _kept(step, *args):
    """A point's (v, ev, d, ed) by `step`, when every part is a finite number; else None."""
    try:
        found = step(*args)
        if found is None or not all(_finite(z) for z in found):
            return None
    except (ArithmeticError, ValueError):  # an overflow or underflow, a division by 0, a math domain error
        return None
    return found


def rejects(payload, f_values, threshold: float = 1e-9) -> tuple[bool, float]:
    """(Does some point show |F' - f| past `threshold` beyond doubt?, the largest |F' - f|), from
    F's payload and f's values (by sympy's evalf, 15 digits: trusted to 1e-13 relative)."""
    worst, certain = 0.0, False
    for point, f in zip(payload, f_values):
        gap = abs(point[2] - f)
        worst = max(worst, gap)
        bound = point[3] + 1e-13 * abs(f) + EPS * gap
        certain = certain or gap - bound > threshold * 1.01
    return certain, worst
