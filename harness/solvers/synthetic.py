"""The synthetic solver: a known discovery distribution, so the true yield curve is known.

Each attempt hits with probability `hit_rate`; a hit names solution j of the problem's
ground truth (`Problem.solutions()`, in its order) with Zipf probability proportional to
(j + 1) ** -zipf_exponent. A miss answers nothing (an empty candidate, tier malformed).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from harness.core.problem import Problem
from harness.core.seeding import attempt_rng
from harness.solvers.capabilities import RunsInSandbox


@dataclass(frozen=True)
class SyntheticSolver(RunsInSandbox):
    name: ClassVar[str] = "synthetic"
    hit_rate: float = 0.1
    zipf_exponent: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.hit_rate <= 1.0:
            raise ValueError(f"hit_rate must lie in [0, 1], got {self.hit_rate}")

    def probabilities(self, problem: Problem) -> np.ndarray:
        """Probability that one attempt names each ground-truth solution."""
        weights = _zipf_weights(len(_ground_truth(problem)), self.zipf_exponent)
        return self.hit_rate * weights

    def expected_discoveries(self, problem: Problem, attempts: np.ndarray) -> np.ndarray:
        """The true expected number of distinct discoveries after each number of attempts."""
        p = self.probabilities(problem)[:, None]
        return (1.0 - (1.0 - p) ** np.asarray(attempts, dtype=float)[None, :]).sum(axis=0)

    def propose(self, problem: Problem, seed: int, start: int, stop: int) -> list[str]:
        truth = _ground_truth(problem)
        cumulative = np.cumsum(_zipf_weights(len(truth), self.zipf_exponent))
        candidates = []
        for i in range(start, stop):
            rng = attempt_rng(seed, problem.id, i)
            hit, draw = rng.random() < self.hit_rate, rng.random()
            index = min(int(np.searchsorted(cumulative, draw, side="right")), len(truth) - 1)
            candidates.append(truth[index] if hit else "")
        return candidates


@lru_cache(maxsize=256)
def _ground_truth(problem: Problem) -> tuple[str, ...]:
    truth = problem.solutions()
    if not truth:
        raise ValueError(f"the synthetic solver needs enumerated solutions; {problem.id} has none")
    return truth


@lru_cache(maxsize=256)
def _zipf_weights(size: int, exponent: float) -> np.ndarray:
    weights = np.arange(1, size + 1, dtype=float) ** -exponent
    return weights / weights.sum()

