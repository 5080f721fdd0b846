"""Closed forms for integer sequences: an expression in n giving the shown terms.

The candidate is checked exactly at n = 1, 2, ... against the shown terms (`valid`); two
formulas that give the same values on every checked n (shown, held out and a few more)
are one discovery. `interesting` means it also gives the held-out terms, i.e. it found
the sequence rather than an interpolation.

A formula is checked as written: it must be defined, every step of it, at every n the family
evaluates (1 up to shown + held-out + EXTRA_TERMS), and use only what the statement allows
(integers, n, + - * / and **: no function, no pi or E). `(n - n)/(n - 3) + n` is wrong, "undefined
at n = 3", though sympy reduces it to `n` (harness.core.parse.Written).

The verifier has two paths (harness.exact.fast_verify): the sympy one above is the reference; the fast
one mirrors the parser's decisions without sympy (harness.exact.mirror) and computes the values at
every n exactly, as written, with ints and Fractions (harness.exact.points), the canonical form
from those values. Where sympy's evaluation could make a subtree in n constant (`n - n`) and so
change what the parser decides, and for functions, pi and E (which no formula may use), the
fast path defers to the reference.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import sympy

from harness.core.parse import ParseError, Undefined, Written, parse_written
from harness.core.problem import Problem, Tier, Verdict
from harness.core.space import ExpressionGrammar
from harness.core.syntax import checked_tree
from harness.exact.fast_verify import FastVerify
from harness.exact.points import AtPoints

N = sympy.Symbol("n", integer=True, positive=True)
EXTRA_TERMS = 4  # values beyond the held-out terms that also tell formulas apart


@dataclass(frozen=True)
class Sequence(FastVerify, Problem):
    family = "sequence"
    name: str
    terms: tuple[int, ...]  # shown, for n = 1, 2, ...
    held_out: tuple[int, ...]  # the next terms, not shown
    known_solutions: tuple[str, ...] = ()
    checker: str = "fast"  # or "sympy": the reference path alone

    def __post_init__(self) -> None:
        self.check_checker()

    @property
    def instance(self) -> str:
        return self.name

    def statement_of(self, version: int) -> str:
        # version 1's examples are the triangular numbers and the Mersenne numbers, both instances
        first, second = ("n*(n + 1)/2", "2**n - 1") if version == 1 else self.examples
        shown = ", ".join(map(str, self.terms))
        return (
            f"The sequence a(1), a(2), ... begins {shown}. Give a closed form for a(n) as one "
            "expression in n in Python syntax (integers, + - * / and **; a small integer base may "
            f"have an exponent linear in n), e.g. `{first}` or `{second}`."
        )

    @cached_property
    def examples(self) -> tuple[str, str]:
        """A quotient and a power of n in the formula syntax, neither a solution."""
        return (self.format_example(f"n*(n + {3 + 2 * i})/2" for i in range(100)),
                self.format_example(f"3*2**n - {1 + i}" for i in range(100)))

    @property
    def space(self) -> ExpressionGrammar:
        return ExpressionGrammar("n", max_depth=3, functions=(), constants=(1, 2, 3),
                                 powers=("2", "3", "n"))

    def parse(self, text: str) -> Written:
        return parse_written(text, {"n": N}, symbolic_exponents=True)

    @cached_property
    def points(self) -> tuple[int, ...]:
        """Every n the family evaluates a formula at: shown, held-out and extra terms."""
        return tuple(range(1, len(self.terms) + len(self.held_out) + EXTRA_TERMS + 1))

    def values(self, formula: Written, count: int) -> list[sympy.Expr]:
        return [formula.expr.subs(N, k) for k in range(1, count + 1)]

    def undefined(self, formula: Written) -> str | None:
        """Why the formula, as written, is undefined at some n of `points`, or None."""
        for k in self.points:
            try:
                formula.at({"n": k})
            except Undefined as exc:
                return f"undefined at n = {k} ({exc})"
            except ParseError as exc:
                return f"cannot be evaluated at n = {k} ({exc})"
        return None

    def check(self, formula: Written) -> tuple[float, str | None]:
        for node in ast.walk(formula.tree):  # the statement's syntax: integers, n, + - * / **
            if isinstance(node, ast.Call) or (isinstance(node, ast.Name) and node.id != "n"):
                return 0.0, f"uses {ast.unparse(node)}: a formula has integers, n, + - * / and ** only"
        why = self.undefined(formula)
        if why is not None:
            return 0.0, why
        values = self.values(formula, len(self.terms))
        hits = sum(v == t for v, t in zip(values, self.terms))
        score = hits / len(self.terms)
        for k, (value, term) in enumerate(zip(values, self.terms), start=1):
            if value != term:
                return score, f"a({k}) = {value}, the sequence has {term}"
        return score, None

    def canonical(self, formula: Written) -> str:
        return "a = " + ", ".join(map(str, self.values(formula, len(self.points))))

    def interesting(self, formula: Written) -> str | None:
        values = self.values(formula, len(self.terms) + len(self.held_out))[len(self.terms):]
        return "also gives the held-out terms" if list(values) == list(self.held_out) else None

    def fast_verdict(self, text: str) -> Verdict | None:
        try:
            mirror = AtPoints("n", self.points, symbolic_exponents=True)
            values = mirror.build(checked_tree(text))[2]
        except ParseError as exc:
            return Verdict(Tier.MALFORMED, reason=str(exc))
        for k, value in zip(self.points, values):
            if value.__class__ is not int and value.__class__ is not Fraction:  # the first failing point
                what = "undefined" if isinstance(value, Undefined) else "cannot be evaluated"
                return Verdict(Tier.WRONG, score=0.0, reason=f"{what} at n = {k} ({value})")
        shown = len(self.terms)
        hits = sum(v == t for v, t in zip(values, self.terms))
        if hits < shown:
            k, value, term = next((k, v, t) for k, (v, t) in enumerate(zip(values, self.terms), start=1) if v != t)
            return Verdict(Tier.WRONG, score=hits / shown, reason=f"a({k}) = {value}, the sequence has {term}")
        canonical = "a = " + ", ".join(map(str, values))
        held = list(values[shown:shown + len(self.held_out)]) == list(self.held_out)
        return self.solution(canonical, 1.0, False, "also gives the held-out terms" if held else None)


def make(*, terms, held_out, known_solutions=(), **params) -> Sequence:
    return Sequence(terms=tuple(terms), held_out=tuple(held_out), known_solutions=tuple(known_solutions), **params)
