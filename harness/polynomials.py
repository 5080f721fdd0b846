"""Exact univariate polynomials over the rationals, without sympy: the fast verifiers' arithmetic.

A polynomial is a tuple of coefficients, lowest degree first, with no trailing zero (the zero
polynomial is ()); coefficients are ints, or Fractions where they are not whole. `written`
prints one as `sympy.sstr(Poly(...).as_expr())` does, so fast and reference verdicts read alike.
"""
from __future__ import annotations

import ast
from fractions import Fraction
from math import isqrt

Poly = tuple  # of int | Fraction, lowest degree first
ZERO: Poly = ()
ONE: Poly = (1,)
X: Poly = (0, 1)


def _whole(c):
    """A Fraction that is whole, as an int (ints are faster and print alike)."""
    return c.numerator if type(c) is Fraction and c.denominator == 1 else c


def trim(coefficients) -> Poly:
    """The polynomial of these coefficients: trailing zeros dropped, whole Fractions made ints."""
    c = list(coefficients)
    n = len(c)
    while n and c[n - 1] == 0:
        n -= 1
    del c[n:]
    for i, x in enumerate(c):
        if type(x) is Fraction:
            c[i] = _whole(x)
    return tuple(c)


def add(a: Poly, b: Poly) -> Poly:
    if len(a) < len(b):
        a, b = b, a
    if len(a) > len(b):  # the top coefficient is a's: no cancellation at the top
        out = [x + y for x, y in zip(a, b)]
        out.extend(a[len(b):])
        return _normal(out)
    return trim([x + y for x, y in zip(a, b)])


def _normal(c: list) -> Poly:
    for x in c:
        if type(x) is not int:
            return trim(c)
    return tuple(c)


def neg(a: Poly) -> Poly:
    return tuple([-c for c in a])


def sub(a: Poly, b: Poly) -> Poly:
    return add(a, neg(b))


def mul(a: Poly, b: Poly) -> Poly:
    if not a or not b:
        return ZERO
    if len(a) == 1:
        return _normal([a[0] * y for y in b])
    if len(b) == 1:
        return _normal([x * b[0] for x in a])
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                out[i + j] += x * y
    return _normal(out)


def scale(a: Poly, c) -> Poly:
    return trim([x * c for x in a])


def power(a: Poly, e: int) -> Poly:
    out = ONE
    for _ in range(e):
        out = mul(out, a)
    return out


def at(a: Poly, x):
    value = 0
    for c in reversed(a):
        value = value * x + c
    return _whole(value) if type(value) is Fraction else value


def degree(a: Poly) -> int:
    return len(a) - 1  # -1 for the zero polynomial


def _mentions(node: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def of_tree(node: ast.expr, variable: str) -> Poly | None:
    """The polynomial a checked subtree is, when it is one as written (harness.parse's
    `not_polynomial_as_written`: integers, the variable, + - *, divisions by an expression
    without the variable, powers whose exponent has no variable and is an integer in 0..64),
    else None. The subtree has been built without refusal (so no divisor is 0)."""
    kind = type(node)
    if kind is ast.Constant:
        return trim([node.value]) if type(node.value) is int else None
    if kind is ast.Name:
        return X if node.id == variable else None
    if kind is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        inner = of_tree(node.operand, variable)
        return neg(inner) if inner is not None and type(node.op) is ast.USub else inner
    if kind is not ast.BinOp:
        return None
    op = type(node.op)
    if op in (ast.Div, ast.Pow):
        if _mentions(node.right, variable):
            return None
        right = of_tree(node.right, variable)
        left = of_tree(node.left, variable) if right is not None and degree(right) <= 0 else None
        if left is None:
            return None
        if op is ast.Div:
            return scale(left, Fraction(1) / Fraction(right[0])) if right else None
        e = right[0] if right else 0
        return power(left, e) if type(e) is int and 0 <= e <= 64 else None
    combine = {ast.Add: add, ast.Sub: sub, ast.Mult: mul}.get(op)
    left = of_tree(node.left, variable) if combine is not None else None
    right = of_tree(node.right, variable) if left is not None else None
    return None if right is None else combine(left, right)


def written(a: Poly, variable: str = "x") -> str:
    """As `sympy.sstr` prints the polynomial's expression: highest degree first, except that a
    positive constant goes before a single negative term (`Expr.as_ordered_terms`)."""
    if not a:
        return "0"
    terms = []
    for k in range(len(a) - 1, -1, -1):
        c = Fraction(a[k])
        if c == 0:
            continue
        sign, c = ("-" if c < 0 else "+"), abs(c)
        monomial = "" if k == 0 else variable if k == 1 else f"{variable}**{k}"
        if not monomial:
            body = str(c)
        else:
            top = monomial if c.numerator == 1 else f"{c.numerator}*{monomial}"
            body = top if c.denominator == 1 else f"{top}/{c.denominator}"
        terms.append((sign, body))
    if len(terms) == 2 and terms[0][0] == "-" and terms[1][0] == "+" and len(a) > 1 and a[0] != 0:
        terms.reverse()  # sympy's one exception to highest degree first: `3 - x`, not `-x + 3`
    first_sign, first = terms[0]
    text = ("-" if first_sign == "-" else "") + first
    return text + "".join(f" {sign} {body}" for sign, body in terms[1:])


def primitive(a: Poly) -> Poly:
    """The integer polynomial with coprime coefficients and positive leading one that is a
    rational multiple of `a` (non-zero)."""
    from math import gcd, lcm
    denominators = lcm(*(Fraction(c).denominator for c in a))
    whole = [int(Fraction(c) * denominators) for c in a]
    common = gcd(*whole)
    sign = -1 if whole[-1] < 0 else 1
    return tuple(sign * c // common for c in whole)


def _divisors(n: int, limit: int) -> list[int] | None:
    """The positive divisors of n > 0, or None when n is past `limit` (too slow to try)."""
    if n > limit:
        return None
    small = [d for d in range(1, isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def rational_roots(a: Poly, limit: int = 10**6) -> list[Fraction] | None:
    """The distinct rational roots of a non-zero polynomial, ascending; None when its end
    coefficients are too large to try every candidate p/q."""
    p = primitive(a)
    roots = set()
    while p and p[0] == 0:
        roots.add(Fraction(0))
        p = p[1:]
    if len(p) <= 1:
        return sorted(roots)
    tops, bottoms = _divisors(abs(p[0]), limit), _divisors(abs(p[-1]), limit)
    if tops is None or bottoms is None:
        return None
    for top in tops:
        for bottom in bottoms:
            for candidate in (Fraction(top, bottom), Fraction(-top, bottom)):
                if at(p, candidate) == 0:
                    roots.add(candidate)
    return sorted(roots)


def divide(a: Poly, b: Poly) -> tuple[Poly, Poly]:
    """Quotient and remainder of a by a non-zero b."""
    remainder, quotient = list(map(Fraction, a)), [Fraction(0)] * max(0, len(a) - len(b) + 1)
    lead = Fraction(b[-1])
    for k in range(len(a) - len(b), -1, -1):
        c = remainder[k + len(b) - 1] / lead
        quotient[k] = c
        if c:
            for j, y in enumerate(b):
                remainder[k + j] -= c * y
    return trim(quotient), trim(remainder[:len(b) - 1])


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
