"""Golomb rulers: `marks` integers whose pairwise differences are all distinct, length <= bound.

A ruler and its shift or mirror image are one discovery. `interesting` means optimal: the
length equals the best known (proved optimal) length for that many marks. The score is
minus the number of repeated differences, so search can climb towards validity.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from harness.core.batch import INT64_LIMIT, distinct_rows
from harness.core.parse import parse_int_tuple
from harness.core.problem import Problem
from harness.core.space import IntBox

OPTIMAL_LENGTH = {2: 1, 3: 3, 4: 6, 5: 11, 6: 17, 7: 25, 8: 34, 9: 44, 10: 55, 11: 72, 12: 85, 13: 106}
MAX_ENUMERATION = 2_000_000


@dataclass(frozen=True)
class GolombRuler(Problem):
    family = "golomb"
    marks: int
    bound: int  # longest length allowed
    known_solutions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.marks not in OPTIMAL_LENGTH or self.bound < OPTIMAL_LENGTH[self.marks]:
            raise ValueError("marks must be in 2..13 and bound at least the optimal length")

    @property
    def instance(self) -> str:
        return f"m={self.marks},L={self.bound}"

    def statement_of(self, version: int) -> str:
        example = "0, 1, 4, 6" if version == 1 else self.example  # version 1's is the optimal 4-mark ruler
        return (
            f"Find {self.marks} distinct integers in [0, {self.bound}] whose pairwise differences "
            f"are all distinct (a Golomb ruler). Answer with the {self.marks} integers separated by "
            f"commas, e.g. `{example}`."
        )

    @cached_property
    def example(self) -> str:
        """`marks` integers in arithmetic progression (differences repeat from 3 marks on); for 2
        marks, a pair too far apart."""
        progressions = (", ".join(str(step * j) for j in range(self.marks)) for step in range(1, 50))
        return self.format_example(itertools.chain(progressions, [f"0, {self.bound + 1}"]))

    @property
    def space(self) -> IntBox:
        return IntBox(self.marks, 0, self.bound)

    def parse(self, text: str) -> tuple[int, ...]:
        return parse_int_tuple(text, self.marks)

    def check(self, marks: tuple[int, ...]) -> tuple[float, str | None]:
        ordered = sorted(marks)
        differences = [b - a for a, b in itertools.combinations(ordered, 2)]
        repeats = len(differences) - len(set(differences))
        score = 0.0 - repeats
        if ordered[-1] - ordered[0] > self.bound:
            return score - 1, f"length {ordered[-1] - ordered[0]} exceeds {self.bound}"
        if len(set(ordered)) < len(ordered):
            return score, "marks must be distinct"
        return score, None if repeats == 0 else f"{repeats} differences repeat"

    @property
    def int64_safe(self) -> bool:
        return 2 * self.bound < INT64_LIMIT  # marks and their differences, over [0, B]^m

    def batch_valid(self, marks: np.ndarray) -> np.ndarray:
        ordered = np.sort(marks, axis=1)
        i, j = np.triu_indices(self.marks, k=1)
        differences = ordered[:, j] - ordered[:, i]
        fits = ordered[:, -1] - ordered[:, 0] <= self.bound
        return fits & distinct_rows(ordered) & distinct_rows(differences)

    def canonical(self, marks: tuple[int, ...]) -> str:
        ordered = sorted(marks)
        shifted = tuple(m - ordered[0] for m in ordered)
        mirrored = tuple(sorted(shifted[-1] - m for m in shifted))
        return str(min(shifted, mirrored))

    def interesting(self, marks: tuple[int, ...]) -> str | None:
        length = max(marks) - min(marks)
        return f"optimal length {length}" if length == OPTIMAL_LENGTH[self.marks] else None

    def solutions(self) -> tuple[str, ...]:
        found: dict[str, tuple[int, ...]] = {}
        for ruler in self._rulers_from_zero():
            found.setdefault(self.canonical(ruler), ruler)
        return tuple(", ".join(map(str, ruler)) for _, ruler in sorted(found.items()))

    def solution_points(self) -> tuple[tuple[tuple[int, ...], int], ...] | None:
        """Every ruler of the box: each ruler from 0 shifted to every start that keeps it
        within [0, bound]; its marks are distinct and the check sorts them, so each has
        marks! orderings."""
        if self._too_many():
            return None
        orderings = math.factorial(self.marks)
        return tuple((tuple(m + shift for m in ruler), orderings) for ruler in self._rulers_from_zero()
                     for shift in range(self.bound - ruler[-1] + 1))

    def _too_many(self) -> bool:
        return math.comb(self.bound, self.marks - 2) > MAX_ENUMERATION

    def _rulers_from_zero(self) -> list[tuple[int, ...]]:
        """Every ruler whose first mark is 0 and last at most bound, marks ascending (both of a
        mirrored pair); none when there are too many to enumerate."""
        if self._too_many():
            return []
        rulers: list[tuple[int, ...]] = []

        def extend(ruler: list[int], differences: set[int]) -> None:
            if len(ruler) == self.marks:
                rulers.append(tuple(ruler))
                return
            for mark in range(ruler[-1] + 1, self.bound + 1):
                new = {mark - m for m in ruler}
                if len(new) == len(ruler) and not new & differences:
                    extend(ruler + [mark], differences | new)

        extend([0], set())
        return rulers


def make(*, known_solutions=(), **params) -> GolombRuler:
    return GolombRuler(known_solutions=tuple(known_solutions), **params)
