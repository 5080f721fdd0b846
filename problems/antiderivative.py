"""Antiderivatives: an expression F(x) with F'(x) = f(x).

All antiderivatives on an interval differ by a constant, so every valid F is the same
discovery. Numeric probing at a few points rejects most wrong candidates cheaply; `valid`
needs `simplify(F' - f) == 0`. `interesting` means more compact than sympy's own answer.

Domain rule: F is checked as written, and must be defined wherever f is. Every denominator
as written (the divisor of a `/`, the base of a negative power, the argument of `log`) that is
a polynomial in x as written (`harness.parse.not_polynomial_as_written`: no function, no name
but x, no division by an expression in x) has its real zeros found exactly; F is undefined
there, so if f is defined at one of them, F is wrong ("undefined at x = 1"): `x**2 + (x - x)/(x - 1)`
for f = 2*x, though sympy reduces it to `x**2`. Such a denominator of degree above
MAX_DENOMINATOR_DEGREE is refused. Zeros of other denominators (`cos(x) - 1`) and the poles of
`tan` are not searched. 0**0 is 1.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

import sympy

from harness.parse import ParseError, Written, not_polynomial_as_written, parse_expression, parse_written
from harness.problem import Problem
from harness.space import ExpressionGrammar

X = sympy.Symbol("x", real=True)
PROBE_POINTS = (0.31, 0.73, 1.37, 2.11, 2.93)
MAX_DENOMINATOR_DEGREE = 16


def denominators(tree: ast.expr, written: Written):
    """(kind, node) of every subtree F is undefined at a zero of, as written."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            yield "division by zero", node.right
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = written.build(node.right)
            if exponent.is_Integer and exponent < 0:
                yield "0 to a negative power", node.left
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "log":
            yield "log(0)", node.args[0]


@dataclass(frozen=True)
class Antiderivative(Problem):
    family = "antiderivative"
    integrand: str  # f, in candidate syntax; trusted config, still parsed safely
    name: str = ""
    known_solutions: tuple[str, ...] = ()

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
        for kind, node in denominators(F.tree, F):
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


def make(*, known_solutions=(), **params) -> Antiderivative:
    return Antiderivative(known_solutions=tuple(known_solutions), **params)
