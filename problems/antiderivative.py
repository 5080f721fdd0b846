"""Antiderivatives: an expression F(x) with F'(x) = f(x).

All antiderivatives on an interval differ by a constant, so every valid F is the same
discovery. Numeric probing at a few points rejects most wrong candidates cheaply; `valid`
needs `simplify(F' - f) == 0`. `interesting` means more compact than sympy's own answer.

Domain rule: F is checked as written, and must be defined wherever f is. Every denominator
as written (the divisor of a `/`, the base of a negative power, the argument of `log`) that is
a polynomial in x as written (`harness.core.parse.not_polynomial_as_written`: no function, no name
but x, no division by an expression in x) has its real zeros found exactly; F is undefined
there, so if f is defined at one of them, F is wrong ("undefined at x = 1"): `x**2 + (x - x)/(x - 1)`
for f = 2*x, though sympy reduces it to `x**2`. Such a denominator of degree above
MAX_DENOMINATOR_DEGREE is refused. Zeros of other denominators (`cos(x) - 1`) and the poles of
`tan` are not searched. 0**0 is 1.

The verifier has two paths (harness.exact.fast_verify): the sympy one above is the reference; the fast
one decides without sympy what can be decided exactly as the reference would: malformed (the
parser's decisions mirrored, harness.exact.mirror), the domain rule (a polynomial denominator's zeros,
found exactly when they are rational; harness.exact.polynomials, harness.exact.roots) and the numeric probes, which only
reject: F is differentiated on its syntax tree in floating point with a proven error bound
(harness.exact.probes), and a candidate is wrong when |F' - f| at a probe point exceeds 1e-9 by more
than that bound, so sympy's probe (the same points, the same 1e-9) rejects it too. What decides that
F' - f = 0 is the reference's own `simplify`, and `interesting` reads sympy's operation count:
a candidate that passes the probes (a solution, or nearly one) goes to the reference, as does
one with a denominator whose real zeros are irrational (or whose degree as written passes 64, or
whose rational roots have too many candidates) and one whose probes meet a number
without a trustworthy value (a pole, an overflow, a branch cut).
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Callable

import sympy

from harness.core.parse import ParseError, Written, not_polynomial_as_written, parse_expression, parse_written
from harness.core.problem import Problem, Tier, Verdict
from harness.core.space import ExpressionGrammar
from harness.core.syntax import checked_tree
from harness.exact import polynomials, roots
from harness.exact.fast_verify import FastVerify
from harness.exact.probes import Probes, rejects

X = sympy.Symbol("x", real=True)
PROBE_POINTS = (0.31, 0.73, 1.37, 2.11, 2.93)
MAX_DENOMINATOR_DEGREE = 16


def denominators(tree: ast.expr, integer: Callable[[ast.expr], int | None]):
    """(kind, node) of every subtree F is undefined at a zero of, as written; `integer(node)` is
    the value of an exponent subtree where it is an integer."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            yield "division by zero", node.right
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = integer(node.right)
            if exponent is not None and exponent < 0:
                yield "0 to a negative power", node.left
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "log":
            yield "log(0)", node.args[0]


