"""Polynomials over Q as the factor and antiderivative checkers need them, apart from the verifiers'
own (harness.exact.polynomials): a factorisation's factors as written, square-free parts."""
from __future__ import annotations

from fractions import Fraction

from harness.audit.reader import MAX_EXPONENT, Unreadable, evaluate, rational_power, tree




class Polynomial:
    """Rational coefficients, lowest degree first; just what a factorisation check needs."""

    def __init__(self, coefficients) -> None:
        c = [Fraction(x) for x in coefficients]
        while len(c) > 1 and c[-1] == 0:
            c.pop()
        self.c = c or [Fraction(0)]

    def __add__(self, other):
        n = max(len(self.c), len(other.c))
        return Polynomial([(self.c[i] if i < len(self.c) else 0) + (other.c[i] if i < len(other.c) else 0)
                           for i in range(n)])

    def __neg__(self):
        return Polynomial([-x for x in self.c])

    def __sub__(self, other):
        return self + (-other)

    def __mul__(self, other):
        out = [Fraction(0)] * (len(self.c) + len(other.c) - 1)
        for i, a in enumerate(self.c):
            for j, b in enumerate(other.c):
                out[i + j] += a * b
        return Polynomial(out)

    def __truediv__(self, other):
        if len(other.c) != 1:
            raise Unreadable("division by a polynomial")
        if other.c[0] == 0:
            raise Unreadable("division by zero")
        return Polynomial([x / other.c[0] for x in self.c])

    def __eq__(self, other):
        return self.c == (other if isinstance(other, Polynomial) else Polynomial([other])).c

    def __hash__(self):
        return hash(tuple(self.c))

    @property
    def degree(self) -> int:
        return len(self.c) - 1


def remainder(a: Polynomial, b: Polynomial) -> Polynomial:
    """a mod b (b nonzero), by long division over the rationals."""
    r = list(a.c)
    while len(r) >= len(b.c) and any(r):
        q, shift = r[-1] / b.c[-1], len(r) - len(b.c)
        for i, c in enumerate(b.c):
            r[shift + i] -= q * c
        r.pop()
    return Polynomial(r)


def squarefree(a: Polynomial) -> Polynomial:
    """a divided by gcd(a, a'): the same zeros, each simple (polyroots converges on those)."""
    g, h = a, Polynomial([i * c for i, c in enumerate(a.c)][1:] or [0])
    while h != 0:
        g, h = h, remainder(g, h)
    out, quotient = list(a.c), []  # a / g, exact
    while len(out) >= len(g.c):
        q, shift = out[-1] / g.c[-1], len(out) - len(g.c)
        for i, c in enumerate(g.c):
            out[shift + i] -= q * c
        quotient.append(q)
        out.pop()
    return Polynomial(quotient[::-1])


def polynomial_power(base: Polynomial, exponent: Polynomial) -> Polynomial:
    if exponent.degree != 0 or exponent.c[0].denominator != 1 or not 0 <= exponent.c[0] <= MAX_EXPONENT:
        raise Unreadable("a polynomial's exponent must be a small non-negative integer")
    out = Polynomial([1])
    for _ in range(int(exponent.c[0])):
        out = out * base
    return out


def subtrees(node):
    yield node
    for child in node[1:]:
        if isinstance(child, tuple):
            yield from subtrees(child)


def mentions_x(node) -> bool:
    return any(n == ("name", "x") for n in subtrees(node))


def written_polynomial(node) -> Polynomial:
    """A polynomial as written: no division by anything with x in it (even `x - x + 2`), no
    exponent with x in it (even `x - x`)."""
    if any(n[0] in ("/", "**") and mentions_x(n[2]) for n in subtrees(node)):
        raise Unreadable("x in a divisor or an exponent")
    return evaluate(node, {"x": Polynomial([0, 1]), "__number__": lambda v: Polynomial([v])}, {},
                    polynomial_power)


def polynomial(text: str) -> Polynomial:
    return written_polynomial(tree(text))


def constant(node) -> Fraction:
    """The value of a subtree without names or calls (else Unreadable)."""
    return evaluate(node, {"__number__": Fraction}, {}, rational_power)


def top_factors(node) -> list:
    """The factors of a product as written: through *, unary minus, a division by a constant and
    a power with a constant exponent in 0..64 (unrolled)."""
    if node[0] == "*":
        return top_factors(node[1]) + top_factors(node[2])
    if node[0] == "neg":
        return top_factors(node[1])
    if node[0] == "/" and not mentions_x(node[2]):
        return top_factors(node[1]) + [node[2]]
    if node[0] == "**" and not mentions_x(node[2]):
        try:
            exponent = constant(node[2])
        except Unreadable:
            return [node]
        if exponent.denominator == 1 and 0 <= exponent <= MAX_EXPONENT:
            return top_factors(node[1]) * int(exponent)
    return [node]
