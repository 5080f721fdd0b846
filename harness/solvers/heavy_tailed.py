"""The heavy-tailed solver: small numbers far likelier than large ones, with every odds known.

A model tends to propose small numbers; the random solver gives every point of the box the
same odds. This solver draws each coordinate of an integer box independently from one law,
`LogBuckets`: around c, the value of the range nearest 0, the magnitude classes {c}, then
c + [2^(b-1), 2^b - 1] and c - [2^(b-1), 2^b - 1] for b = 1, 2, ..., each clipped to the range;
every non-empty class is equally likely and a value is uniform within its class. So
P(v) = 1 / (classes x |class of v|), about 1 / (classes x |v - c|): a discretised log-uniform
(Zipf exponent 1) law, whose odds over [-B, B] span a factor of about B. A candidate's odds are
the product of its coordinates': the exact truth (harness.analysis.truth) reads them there.

Like the random solver it is counter-based: attempt i reads two Philox words per coordinate,
keyed by (seed, problem) under this solver's own name, so it depends on (seed, problem, i)
only, and runs on the batch path where the problem checks in batches. On a problem whose
space is not an int64 box it samples the space as the random solver does (odds unknown there).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import ClassVar

import numpy as np

from harness.core import batch
from harness.core.problem import Problem
from harness.core.space import IntBox
from harness.solvers.capabilities import RunsInSandbox
from harness.solvers.random import RandomSolver


@dataclass(frozen=True)
class LogBuckets:
    """One coordinate's law over the integers lo..hi (see the module's docstring)."""

    lo: int
    hi: int

    @property
    def centre(self) -> int:
        return min(max(0, self.lo), self.hi)

    @cached_property
    def classes(self) -> tuple[tuple[int, int], ...]:
        """(first value, size) of each non-empty class, {c} first, then outwards by magnitude."""
        c, out = self.centre, [(self.centre, 1)]
        for b in range(1, max(c - self.lo, self.hi - c).bit_length() + 1):
            near, far = 1 << (b - 1), (1 << b) - 1
            if c + near <= self.hi:
                out.append((c + near, min(c + far, self.hi) - (c + near) + 1))
            if c - near >= self.lo:
                first = max(c - far, self.lo)
                out.append((first, c - near - first + 1))
        return tuple(out)

    def probability(self, value: int) -> Fraction:
        """The exact chance that one draw is `value` (0 outside the range)."""
        if not self.lo <= value <= self.hi:
            return Fraction(0)
        distance = abs(value - self.centre)
        near, far = (1 << (distance.bit_length() - 1), (1 << distance.bit_length()) - 1) if distance else (0, 0)
        first, last = ((self.centre + near, self.centre + far) if value >= self.centre
                       else (self.centre - far, self.centre - near))
        size = min(last, self.hi) - max(first, self.lo) + 1
        return Fraction(1, len(self.classes) * size)

    def draw(self, class_words: np.ndarray, offset_words: np.ndarray) -> np.ndarray:
        """Values from pairs of uniform 64-bit words (modulo bias below classes / 2^64 and
        size / 2^64, as the random solver's)."""
        firsts = np.array([f for f, _ in self.classes], dtype=np.int64)
        sizes = np.array([s for _, s in self.classes], dtype=np.uint64)
        chosen = (class_words % np.uint64(len(self.classes))).astype(np.intp)
        return firsts[chosen] + (offset_words % sizes[chosen]).astype(np.int64)


@dataclass(frozen=True)
class HeavyTailedSolver(RunsInSandbox):
    name: ClassVar[str] = "heavy_tailed"

    def law(self, space) -> LogBuckets | None:
        """The law each coordinate of a candidate is drawn from, on an int64 box; None elsewhere,
        where this solver samples as the random one does."""
        ok = isinstance(space, IntBox) and -batch.INT64_LIMIT <= space.lo and space.hi < batch.INT64_LIMIT
        return LogBuckets(space.lo, space.hi) if ok else None

    def propose(self, problem: Problem, seed: int, start: int, stop: int) -> list[str]:
        if self.law(problem.space) is not None:
            return batch.texts(self.values(problem, seed, start, stop))
        return RandomSolver().propose(problem, seed, start, stop)

    def values(self, problem: Problem, seed: int, start: int, stop: int) -> np.ndarray:
        box = problem.space
        law = self.law(box)
        if law is None:
            return RandomSolver().values(problem, seed, start, stop)
        words = batch.raw_words(batch.philox_key(seed, f"{self.name}/{problem.id}"), 2 * box.arity, start, stop)
        return law.draw(words[:, 0::2], words[:, 1::2])
