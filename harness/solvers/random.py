"""The random solver: i.i.d. samples from the problem's own search space."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.problem import Problem
from harness.solvers.capabilities import RunsInSandbox
from harness.seeding import attempt_rng


@dataclass(frozen=True)
class RandomSolver(RunsInSandbox):
    name: ClassVar[str] = "random"

    def propose(self, problem: Problem, seed: int, start: int, stop: int) -> list[str]:
        space = problem.space
        return [space.sample(attempt_rng(seed, problem.id, i)) for i in range(start, stop)]
