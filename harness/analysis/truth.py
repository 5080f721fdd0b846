"""Exact truth: the true yield curve of a solver whose odds are known, on a problem whose
solutions in the solver's reach can be enumerated. What every estimate is scored against.

For each canonical discovery c, p_c is the chance that one attempt proposes it: the sum of the
odds of the candidates that are c. Then, after m i.i.d. attempts (seeds pooled are more i.i.d.
attempts), E[S(m)] = sum_c 1 - (1 - p_c)^m per tier (discoveries reaching it), a problem is
solved with probability 1 - (1 - P)^m, P = sum_c p_c, and the next discovery costs
1 / sum_c p_c (1 - p_c)^m attempts in expectation.

Where the odds come from:
- solvers that draw each coordinate from one known law (`IndependentCoordinates`: random,
  heavy_tailed) on an integer box whose family enumerates its solution points
  (`Problem.solution_points`): a point's odds are the product of its coordinates', the same for
  each of its orderings; or on a bit string short enough to enumerate (ramsey n=5);
- the synthetic solver: its Zipf odds over the problem's enumerated solutions.
Every solution point is verified by the family's scalar verifier here (its tier and canonical
form); one the verifier does not call a solution is an error in the family, raised.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from harness.core.problem import Problem
from harness.core.space import BitString, IntBox
from harness.solvers.capabilities import IndependentCoordinates
from harness.solvers.synthetic import SyntheticSolver

RANK = {"valid": 1, "novel": 2, "interesting": 3}
MAX_BITS = 16  # bit strings up to this length are enumerated whole (65,536 verifications)


@dataclass(frozen=True)
class Truth:
    """The true odds per attempt of every discovery of one problem in one solver's reach."""

    problem_id: str
    canonical: tuple[str, ...]
    odds: np.ndarray  # chance that one attempt is each discovery
    rank: np.ndarray  # its tier: 1 valid, 2 novel, 3 interesting
    points: int  # solution points verified to build it

    def of(self, tier: str) -> np.ndarray:
        return self.odds[self.rank >= RANK[tier]]

    def total(self, tier: str) -> int:
        """Discoveries reaching `tier` in reach: what unlimited volume finds."""
        return int((self.rank >= RANK[tier]).sum())

    def expected(self, tier: str, m) -> np.ndarray:
        """E[distinct discoveries reaching `tier` after m attempts]."""
        return found_chance(self.of(tier), m).sum(axis=0)

    @property
    def solve_odds(self) -> float:
        return float(self.odds.sum())

    def solved(self, m) -> np.ndarray:
        """The chance that m attempts solve the problem (find any solution)."""
        return found_chance(np.array([self.solve_odds]), m)[0]

    def per_discovery(self, tier: str, m: int) -> float:
        """Expected attempts per new discovery after m attempts: 1 / dE[S]/dm."""
        p = self.of(tier)
        rate = float(np.sum(p * np.exp(m * np.log1p(-np.minimum(p, 1 - 1e-16)))))
        return math.inf if rate == 0 else 1.0 / rate


def found_chance(p: np.ndarray, m) -> np.ndarray:
    """1 - (1 - p)^m for each p (rows) and m (columns), exact for tiny p (log1p, expm1)."""
    p = np.asarray(p, dtype=float)[:, None]
    m = np.asarray(m, dtype=float)[None, :] if np.ndim(m) else np.array([[float(m)]])
    with np.errstate(divide="ignore"):
        return -np.expm1(m * np.log1p(-p))


def truth(solver, problem: Problem) -> Truth | None:
    """The exact truth of `solver` on `problem`, or None where its odds or the problem's
    solutions in its reach are not known."""
    if not isinstance(solver, (SyntheticSolver, IndependentCoordinates)):
        return None  # (a model's solver need not even be hashable)
    return _truth(solver, problem)


