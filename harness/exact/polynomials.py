"""Exact univariate polynomials over the rationals, without sympy: the fast verifiers' arithmetic.

A polynomial is a tuple of coefficients, lowest degree first, with no trailing zero (the zero
polynomial is ()); coefficients are ints, or Fractions where they are not whole. `written`
prints one as `sympy.sstr(Poly(...).as_expr())` does, so fast and reference verdicts read alike.
"""
from __future__ import annotations

import ast
from fractions import Fraction

from harness.core.syntax import DEFAULT_LIMITS
from harness.exact.rationals import whole

Poly = tuple  # of int | Fraction, lowest degree first
ZERO: Poly = ()
ONE: Poly = (1,)
X: Poly = (0, 1)
MAX_EXPONENT = DEFAULT_LIMITS.max_exponent  # a power in a polynomial as written: the parser's limit
# The highest degree whose coefficients the fast paths compute: a polynomial as written of a higher
# degree (((x + 1)**64)**64, whose expansion takes seconds) is left unexpanded, to the reference
# or to its value at a point. (x + c)**64 is expanded: MAX_EXPONENT's powers of linear factors.
MAX_DEGREE = 64


def trim(coefficients) -> Poly:
    """The polynomial of these coefficients: trailing zeros dropped, whole Fractions made ints."""
    c = list(coefficients)
    n = len(c)
    while n and c[n - 1] == 0:
        n -= 1
    del c[n:]
    for i, x in enumerate(c):
        if type(x) is Fraction:
            c[i] = whole(x)
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
    return whole(value) if type(value) is Fraction else value


def degree(a: Poly) -> int:
    return len(a) - 1  # -1 for the zero polynomial


def _mentions(node: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


class TooLarge(Exception):
    """A polynomial as written whose degree may pass MAX_DEGREE: its coefficients are not computed."""


def of_tree(node: ast.expr, variable: str, max_degree: int = MAX_DEGREE) -> Poly | None:
    """The polynomial a checked subtree is, when it is one as written, else None. (The reference
    for "as written" is harness.core.parse's `not_polynomial_as_written`: integers, the variable, + - *,
    divisions by an expression without the variable, powers whose exponent has no variable and is
    an integer in 0..MAX_EXPONENT.) The subtree has been built without refusal (so no divisor is 0).
    Raises TooLarge, before multiplying anything, where its degree as written passes `max_degree`
    (((x + 1)**64)**64 would take seconds; a sum's leading terms may cancel, so its true degree
    may be lower)."""
    bound = written_degree(node, variable)
    if bound is not None and bound > max_degree:
        raise TooLarge(f"a polynomial of degree up to {bound} as written")
    return None if bound is None else _expanded(node, variable)


def written_degree(node: ast.expr, variable: str) -> int | None:
    """An upper bound on the degree of the polynomial a checked subtree is as written (exact but for
    cancellations in sums), or None where it is not one (see `of_tree`): one walk, nothing expanded."""
    kind = type(node)
    if kind is ast.Constant:
        return 0 if type(node.value) is int else None
    if kind is ast.Name:
        return 1 if node.id == variable else None
    if kind is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        return written_degree(node.operand, variable)
    if kind is not ast.BinOp or type(node.op) not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow):
        return None
    op = type(node.op)
    if op in (ast.Div, ast.Pow):
        if _mentions(node.right, variable):
            return None
        right = _expanded(node.right, variable)  # a number: its subtree has no variable
        left = written_degree(node.left, variable) if right is not None else None
        if left is None:
            return None
        if op is ast.Div:
            return left if right else None
        e = right[0] if right else 0
        return left * e if type(e) is int and 0 <= e <= MAX_EXPONENT else None
    left = written_degree(node.left, variable)
    right = written_degree(node.right, variable) if left is not None else None
    if right is None:
        return None
    return left + right if op is ast.Mult else max(left, right)


def _expanded(node: ast.expr, variable: str) -> Poly | None:
    """`of_tree` without the bound on the degree."""
    kind = type(node)
    if kind is ast.Constant:
        return trim([node.value]) if type(node.value) is int else None
    if kind is ast.Name:
        return X if node.id == variable else None
    if kind is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        inner = _expanded(node.operand, variable)
        return neg(inner) if inner is not None and type(node.op) is ast.USub else inner
    if kind is not ast.BinOp:
        return None
    op = type(node.op)
    if op in (ast.Div, ast.Pow):
        if _mentions(node.right, variable):
            return None
        right = _expanded(node.right, variable)
        left = _expanded(node.left, variable) if right is not None and degree(right) <= 0 else None
        if left is None:
            return None
        if op is ast.Div:
            return scale(left, Fraction(1) / Fraction(right[0])) if right else None
        e = right[0] if right else 0
        return power(left, e) if type(e) is int and 0 <= e <= MAX_EXPONENT else None
    combine = {ast.Add: add, ast.Sub: sub, ast.Mult: mul}.get(op)
    left = _expanded(node.left, variable) if combine is not None else None
    right = _expanded(node.right, variable) if left is not None else None
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
