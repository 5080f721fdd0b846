"""Egyptian fractions: a/b as a sum of `terms` distinct unit fractions, denominators <= bound.

The greedy (Fibonacci-Sylvester) expansion is trivial when it fits; `interesting` means a
novel decomposition whose largest denominator is at most `interesting_max` (default: the
smallest largest denominator any solution in the bounds has, i.e. an optimal one).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from harness.core.batch import INT64_LIMIT, distinct_rows, exact, symmetric_points
from harness.core.parse import ParseError, parse_int_tuple
from harness.core.problem import Problem
from harness.core.space import IntBox

MAX_ENUMERATION = 3_000_000  # ground truth only where the search is this small


@dataclass(frozen=True)
class EgyptianFraction(Problem):
    family = "egyptian"
    a: int
    b: int
    terms: int
    bound: int
    interesting_max: int = 0  # 0: the optimum over the enumerated solutions
    known_solutions: tuple[str, ...] = ()
    # The id leaves out bound (committed results use these ids): an instance that differs from
    # another only in bound needs a name of its own, e.g. "q=5:6,m=3,B=60".
    name: str = ""

    def __post_init__(self) -> None:
        if not (0 < self.a and 0 < self.b and 2 <= self.terms <= 6 and self.bound >= 2):
            raise ValueError("need a, b > 0, 2 <= terms <= 6 and bound >= 2")

    @property
    def instance(self) -> str:
        return self.name or f"q={self.a}:{self.b},m={self.terms}"

    @property
    def target(self) -> Fraction:
        return Fraction(self.a, self.b)

    def statement_of(self, version: int) -> str:
        # version 1's example had 3 denominators whatever `terms`, three of 1 = 1/2 + 1/3 + 1/7 + 1/42
        example = "2, 3, 7" if version == 1 else self.example
        return (
            f"Write {self.a}/{self.b} as a sum of {self.terms} unit fractions 1/d with distinct "
            f"denominators d <= {self.bound}. Answer with the {self.terms} denominators separated "
            f"by commas, e.g. `{example}`."
        )

    @cached_property
    def example(self) -> str:
        """`terms` odd denominators, no solution: 3, 5, 7, ... (shifted if need be)."""
        return self.format_example(", ".join(str(3 + 2 * j + i) for j in range(self.terms)) for i in range(100))

    @property
    def space(self) -> IntBox:
        return IntBox(self.terms, 2, self.bound)

    def parse(self, text: str) -> tuple[int, ...]:
        ds = parse_int_tuple(text, self.terms)
        if min(ds) < 1:
            raise ParseError("denominators must be positive integers")
        return ds

    def check(self, ds: tuple[int, ...]) -> tuple[float, str | None]:
        gap = self.target - sum(Fraction(1, d) for d in ds)
        score = 0.0 - math.log10(1 + abs(float(gap)) * self.b)
        if len(set(ds)) < len(ds):
            return score, "denominators must be distinct"
        if max(ds) > self.bound:
            return score, f"a denominator exceeds {self.bound}"
        return score, None if gap == 0 else f"{self.a}/{self.b} - sum = {gap}"

    @property
    def int64_safe(self) -> bool:
        t, bound = self.terms, self.bound
        return max(self.a * bound**t, self.b * t * bound ** (t - 1)) < INT64_LIMIT  # a P and b sum(P / d)

    def batch_residual(self, ds: np.ndarray) -> np.ndarray:
        """a/b - sum(1/d), times b P (P the product of the denominators): products, no division."""
        v = exact(ds, self.int64_safe)
        others = [np.prod(np.delete(v, j, axis=1), axis=1) for j in range(self.terms)]
        return self.a * np.prod(v, axis=1) - self.b * sum(others)

    def batch_valid(self, ds: np.ndarray) -> np.ndarray:
        fits = distinct_rows(ds) & (ds.max(axis=1) <= self.bound)
        return np.asarray(self.batch_residual(ds) == 0, dtype=bool) & fits

    def canonical(self, ds: tuple[int, ...]) -> str:
        return str(tuple(sorted(ds)))

    def trivial(self, ds: tuple[int, ...]) -> bool:
        return tuple(sorted(ds)) == self.greedy()

    def greedy(self) -> tuple[int, ...] | None:
        """The greedy expansion, if it has exactly `terms` terms."""
        rest, out = self.target, []
        while rest > 0 and len(out) <= self.terms:
            d = -(-rest.denominator // rest.numerator)
            out.append(d)
            rest -= Fraction(1, d)
        return tuple(out) if len(out) == self.terms else None

    @cached_property
    def _compact_limit(self) -> int:
        solutions = [self.parse(t) for t in self.solutions()]
        return self.interesting_max or min((max(s) for s in solutions), default=self.b)

    def interesting(self, ds: tuple[int, ...]) -> str | None:
        limit = self._compact_limit
        return f"largest denominator at most {limit}" if max(ds) <= limit else None

    def solutions(self) -> tuple[str, ...]:
        if (self.bound ** (self.terms - 1)) / math.factorial(self.terms - 1) > MAX_ENUMERATION:
            return ()
        found: list[tuple[int, ...]] = []

        def extend(prefix: tuple[int, ...], rest: Fraction, low: int) -> None:
            left = self.terms - len(prefix)
            if left == 1:
                if rest > 0 and rest.numerator == 1 and low <= rest.denominator <= self.bound:
                    found.append(prefix + (rest.denominator,))
                return
            for d in range(max(low, math.ceil(1 / rest) if rest > 0 else low), self.bound + 1):
                if Fraction(left, d) < rest:  # the remaining terms are all smaller than 1/d
                    break
                extend(prefix + (d,), rest - Fraction(1, d), d + 1)

        extend((), self.target, 2 if self.a < self.b else 1)
        return tuple(", ".join(map(str, s)) for s in found)


    def solution_points(self) -> tuple[tuple[tuple[int, ...], int], ...] | None:
        """The check is symmetric in the coordinates: every ordering of a solution is one."""
        if (self.bound ** (self.terms - 1)) / math.factorial(self.terms - 1) > MAX_ENUMERATION:
            return None  # as solutions(): too large to enumerate
        return symmetric_points([parse_int_tuple(text, self.space.arity) for text in self.solutions()], self.space)


def make(*, known_solutions=(), **params) -> EgyptianFraction:
    return EgyptianFraction(known_solutions=tuple(known_solutions), **params)
