"""Polynomial factorisations: write p(x) as a product of at least two non-constant integer
polynomials.

Valid means the product expands to p exactly. Factorisations with the same multiset of
factors (up to order and the signs of the factors) are one discovery; a partial
factorisation, e.g. (x**2 - 1)*(x**2 + 1) for x**4 - 1, is a different one from the full
(x - 1)*(x + 1)*(x**2 + 1). `interesting` means complete: every factor irreducible over Q.

A product is checked as written (`harness.core.parse.not_polynomial_as_written`): integers, x, + - *, powers whose
exponent has no x and is an integer in 0..64, and divisions only by an expression without x
(a nonzero constant: a zero one is malformed). A division by anything containing x is wrong,
even when sympy would cancel it: `(x - x)/(x - 3) + (x - 1)*(x + 1)` and `(x**2 - 1)/(x - 1)`.
So are other names and functions. The factors are those of the product as written
(`written_factors`): through `*`, unary signs, a division by a constant and a power with a
constant exponent, e.g. -(x - 1)*(x + 1)**2 has the factors x - 1, x + 1, x + 1.

The verifier has two paths (harness.exact.fast_verify): the sympy one above is the reference; the fast
one mirrors the parser's decisions without sympy (harness.exact.mirror) and does the polynomial
arithmetic over the rationals itself (harness.exact.polynomials): the product against p, the factors'
coefficients and canonical form, and irreducibility, which for degree 2 and 3 is having no
rational root (harness.exact.roots). A product whose degree as written passes 64 (or p's degree) is not
expanded: its exact value at x = 3 decides, as the reference's probe there does, or the reference
does. It defers to the reference for a product that is not a polynomial as written (so wrong, or
malformed), a factor of degree 4 or more in a valid product, and where sympy's evaluation could
make a subtree in x constant that is not written so.
"""
from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import sympy

from harness.core import grammar
from harness.core.parse import ParseError, Written, not_polynomial_as_written, parse_expression, parse_written
from harness.core.problem import Problem, Tier, Verdict
from harness.core.syntax import checked_tree
from harness.exact import polynomials, roots
from harness.exact.as_polynomial import AsPolynomial, Unexpanded
from harness.exact.fast_verify import FastVerify
from harness.exact.mirror import VAR

X = sympy.Symbol("x")


def _has_x(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "x" for n in ast.walk(node))


