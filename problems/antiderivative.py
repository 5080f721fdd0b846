"""Antiderivatives: an expression F(x) with F'(x) = f(x).

All antiderivatives on an interval differ by a constant, so every valid F is the same
discovery. Numeric probing at a few points rejects most wrong candidates cheaply; `valid`
needs `simplify(F' - f) == 0`. `interesting` means more compact than sympy's own answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy

from harness.parse import parse_expression
from harness.problem import Problem
from harness.space import ExpressionGrammar

X = sympy.Symbol("x", real=True)
PROBE_POINTS = (0.31, 0.73, 1.37, 2.11, 2.93)


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

    @property
    def statement(self) -> str:
        return (
            f"Find a function F(x) whose derivative is {self.integrand}. Answer with one "
            "expression in x in Python syntax (** for powers; sin, cos, tan, exp, log, sqrt "
            "and their inverses allowed), e.g. `x**2/2 + sin(x)`."
        )

    @property
    def space(self) -> ExpressionGrammar:
        return ExpressionGrammar("x")

    def parse(self, text: str) -> sympy.Expr:
        return parse_expression(text, {"x": X})

    def check(self, F: sympy.Expr) -> tuple[float, str | None]:
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

    def canonical(self, F: sympy.Expr) -> str:
        return f"{sympy.sstr(self.reference)} + C"

    def interesting(self, F: sympy.Expr) -> str | None:
        ops, reference_ops = sympy.count_ops(F), sympy.count_ops(self.reference)
        return f"{ops} operations, sympy needs {reference_ops}" if ops < reference_ops else None

    def solutions(self) -> tuple[str, ...]:
        return (sympy.sstr(self.reference),)


def make(*, known_solutions=(), **params) -> Antiderivative:
    return Antiderivative(known_solutions=tuple(known_solutions), **params)
