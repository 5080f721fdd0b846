"""The random solver: i.i.d. samples from the problem's own search space.

Where the problem is batch-capable (harness.batch: an int64 box and a vectorised check), the
candidate of attempt i is the row i of the counter-based sampler, so the sandbox can check
many at once and any attempt can be regenerated alone; elsewhere it is the space's own
sample from a per-attempt generator. Both depend on (seed, problem, i) only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from harness import batch
from harness.problem import Problem
from harness.solvers.capabilities import RunsInSandbox
from harness.seeding import attempt_rng


@dataclass(frozen=True)
class RandomSolver(RunsInSandbox):
    name: ClassVar[str] = "random"

    def propose(self, problem: Problem, seed: int, start: int, stop: int) -> list[str]:
        if batch.batch_capable(problem):
            return batch.texts(self.values(problem, seed, start, stop))
        space = problem.space
        return [space.sample(attempt_rng(seed, problem.id, i)) for i in range(start, stop)]

    def values(self, problem: Problem, seed: int, start: int, stop: int) -> np.ndarray:
        return batch.sample(problem.space, seed, problem.id, start, stop)