@dataclass(frozen=True)
class Antiderivative(FastVerify, Problem):
    family = "antiderivative"
    integrand: str  # f, in candidate syntax; trusted config, still parsed safely
    name: str = ""
    known_solutions: tuple[str, ...] = ()
    checker: str = "fast"  # or "sympy": the reference path alone

    def __post_init__(self) -> None:
        self.check_checker()

    @property
    def instance(self) -> str:
        return self.name or f"f={self.integrand.replace(' ', '')}"

    @cached_property
    def f(self) -> sympy.Expr:
        return parse_expression(self.integrand, {"x": X})

    @cached_property
    def reference(self) -> sympy.Expr:
        return sympy.integrate(self.f, X)

    def statement_of(self, version: int) -> str:
        example = "x**2/2 + sin(x)" if version == 1 else self.example
        return (
            f"Find a function F(x) whose derivative is {self.integrand}. Answer with one "
            "expression in x in Python syntax (** for powers; sin, cos, tan, exp, log, sqrt "
            f"and their inverses allowed), e.g. `{example}`."
        )

    @cached_property
    def example(self) -> str:
        return self.format_example(f"x**2/{2 + i} + sin(x)" for i in range(100))  # F' = f only for one f

    @property
    def space(self) -> ExpressionGrammar:
        return ExpressionGrammar("x")

    @cached_property
    def f_written(self) -> Written:
        return parse_written(self.integrand, {"x": X})

    def parse(self, text: str) -> Written:
        return parse_written(text, {"x": X})

    def undefined(self, F: Written) -> str | None:
        """Why F, as written, breaks the domain rule (see the module's docstring), or None."""
        for kind, node in denominators(F.tree, lambda n: int(e) if (e := F.build(n)).is_Integer else None):
            if not_polynomial_as_written(F, node, "x") is not None:
                continue
            poly = sympy.Poly(F.build(node), X)
            if poly.degree() < 1:
                continue
            if poly.degree() > MAX_DENOMINATOR_DEGREE:
                return f"a denominator of degree {poly.degree()} > {MAX_DENOMINATOR_DEGREE}: its zeros are not checked"
            for root in sorted(set(poly.real_roots()), key=float):
                try:
                    self.f_written.at({"x": root})
                except ParseError:
                    continue  # f is undefined there too
                return f"undefined at x = {sympy.sstr(root)} ({kind}), where f is defined"
        return None

    def check(self, written: Written) -> tuple[float, str | None]:
        why = self.undefined(written)
        if why is not None:
            return -1.0, why
        F = written.expr
        gap = sympy.diff(F, X) - self.f
        worst = 0.0
        for point in PROBE_POINTS:  # numeric probing only ever rejects
            value = complex(gap.evalf(15, subs={X: point}))
            if value == value and abs(value) != float("inf"):
                worst = max(worst, abs(value))
        if worst > 1e-9:
            return -worst, f"F' - f is {worst:.3g} at a probe point"
        if sympy.simplify(gap) != 0:
            return 0.0, "F' - f could not be proved to be 0"
        return 0.0, None

    def canonical(self, F: Written) -> str:
        return f"{sympy.sstr(self.reference)} + C"

    def interesting(self, F: Written) -> str | None:
        ops, reference_ops = sympy.count_ops(F.expr), sympy.count_ops(self.reference)
        return f"{ops} operations, sympy needs {reference_ops}" if ops < reference_ops else None

    def solutions(self) -> tuple[str, ...]:
        return (sympy.sstr(self.reference),)

    @cached_property
    def f_at_probes(self) -> tuple | None:
        """f at the probe points, by sympy once; None where one is not a finite number (then the
        fast path leaves every candidate to the reference)."""
        values = []
        for point in PROBE_POINTS:
            value = complex(self.f.evalf(15, subs={X: point}))
            if not (math.isfinite(value.real) and math.isfinite(value.imag)):
                return None
            values.append(value.real if value.imag == 0 else value)
        return tuple(values)

    @cached_property
    def _f_defined(self) -> dict[Fraction, bool]:
        return {}

    def f_defined_at(self, x: Fraction) -> bool:
        """Is f, as written, defined at the rational x? (By the reference, once per point.)"""
        if x not in self._f_defined:
            try:
                self.f_written.at({"x": sympy.Rational(x.numerator, x.denominator)})
                self._f_defined[x] = True
            except ParseError:
                self._f_defined[x] = False
        return self._f_defined[x]

    def fast_verdict(self, text: str) -> Verdict | None:
        if self.f_at_probes is None:
            return None
        mirror = Probes("x", PROBE_POINTS)
        try:
            tree = checked_tree(text)
            probes = mirror.build(tree)[2]
        except ParseError as exc:
            return Verdict(Tier.MALFORMED, reason=str(exc))
        for kind, node in denominators(tree, lambda n: v if type(v := mirror.const_of(n)) is int else None):
            try:
                poly = polynomials.of_tree(node, "x")
            except polynomials.TooLarge:
                return None  # its degree (above 16, or 0 by cancellation) and zeros: the reference finds them
            if poly is None or polynomials.degree(poly) < 1:
                continue
            if polynomials.degree(poly) > MAX_DENOMINATOR_DEGREE:
                return Verdict(Tier.WRONG, score=-1.0, reason=f"a denominator of degree {polynomials.degree(poly)} > "
                               f"{MAX_DENOMINATOR_DEGREE}: its zeros are not checked")
            real = roots.real_root_count(poly)
            rational = roots.rational_roots(poly) if real else []
            if rational is None or real != len(rational):
                return None  # irrational real zeros, or too many candidates: the reference finds and names them
            for root in rational:
                if self.f_defined_at(root):
                    return Verdict(Tier.WRONG, score=-1.0,
                                   reason=f"undefined at x = {root} ({kind}), where f is defined")
        if None in probes:
            return None  # a point without a trustworthy number: the reference evaluates it
        certain, worst = rejects(probes, self.f_at_probes)
        if not certain:
            return None  # a solution, or too near one to tell: the reference decides
        return Verdict(Tier.WRONG, score=-worst, reason=f"F' - f is {worst:.3g} at a probe point")


def make(*, known_solutions=(), **params) -> Antiderivative:
    return Antiderivative(known_solutions=tuple(known_solutions), **params)
