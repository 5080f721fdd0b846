"""Taxicab numbers: positive a^3 + b^3 = c^3 + d^3 with {a, b} != {c, d}, all <= bound.

1729 = 1^3 + 12^3 = 9^3 + 10^3 is known. Multiples (k a, k b, k c, k d) of a solution are
solutions too; `interesting` means primitive (gcd 1) and novel.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from harness.core.batch import INT64_LIMIT, exact
from harness.core.parse import ParseError, parse_int_tuple
from harness.core.problem import Problem
from harness.core.space import IntBox


@dataclass(frozen=True)
class Taxicab(Problem):
    family = "taxicab"
    bound: int
    known_solutions: tuple[str, ...] = ("1, 12, 9, 10",)

    @property
    def instance(self) -> str:
        return f"B={self.bound}"

    def statement_of(self, version: int) -> str:
        example = "1, 12, 9, 10" if version == 1 else self.example  # version 1's is 1729, a solution
        return (
            "Find positive integers a, b, c, d with a**3 + b**3 = c**3 + d**3 where {a, b} and "
            f"{{c, d}} differ, all at most {self.bound}. Answer with a, b, c, d separated by "
            f"commas, e.g. `{example}`."
        )

    @cached_property
    def example(self) -> str:
        return self.format_example(f"{1 + i}, {2 + i}, {3 + i}, {4 + i}" for i in range(100))

    @property
    def space(self) -> IntBox:
        return IntBox(4, 1, self.bound)

    def parse(self, text: str) -> tuple[int, int, int, int]:
        abcd = parse_int_tuple(text, 4)
        if min(abcd) < 1:
            raise ParseError("a, b, c, d must be positive")
        return abcd

    def check(self, abcd: tuple[int, int, int, int]) -> tuple[float, str | None]:
        a, b, c, d = abcd
        residual = a**3 + b**3 - c**3 - d**3
        score = 0.0 - math.log10(1 + abs(residual))
        if sorted((a, b)) == sorted((c, d)):
            return score, "the two pairs are the same"
        if max(abcd) > self.bound:
            return score, f"a number exceeds {self.bound}"
        return score, None if residual == 0 else f"a^3 + b^3 - c^3 - d^3 = {residual}"

    @property
    def int64_safe(self) -> bool:
        return 2 * self.bound**3 < INT64_LIMIT  # a^3 + b^3 and the residual, over [1, B]^4

    def batch_residual(self, abcd: np.ndarray) -> np.ndarray:
        v = exact(abcd, self.int64_safe)
        return v[:, 0] ** 3 + v[:, 1] ** 3 - v[:, 2] ** 3 - v[:, 3] ** 3

    def batch_valid(self, abcd: np.ndarray) -> np.ndarray:
        a, b, c, d = abcd.T
        same = ((a == c) & (b == d)) | ((a == d) & (b == c))
        return np.asarray(self.batch_residual(abcd) == 0, dtype=bool) & ~same & (abcd.max(axis=1) <= self.bound)

    def canonical(self, abcd: tuple[int, int, int, int]) -> str:
        a, b, c, d = abcd
        return str(tuple(sorted((tuple(sorted((a, b))), tuple(sorted((c, d)))))))

    def interesting(self, abcd: tuple[int, int, int, int]) -> str | None:
        return "primitive" if math.gcd(*abcd) == 1 else None

    def solutions(self) -> tuple[str, ...]:
        sums = defaultdict(list)
        for a in range(1, self.bound + 1):
            for b in range(a, self.bound + 1):
                sums[a**3 + b**3].append((a, b))
        return tuple(
            f"{p[0]}, {p[1]}, {q[0]}, {q[1]}"
            for pairs in sums.values() for i, p in enumerate(pairs) for q in pairs[i + 1:]
        )


    def solution_points(self) -> tuple[tuple[tuple[int, ...], int], ...]:
        """Each solution (a, b, c, d) with a <= b, c <= d, (a, b) < (c, d), and the count of its
        orderings that are solutions: either pair first, each pair either way round."""
        points = []
        for text in self.solutions():
            a, b, c, d = parse_int_tuple(text, 4)
            points.append(((a, b, c, d), 2 * (2 if a != b else 1) * (2 if c != d else 1)))
        return tuple(points)


def make(*, known_solutions=("1, 12, 9, 10",), **params) -> Taxicab:
    return Taxicab(known_solutions=tuple(known_solutions), **params)
