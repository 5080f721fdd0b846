"""Sums of three cubes: integers x, y, z with x^3 + y^3 + z^3 = k.

Trivial solutions contain a pair (a, -a); `interesting` means a novel solution whose
largest |coordinate| exceeds `interesting_height` (the famous cases are enormous).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from harness.core.batch import INT64_LIMIT, exact, symmetric_points
from harness.core.parse import parse_int_tuple
from harness.core.problem import Problem
from harness.core.space import IntBox


MAX_ENUMERATED_BOUND = 2_000


@dataclass(frozen=True)
class ThreeCubes(Problem):
    family = "three_cubes"
    k: int
    bound: int  # search box [-bound, bound]^3
    known_solutions: tuple[str, ...] = ()
    interesting_height: int = 10

    @property
    def instance(self) -> str:
        return f"k={self.k},B={self.bound}"

    def statement_of(self, version: int) -> str:
        example = "1, -2, 3" if version == 1 else self.example  # version 1's solves k = 20
        return (
            f"Find integers x, y, z with x**3 + y**3 + z**3 = {self.k}. "
            f"Answer with the three integers separated by commas, e.g. `{example}`."
        )

    @cached_property
    def example(self) -> str:
        return self.format_example(f"1, -2, {3 + i}" for i in range(100))

    @property
    def space(self) -> IntBox:
        return IntBox(3, -self.bound, self.bound)

    def parse(self, text: str) -> tuple[int, int, int]:
        return parse_int_tuple(text, 3)

    def check(self, xyz: tuple[int, int, int]) -> tuple[float, str | None]:
        residual = sum(v**3 for v in xyz) - self.k
        score = 0.0 - math.log10(1 + abs(residual))
        return score, None if residual == 0 else f"x^3+y^3+z^3 - {self.k} = {residual}"

    @property
    def int64_safe(self) -> bool:
        return 3 * self.bound**3 + abs(self.k) < INT64_LIMIT  # bounds every partial sum and the residual

    def batch_residual(self, xyz: np.ndarray) -> np.ndarray:
        v = exact(xyz, self.int64_safe)
        return v[:, 0] ** 3 + v[:, 1] ** 3 + v[:, 2] ** 3 - self.k

    def batch_valid(self, xyz: np.ndarray) -> np.ndarray:
        return np.asarray(self.batch_residual(xyz) == 0, dtype=bool)

    def canonical(self, xyz: tuple[int, int, int]) -> str:
        return str(tuple(sorted(xyz)))

    def trivial(self, xyz: tuple[int, int, int]) -> bool:
        x, y, z = xyz
        return x == -y or y == -z or x == -z  # two cubes cancel, the third is k itself

    def interesting(self, xyz: tuple[int, int, int]) -> str | None:
        height = max(map(abs, xyz))
        return f"height {height} > {self.interesting_height}" if height > self.interesting_height else None

    def construct(self, t: int) -> str:
        """A structured construction: the polynomial families for k = 1 and k = 2."""
        if self.k == 1:
            return f"{9 * t**4}, {3 * t - 9 * t**4}, {1 - 9 * t**3}"
        if self.k == 2:
            return f"{1 + 6 * t**3}, {1 - 6 * t**3}, {-6 * t**2}"
        raise ValueError(f"no polynomial family is known for k = {self.k}")

    def solutions(self) -> tuple[str, ...]:
        if self.bound > MAX_ENUMERATED_BOUND:
            return ()  # O(bound^2): too large to enumerate
        found = set()
        for x in range(-self.bound, self.bound + 1):
            for y in range(x, self.bound + 1):
                rest = self.k - x**3 - y**3
                z = round(math.copysign(abs(rest) ** (1 / 3), rest))
                if y <= z <= self.bound and x**3 + y**3 + z**3 == self.k:
                    found.add((x, y, z))
        return tuple(", ".join(map(str, s)) for s in sorted(found))


    def solution_points(self) -> tuple[tuple[tuple[int, ...], int], ...] | None:
        """The check is symmetric in the coordinates: every ordering of a solution is one."""
        if self.bound > MAX_ENUMERATED_BOUND:
            return None  # as solutions(): too large to enumerate
        return symmetric_points([parse_int_tuple(text, self.space.arity) for text in self.solutions()], self.space)


def make(*, known_solutions=(), **params) -> ThreeCubes:
    return ThreeCubes(known_solutions=tuple(known_solutions), **params)
