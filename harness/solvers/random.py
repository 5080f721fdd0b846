"""The random solver: i.i.d. samples from the problem's own search space.

Where the problem is batch-capable (harness.core.batch: an int64 box or a bit string, and a vectorised check), the
candidate of attempt i is the row i of the counter-based sampler, so the sandbox can check
many at once and any attempt can be regenerated alone; elsewhere it is the space's own
sample from a per-attempt generator. Both depend on (seed, problem, i) only.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

import numpy as np

from harness.core import batch
from harness.core.problem import Problem
from harness.core.seeding import attempt_rng
from harness.core.space import BitString, IntBox
from harness.solvers.capabilities import RunsInSandbox


@dataclass(frozen=True)
class Uniform:
    """One coordinate's law: every integer lo..hi equally likely."""

    lo: int
    hi: int

    def probability(self, value: int) -> Fraction:
        return Fraction(1, self.hi - self.lo + 1) if self.lo <= value <= self.hi else Fraction(0)


@dataclass(frozen=True)
class RandomSolver(RunsInSandbox):
    name: ClassVar[str] = "random"

    def law(self, space) -> Uniform | None:
        """The law each coordinate of a candidate is drawn from: uniform over an integer box's
        range (the batch sampler's modulo bias, below span / 2^64, aside) or over a bit string's
        {0, 1}; None on other spaces."""
        if isinstance(space, IntBox):
            return Uniform(space.lo, space.hi)
        return Uniform(0, 1) if isinstance(space, BitString) else None

    def propose(self, problem: Problem, seed: int, start: int, stop: int) -> list[str]:
        if batch.batch_capable(problem):
            return batch.texts(self.values(problem, seed, start, stop), problem.space)
        space = problem.space
        return [space.sample(attempt_rng(seed, problem.id, i)) for i in range(start, stop)]

    def values(self, problem: Problem, seed: int, start: int, stop: int) -> np.ndarray:
        return batch.sample(problem.space, seed, problem.id, start, stop)
