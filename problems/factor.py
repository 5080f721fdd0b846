"""Polynomial factorisations: write p(x) as a product of at least two non-constant integer
polynomials.

Valid means the product expands to p exactly. Factorisations with the same multiset of
factors (up to order and the signs of the factors) are one discovery; a partial
factorisation, e.g. (x**2 - 1)*(x**2 + 1) for x**4 - 1, is a different one from the full
(x - 1)*(x + 1)*(x**2 + 1). `interesting` means complete: every factor irreducible over Q.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property

import sympy

from harness import grammar
from harness.parse import parse_expression
from harness.problem import Problem

X = sympy.Symbol("x")


@dataclass(frozen=True)
class FactorSpace:
    """Products of 2 or 3 random monic-ish factors of degree 1 or 2 with small coefficients."""

    coefficient: int = 3

    def sample(self, rng: random.Random) -> str:
        c = self.coefficient
        factors = []
        for _ in range(rng.choice((2, 2, 3))):
            if rng.random() < 0.6:
                factors.append(f"(x + {rng.randint(-c, c)})")
            else:
                factors.append(f"(x**2 + {rng.randint(-c, c)}*x + {rng.randint(-c, c)})")
        return "*".join(factors)

    def grammar(self) -> str:
        return grammar.expression("x", ())


@dataclass(frozen=True)
class Factorisation(Problem):
    family = "factor"
    polynomial: str  # trusted config, still parsed safely
    known_solutions: tuple[str, ...] = ()

    @property
    def instance(self) -> str:
        return f"p={self.polynomial.replace(' ', '')}"

    @cached_property
    def p(self) -> sympy.Poly:
        return sympy.Poly(parse_expression(self.polynomial, {"x": X}), X)

    @property
    def statement(self) -> str:
        return (
            f"Factor {self.polynomial} into at least two non-constant polynomials with integer "
            "coefficients. Answer with the product in Python syntax, e.g. `(x - 1)*(x + 1)`."
        )

    @property
    def space(self) -> FactorSpace:
        return FactorSpace()

    def parse(self, text: str) -> sympy.Expr:
        return parse_expression(text, {"x": X})

    def _factors(self, expr: sympy.Expr) -> list[sympy.Poly]:
        """The non-constant factors of a product, powers unrolled."""
        out = []
        for factor in sympy.Mul.make_args(expr):
            base, exponent = factor.as_base_exp()
            if base.free_symbols and exponent.is_Integer and exponent > 0:
                out.extend([base] * int(exponent))
            elif factor.free_symbols:
                out.append(factor)
        return [sympy.Poly(f, X) for f in out]

    def check(self, expr: sympy.Expr) -> tuple[float, str | None]:
        if not expr.is_polynomial(X):
            return -1.0, "not a polynomial in x"
        if expr.subs(X, 3) != self.p.eval(3):  # a cheap exact probe rejects most candidates
            return -1.0, "the product differs from p at x = 3"
        difference = sympy.Poly(sympy.expand(expr), X) - self.p
        score = 0.0 - len(difference.terms()) if not difference.is_zero else 0.0
        if not difference.is_zero:
            return score, f"the product differs from p by {difference.as_expr()}"
        factors = self._factors(expr)
        if len(factors) < 2 or any(f.degree() < 1 for f in factors):
            return score, "needs at least two non-constant factors"
        if any(c.is_Integer is False for f in factors for c in f.coeffs()):
            return score, "factors must have integer coefficients"
        return score, None

    def canonical(self, expr: sympy.Expr) -> str:
        normalised = []
        for f in self._factors(expr):
            if f.LC() < 0:
                f = -f
            normalised.append(f"({sympy.sstr(f.as_expr())})")
        return "*".join(sorted(normalised))

    def interesting(self, expr: sympy.Expr) -> str | None:
        return "complete" if all(f.is_irreducible for f in self._factors(expr)) else None


def make(*, known_solutions=(), **params) -> Factorisation:
    return Factorisation(known_solutions=tuple(known_solutions), **params)
