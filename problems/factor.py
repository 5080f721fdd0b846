"""Polynomial factorisations: write p(x) as a product of at least two non-constant integer
polynomials.

Valid means the product expands to p exactly. Factorisations with the same multiset of
factors (up to order and the signs of the factors) are one discovery; a partial
factorisation, e.g. (x**2 - 1)*(x**2 + 1) for x**4 - 1, is a different one from the full
(x - 1)*(x + 1)*(x**2 + 1). `interesting` means complete: every factor irreducible over Q.

A product is checked as written (`harness.parse.not_polynomial_as_written`): integers, x, + - *, powers whose
exponent has no x and is an integer in 0..64, and divisions only by an expression without x
(a nonzero constant: a zero one is malformed). A division by anything containing x is wrong,
even when sympy would cancel it: `(x - x)/(x - 3) + (x - 1)*(x + 1)` and `(x**2 - 1)/(x - 1)`.
So are other names and functions. The factors are those of the product as written
(`written_factors`): through `*`, unary signs, a division by a constant and a power with a
constant exponent, e.g. -(x - 1)*(x + 1)**2 has the factors x - 1, x + 1, x + 1.
"""
from __future__ import annotations

import ast
import random
from dataclasses import dataclass
from functools import cached_property

import sympy

from harness import grammar
from harness.parse import Written, not_polynomial_as_written, parse_expression, parse_written
from harness.problem import Problem

X = sympy.Symbol("x")
MAX_EXPONENT = 64


def _has_x(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "x" for n in ast.walk(node))


def written_factors(written: Written) -> list[sympy.Expr]:
    """The factors of the product as written (module docstring), as sympy objects."""
    def walk(node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            return walk(node.left) + walk(node.right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and not _has_x(node.right):
            return walk(node.left) + [node.right]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return walk(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not _has_x(node.right):
            exponent = written.build(node.right)
            if exponent.is_Integer and 0 <= exponent <= MAX_EXPONENT:
                return walk(node.left) * int(exponent)
        return [node]
    return [written.build(node) for node in walk(written.tree)]


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

    def grammar(self, version: int = grammar.GRAMMAR_VERSION) -> str:
        return grammar.expression("x", (), version=version)


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

    def statement_of(self, version: int) -> str:
        example = "(x - 1)*(x + 1)" if version == 1 else self.example  # version 1's factors x**2 - 1
        return (
            f"Factor {self.polynomial} into at least two non-constant polynomials with integer "
            f"coefficients. Answer with the product in Python syntax, e.g. `{example}`."
        )

    @cached_property
    def example(self) -> str:
        return self.format_example(f"(x - {2 + i})*(x + {3 + i})" for i in range(100))

    @property
    def space(self) -> FactorSpace:
        return FactorSpace()

    def parse(self, text: str) -> Written:
        return parse_written(text, {"x": X})

    def _factors(self, written: Written) -> list[sympy.Poly]:
        """The non-constant factors of the product as written, powers unrolled."""
        return [sympy.Poly(f, X) for f in written_factors(written) if f.has(X)]

    def check(self, written: Written) -> tuple[float, str | None]:
        why = not_polynomial_as_written(written, written.tree, "x", MAX_EXPONENT)
        if why is not None:
            return -1.0, f"not a polynomial as written: {why}"
        expr = written.expr
        if not expr.is_polynomial(X):
            return -1.0, "not a polynomial in x"
        if expr.subs(X, 3) != self.p.eval(3):  # a cheap exact probe rejects most candidates
            return -1.0, "the product differs from p at x = 3"
        difference = sympy.Poly(sympy.expand(expr), X) - self.p
        score = 0.0 - len(difference.terms()) if not difference.is_zero else 0.0
        if not difference.is_zero:
            return score, f"the product differs from p by {difference.as_expr()}"
        factors = self._factors(written)
        if len(factors) < 2 or any(f.degree() < 1 for f in factors):
            return score, "needs at least two non-constant factors"
        if any(c.is_Integer is False for f in factors for c in f.coeffs()):
            return score, "factors must have integer coefficients"
        return score, None

    def canonical(self, written: Written) -> str:
        normalised = []
        for f in self._factors(written):
            if f.LC() < 0:
                f = -f
            normalised.append(f"({sympy.sstr(f.as_expr())})")
        return "*".join(sorted(normalised))

    def interesting(self, written: Written) -> str | None:
        return "complete" if all(f.is_irreducible for f in self._factors(written)) else None


def make(*, known_solutions=(), **params) -> Factorisation:
    return Factorisation(known_solutions=tuple(known_solutions), **params)