@lru_cache(maxsize=512)
def _truth(solver, problem: Problem) -> Truth | None:
    """`truth`, cached: the solvers of known odds and the problems are frozen dataclasses."""
    if isinstance(solver, SyntheticSolver):
        texts = problem.solutions()
        return _grouped(problem, zip(texts, solver.probabilities(problem).tolist())) if texts else None
    if not isinstance(solver, IndependentCoordinates):
        return None
    space = problem.space
    law = solver.law(space)
    if law is None:
        return None
    if isinstance(space, IntBox):
        points = problem.solution_points()
        if points is None:
            return None
        return _grouped(problem, ((", ".join(map(str, point)) if space.arity > 1 else str(point[0]),
                                  orderings * math.prod((law.probability(v) for v in point), start=Fraction(1)))
                                 for point, orderings in points))
    if isinstance(space, BitString) and space.length <= MAX_BITS:
        bits = [law.probability(0), law.probability(1)]
        return _grouped(problem, (("".join(word), math.prod(bits[int(b)] for b in word))
                                  for word in itertools.product("01", repeat=space.length)), solutions_only=False)
    return None


def _grouped(problem: Problem, candidates, solutions_only: bool = True) -> Truth:
    """Sum the odds of candidates that are one discovery. `solutions_only`: every candidate was
    enumerated as a solution, and the verifier must agree."""
    odds: dict[str, list] = {}
    points = 0
    for text, chance in candidates:
        verdict = problem.verify(text)
        points += 1
        if not verdict.tier.rank:
            if solutions_only:
                raise ValueError(f"{problem.id}: enumerated solution {text!r} is {verdict.tier.value} "
                                 f"({verdict.reason})")
            continue
        entry = odds.setdefault(verdict.canonical, [0, verdict.tier.rank])
        entry[0] += chance
        if entry[1] != verdict.tier.rank:
            raise ValueError(f"{problem.id}: discovery {verdict.canonical} has points of two tiers")
    keys = sorted(odds)
    return Truth(problem.id, tuple(keys), np.array([float(odds[k][0]) for k in keys]),
                 np.array([odds[k][1] for k in keys], dtype=np.int64), points)


def expected_total(truths: list[Truth], tier: str, m) -> np.ndarray:
    """E[distinct discoveries] of several problems together after m attempts on each."""
    return np.sum([t.expected(tier, m) for t in truths], axis=0)


def solved_share(truths: list[Truth], m) -> np.ndarray:
    """The expected share of the problems solved after m attempts on each."""
    return np.mean([t.solved(m) for t in truths], axis=0)


def main(argv: list[str] | None = None) -> None:
    """`python -m harness.analysis.truth [BANK]`: which instances of a bank have a truth, as Markdown."""
    import sys
    import time

    from harness.bank.banks import bank_from_config_name
    from harness.solvers import HeavyTailedSolver, RandomSolver

    def num(x: float) -> str:  # three significant figures (analysis does not import the report's helpers)
        return f"{x:.3g}"

    name = (argv if argv is not None else sys.argv[1:] or ["default"])[0]
    print("| problem | solution points | discoveries in reach: valid / novel / interesting | random: P(solve) per "
          "attempt | heavy_tailed: P(solve) | heavy_tailed: rarest discovery's odds | seconds (both) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    without = []
    for problem in bank_from_config_name(name):
        began = time.perf_counter()
        uniform, heavy = truth(RandomSolver(), problem), truth(HeavyTailedSolver(), problem)
        if uniform is None:
            without.append(problem.id)
            continue
        print(f"| {problem.id} | {uniform.points:,} | {uniform.total('valid'):,} / {uniform.total('novel'):,} / "
              f"{uniform.total('interesting'):,} | {num(uniform.solve_odds)} | "
              f"{num(heavy.solve_odds) if heavy else '-'} | "
              f"{num(heavy.odds.min()) if heavy is not None and len(heavy.odds) else '-'} | "
              f"{time.perf_counter() - began:.1f} |")
    print(f"\nNo truth: {', '.join(without) or 'none'}")


if __name__ == "__main__":
    main()
