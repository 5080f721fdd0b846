"""Erdős–Straus: positive integers x, y, z with 4/n = 1/x + 1/y + 1/z.

`interesting` means a novel solution with pairwise distinct denominators, the largest at
most `interesting_max` (default n^2 // 2): a compact decomposition. (For prime n one
denominator is always a multiple of n, so that cannot serve as the criterion.)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from harness.core.batch import INT64_LIMIT, exact, symmetric_points
from harness.core.parse import ParseError, parse_int_tuple
from harness.core.problem import Problem
from harness.core.space import IntBox


@dataclass(frozen=True)
class ErdosStraus(Problem):
    family = "erdos_straus"
    n: int
    bound: int  # denominators searched in [1, bound]
    known_solutions: tuple[str, ...] = ()
    interesting_max: int = 0  # 0: n * n // 2

    def __post_init__(self) -> None:
        if self.n < 2:
            raise ValueError("n must be at least 2")

    @property
    def instance(self) -> str:
        return f"n={self.n},B={self.bound}"

    def statement_of(self, version: int) -> str:
        example = "2, 3, 7" if version == 1 else self.example
        return (
            f"Find positive integers x, y, z with 4/{self.n} = 1/x + 1/y + 1/z. "
            f"Answer with the three integers separated by commas, e.g. `{example}`."
        )

    @cached_property
    def example(self) -> str:
        return self.format_example(f"2, 3, {7 + i}" for i in range(100))  # 41/42 is no 4/n

    @property
    def space(self) -> IntBox:
        return IntBox(3, 1, self.bound)

    def parse(self, text: str) -> tuple[int, int, int]:
        xyz = parse_int_tuple(text, 3)
        if min(xyz) < 1:
            raise ParseError("denominators must be positive integers")
        return xyz

    def check(self, xyz: tuple[int, int, int]) -> tuple[float, str | None]:
        residual = Fraction(4, self.n) - sum(Fraction(1, v) for v in xyz)  # exact rationals
        score = 0.0 - math.log10(1 + abs(float(residual)) * self.n)
        return score, None if residual == 0 else f"4/{self.n} - (1/x + 1/y + 1/z) = {residual}"

    @property
    def int64_safe(self) -> bool:
        return max(4 * self.bound**3, 3 * self.n * self.bound**2) < INT64_LIMIT  # 4xyz and n(xy + yz + zx)

    def batch_residual(self, xyz: np.ndarray) -> np.ndarray:
        """4/n - (1/x + 1/y + 1/z), times n x y z: zero exactly when the check passes."""
        x, y, z = exact(xyz, self.int64_safe).T
        return 4 * x * y * z - self.n * (x * y + y * z + z * x)

    def batch_valid(self, xyz: np.ndarray) -> np.ndarray:
        return np.asarray(self.batch_residual(xyz) == 0, dtype=bool)

    def canonical(self, xyz: tuple[int, int, int]) -> str:
        return str(tuple(sorted(xyz)))

    def interesting(self, xyz: tuple[int, int, int]) -> str | None:
        limit = self.interesting_max or self.n * self.n // 2
        if len(set(xyz)) == 3 and max(xyz) <= limit:
            return f"distinct denominators, the largest at most {limit}"
        return None

    def solutions(self) -> tuple[str, ...]:
        found = []
        n = self.n
        for x in range(n // 4 + 1, self.bound + 1):
            for y in range(x, self.bound + 1):
                # 1/z = 4/n - 1/x - 1/y = (4xy - n(x + y)) / (nxy), in exact integers
                num, den = 4 * x * y - n * (x + y), n * x * y
                if num > 0 and den % num == 0 and y <= den // num <= self.bound:
                    found.append(f"{x}, {y}, {den // num}")
        return tuple(found)


    def solution_points(self) -> tuple[tuple[tuple[int, ...], int], ...] | None:
        """The check is symmetric in the coordinates: every ordering of a solution is one."""
        return symmetric_points([parse_int_tuple(text, 3) for text in self.solutions()], self.space)


def make(*, known_solutions=(), **params) -> ErdosStraus:
    return ErdosStraus(known_solutions=tuple(known_solutions), **params)
