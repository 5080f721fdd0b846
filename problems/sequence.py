"""Closed forms for integer sequences: an expression in n giving the shown terms.

The candidate is checked exactly at n = 1, 2, ... against the shown terms (`valid`); two
formulas that give the same values on every checked n (shown, held out and a few more)
are one discovery. `interesting` means it also gives the held-out terms, i.e. it found
the sequence rather than an interpolation.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from harness.parse import parse_expression
from harness.problem import Problem
from harness.space import ExpressionGrammar

N = sympy.Symbol("n", integer=True, positive=True)
EXTRA_TERMS = 4  # values beyond the held-out terms that also tell formulas apart


@dataclass(frozen=True)
class Sequence(Problem):
    family = "sequence"
    name: str
    terms: tuple[int, ...]  # shown, for n = 1, 2, ...
    held_out: tuple[int, ...]  # the next terms, not shown
    known_solutions: tuple[str, ...] = ()

    @property
    def instance(self) -> str:
        return self.name

    @property
    def statement(self) -> str:
        shown = ", ".join(map(str, self.terms))
        return (
            f"The sequence a(1), a(2), ... begins {shown}. Give a closed form for a(n) as one "
            "expression in n in Python syntax (integers, + - * / and **; a small integer base may "
            "have an exponent linear in n), e.g. `n*(n + 1)/2` or `2**n - 1`."
        )

    @property
    def space(self) -> ExpressionGrammar:
        return ExpressionGrammar("n", max_depth=3, functions=(), constants=(1, 2, 3),
                                 powers=("2", "3", "n"))

    def parse(self, text: str) -> sympy.Expr:
        return parse_expression(text, {"n": N}, symbolic_exponents=True)

    def values(self, expr: sympy.Expr, count: int) -> list[sympy.Expr]:
        return [expr.subs(N, k) for k in range(1, count + 1)]

    def check(self, expr: sympy.Expr) -> tuple[float, str | None]:
        values = self.values(expr, len(self.terms))
        hits = sum(v == t for v, t in zip(values, self.terms))
        score = hits / len(self.terms)
        for k, (value, term) in enumerate(zip(values, self.terms), start=1):
            if value != term:
                return score, f"a({k}) = {value}, the sequence has {term}"
        return score, None

    def canonical(self, expr: sympy.Expr) -> str:
        count = len(self.terms) + len(self.held_out) + EXTRA_TERMS
        return "a = " + ", ".join(map(str, self.values(expr, count)))

    def interesting(self, expr: sympy.Expr) -> str | None:
        values = self.values(expr, len(self.terms) + len(self.held_out))[len(self.terms):]
        return "also gives the held-out terms" if list(values) == list(self.held_out) else None


def make(*, terms, held_out, known_solutions=(), **params) -> Sequence:
    return Sequence(terms=tuple(terms), held_out=tuple(held_out), known_solutions=tuple(known_solutions), **params)