def factor_nodes(tree: ast.expr, exponent: Callable[[ast.expr], int | None]) -> list[ast.expr]:
    """The factor subtrees of the product as written (module docstring), powers unrolled; `exponent`
    gives an exponent subtree's value where it is an integer (by sympy on the reference path, by
    the mirror on the fast one)."""
    def walk(node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            return walk(node.left) + walk(node.right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and not _has_x(node.right):
            return walk(node.left) + [node.right]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return walk(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not _has_x(node.right):
            e = exponent(node.right)
            if e is not None and 0 <= e <= polynomials.MAX_EXPONENT:
                return walk(node.left) * e
        return [node]
    return walk(tree)


def written_factors(written: Written) -> list[sympy.Expr]:
    """The factors of the product as written (module docstring), as sympy objects."""
    def exponent(node: ast.expr) -> int | None:
        value = written.build(node)
        return int(value) if value.is_Integer else None
    return [written.build(node) for node in factor_nodes(written.tree, exponent)]


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
class Factorisation(FastVerify, Problem):
    family = "factor"
    polynomial: str  # trusted config, still parsed safely
    known_solutions: tuple[str, ...] = ()
    checker: str = "fast"  # or "sympy": the reference path alone

    def __post_init__(self) -> None:
        self.check_checker()

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
        why = not_polynomial_as_written(written, written.tree, "x", polynomials.MAX_EXPONENT)
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

    @cached_property
    def p_coefficients(self) -> polynomials.Poly:
        return polynomials.trim(int(c) for c in reversed(self.p.all_coeffs()))

    @cached_property
    def p_at_3(self) -> int:
        return polynomials.at(self.p_coefficients, 3)

    def fast_verdict(self, text: str) -> Verdict | None:
        plain = plain_product(text)
        if plain is not None:
            value = 1
            for f in plain:
                value *= polynomials.at(f, 3)
            if value != self.p_at_3:  # the reference's probe, before anything is expanded
                return Verdict(Tier.WRONG, score=-1.0, reason="the product differs from p at x = 3")
            product = polynomials.ONE
            for f in plain:
                product = polynomials.mul(product, f)
            return self._verdict(product, [f for f in plain if polynomials.degree(f) >= 1])
        mirror = AsPolynomial(max(polynomials.MAX_DEGREE, polynomials.degree(self.p_coefficients)))
        try:
            tree = checked_tree(text)
            product = mirror.build(tree)[2][0]
        except ParseError as exc:
            return Verdict(Tier.MALFORMED, reason=str(exc))
        if product is None:
            return None  # not a polynomial as written: the reference says why
        if type(product) is Unexpanded:  # the reference's probe at x = 3, and no further
            if product.at3 != self.p_at_3:
                return Verdict(Tier.WRONG, score=-1.0, reason="the product differs from p at x = 3")
            return None
        nodes = factor_nodes(tree, lambda node: e if type(e := mirror.const_of(node)) is int else None)
        factors = [mirror.seen[id(node)][2][0] for node in nodes if mirror.seen[id(node)][0] == VAR]
        return self._verdict(product, factors)

    def _verdict(self, product: polynomials.Poly, factors: list[polynomials.Poly]) -> Verdict | None:
        """`check` and the verdict, given the product and its non-constant factors as written."""
        if polynomials.at(product, 3) != self.p_at_3:
            return Verdict(Tier.WRONG, score=-1.0, reason="the product differs from p at x = 3")
        difference = polynomials.sub(product, self.p_coefficients)
        if difference:
            return Verdict(Tier.WRONG, score=0.0 - sum(1 for c in difference if c),
                           reason=f"the product differs from p by {polynomials.written(difference)}")
        if len(factors) < 2:
            return Verdict(Tier.WRONG, score=0.0, reason="needs at least two non-constant factors")
        if any(type(c) is not int for f in factors for c in f):
            return Verdict(Tier.WRONG, score=0.0, reason="factors must have integer coefficients")
        irreducible = [roots.irreducible(f) for f in factors]
        if None in irreducible:
            return None  # a factor of degree 4 or more: the reference decides
        canonical = "*".join(sorted(f"({polynomials.written(polynomials.neg(f) if f[-1] < 0 else f)})"
                                    for f in factors))
        return self.solution(canonical, 0.0, False, "complete" if all(irreducible) else None)


# A product of sums of monomials, as FactorSpace writes it: `(x + -3)*(x**2 + 2*x + -1)`. Such a
# text is read without a syntax tree (like harness.core.parse's plain integers); within these bounds
# (whole numbers of at most 18 digits, exponents 0..64, at most 8 factors of at most 8 terms,
# 160 characters) the parser builds it without refusal, and sympy's value of each factor is the
# sum of its monomials, so it has x exactly when that polynomial has a positive degree. It is a
# polynomial as written (the reference for that: harness.core.parse's `not_polynomial_as_written`).
_INT = r"-?(?:0|[1-9][0-9]{0,17})"
_POWER = r"x(?:\*\*(?:[0-9]|[1-5][0-9]|6[0-4]))?"
_TERM = rf"(?:{_INT}\*{_POWER}|{_POWER}|{_INT})"
_FACTOR = rf"\({_TERM}(?: \+ {_TERM}){{0,7}}\)"
_PRODUCT = re.compile(rf"{_FACTOR}(?:\*{_FACTOR}){{0,7}}")
_TERMS = re.compile(rf"({_INT})?(\*)?(x)?(?:\*\*([0-9]+))?")


def plain_product(text: object) -> list[polynomials.Poly] | None:
    """The factors' polynomials of a plain product (above), or None: read it from its tree."""
    if not isinstance(text, str) or len(text) > 160:
        return None
    text = text.strip()
    if _PRODUCT.fullmatch(text) is None:
        return None
    factors = []
    for factor in text[1:-1].split(")*("):
        coefficients: dict[int, int] = {}
        for term in factor.split(" + "):
            constant, _, x, exponent = _TERMS.fullmatch(term).groups()
            k = 0 if x is None else 1 if exponent is None else int(exponent)
            coefficients[k] = coefficients.get(k, 0) + (1 if constant is None else int(constant))
        factors.append(polynomials.trim([coefficients.get(k, 0) for k in range(max(coefficients) + 1)]))
    return factors


def make(*, known_solutions=(), **params) -> Factorisation:
    return Factorisation(known_solutions=tuple(known_solutions), **params)
