"""Pell equations: non-negative integers x, y with x^2 - D y^2 = 1 (D not a square).

(1, 0) is trivial. Every solution is a power of the fundamental one, which the continued
fraction of sqrt(D) constructs at once, while uniform sampling needs luck proportional
to the box: D = 61 has x = 1766319049, out of reach of random volume.
`interesting` means a novel solution with x above `interesting_height`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from harness.core.batch import INT64_LIMIT, exact
from harness.core.parse import Limits, ParseError, parse_int_tuple
from harness.core.problem import Problem
from harness.core.space import IntBox


# Pell's answers can be long (D = 1381: x has 65 digits): two integers of this many digits
# still fit in the parser's 2,000 characters. Instances whose fundamental solution is longer
# are refused: no answer to them could be read.
MAX_DIGITS = 900
LIMITS = Limits(max_int_digits=MAX_DIGITS)


def fundamental_solution(d: int, max_digits: int | None = None) -> tuple[int, int]:
    """The smallest non-trivial solution, from the continued fraction of sqrt(d); a ValueError
    once x has more than `max_digits` digits (then the loop stops early, however large d)."""
    a0 = math.isqrt(d)
    m, q, a = 0, 1, a0
    h_prev, h = 1, a0
    k_prev, k = 0, 1
    too_long = 10**max_digits if max_digits is not None else None
    while h * h - d * k * k != 1:
        if too_long is not None and h >= too_long:
            raise ValueError(f"D={d}: its fundamental solution has more than {max_digits} digits, "
                             "more than an answer can have")
        m = q * a - m
        q = (d - m * m) // q
        a = (a0 + m) // q
        h_prev, h = h, a * h + h_prev
        k_prev, k = k, a * k + k_prev
    return h, k


@dataclass(frozen=True)
class Pell(Problem):
    family = "pell"
    d: int
    bound: int  # search box [0, bound]^2
    interesting_height: int = 10**6
    known_solutions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.d < 2 or math.isqrt(self.d) ** 2 == self.d:
            raise ValueError("D must be a positive non-square")
        fundamental_solution(self.d, MAX_DIGITS)

    @property
    def instance(self) -> str:
        return f"D={self.d},B={self.bound}"

    def statement_of(self, version: int) -> str:
        example = "3, 2" if version == 1 else self.example  # version 1's solves D = 2
        return (
            f"Find positive integers x, y with x**2 - {self.d}*y**2 = 1. "
            f"Answer with the two integers separated by a comma, e.g. `{example}`."
        )

    @cached_property
    def example(self) -> str:
        return self.format_example(f"{2 + i}, {3 + i}" for i in range(100))  # x <= y: never a solution

    @property
    def space(self) -> IntBox:
        return IntBox(2, 0, self.bound)

    def parse(self, text: str) -> tuple[int, int]:
        x, y = parse_int_tuple(text, 2, LIMITS)
        if x < 0 or y < 0:
            raise ParseError("x and y must be non-negative")
        return x, y

    def check(self, xy: tuple[int, int]) -> tuple[float, str | None]:
        x, y = xy
        residual = x * x - self.d * y * y - 1
        score = 0.0 - math.log10(1 + abs(residual))
        return score, None if residual == 0 else f"x^2 - {self.d}y^2 - 1 = {residual}"

    @property
    def int64_safe(self) -> bool:
        return (self.d + 1) * self.bound**2 + 1 < INT64_LIMIT  # x^2, D y^2 and the residual, over [0, B]^2

    def batch_residual(self, xy: np.ndarray) -> np.ndarray:
        v = exact(xy, self.int64_safe)
        return v[:, 0] * v[:, 0] - self.d * v[:, 1] * v[:, 1] - 1

    def batch_valid(self, xy: np.ndarray) -> np.ndarray:
        return np.asarray(self.batch_residual(xy) == 0, dtype=bool)

    def canonical(self, xy: tuple[int, int]) -> str:
        return str(xy)

    def trivial(self, xy: tuple[int, int]) -> bool:
        return xy == (1, 0)

    def interesting(self, xy: tuple[int, int]) -> str | None:
        return f"x > {self.interesting_height}" if xy[0] > self.interesting_height else None

    def construct(self) -> str:
        """The structured construction: the fundamental solution, as candidate text."""
        return "{}, {}".format(*fundamental_solution(self.d))

    def solutions(self) -> tuple[str, ...]:
        x1, y1 = fundamental_solution(self.d)
        found, (x, y) = ["1, 0"], (x1, y1)
        while x <= self.bound and y <= self.bound:
            found.append(f"{x}, {y}")
            x, y = x1 * x + self.d * y1 * y, x1 * y + y1 * x
        return tuple(found)


    def solution_points(self) -> tuple[tuple[tuple[int, ...], int], ...]:
        """Every solution with x, y <= bound (all come from the fundamental one), one ordering
        each: (y, x) is no solution when (x, y) is, as y < x."""
        return tuple((parse_int_tuple(text, 2), 1) for text in self.solutions())


def make(*, known_solutions=(), **params) -> Pell:
    return Pell(known_solutions=tuple(known_solutions), **params)
