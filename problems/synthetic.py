"""Synthetic urn: K labelled solutions 0..K-1, a candidate is one integer label.

A calibration family with a known solution set: labels below `known_count` are known
solutions, the last `interesting` labels are interesting. With the `synthetic` solver
(Zipf over the labels) the true expected yield curve is known in closed form.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from harness.core.parse import parse_int_tuple
from harness.core.problem import Problem
from harness.core.space import IntBox


@dataclass(frozen=True)
class SyntheticUrn(Problem):
    family = "synthetic"
    size: int  # K, the number of distinct solutions
    known_count: int = 0  # labels 0..known_count-1 are known solutions
    interesting_tail: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.known_count <= self.size or not 0 <= self.interesting_tail <= self.size:
            raise ValueError("known and interesting_tail must lie in [0, size]")

    @property
    def instance(self) -> str:
        return f"K={self.size}"

    @property
    def known_solutions(self) -> tuple[str, ...]:
        return tuple(map(str, range(self.known_count)))

    def statement_of(self, version: int) -> str:
        example = "7" if version == 1 else self.example  # version 1's is a label when size > 7
        return f"Name an integer label in [0, {self.size}). Answer with the integer alone, e.g. `{example}`."

    @cached_property
    def example(self) -> str:
        return self.format_example(str(self.size + i) for i in range(100))

    @property
    def space(self) -> IntBox:
        return IntBox(1, 0, 2 * self.size - 1)  # half the space are solutions

    def parse(self, text: str) -> int:
        return parse_int_tuple(text, 1)[0]

    def check(self, label: int) -> tuple[float, str | None]:
        return (0.0, None) if 0 <= label < self.size else (-1.0, f"label {label} is not in [0, {self.size})")

    def canonical(self, label: int) -> str:
        return str(label)

    def interesting(self, label: int) -> str | None:
        return "in the rare tail" if label >= self.size - self.interesting_tail else None

    def solutions(self) -> tuple[str, ...]:
        return tuple(map(str, range(self.size)))


def make(**params) -> SyntheticUrn:
    return SyntheticUrn(**params)
