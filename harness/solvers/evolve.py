"""The `evolve` solver: an adaptive, FunSearch-style search with no LLM.

Each problem gets a few islands, each a small database of the best-scoring distinct
candidates seen so far (by the verifier's graded score; solutions score highest). Every
attempt picks its island round-robin and then either samples the search space afresh
(`explore`), recombines two parents, or mutates one, parents chosen by tournament.
Proposals are verified a generation at a time and the islands updated from the verdicts.
A discovery already made earns nothing when found again, and an island that has not
improved for `patience` generations restarts empty, so the search keeps moving on.

It learns from earlier verdicts, so it is not exchangeable: its yield curve is the actual
accumulation in attempt order, averaged over seeds. All attempts of one problem run in one
call, in order; the candidates depend on (seed, problem) and the verdicts only.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Sequence

from harness.problem import Problem, Verdict
from harness.sandbox import Checked
from harness.seeding import attempt_rng


@dataclass
class Island:
    capacity: int
    members: dict[str, tuple[float, str]] = field(default_factory=dict)  # key -> (score, text)
    idle: int = 0  # generations without improvement

    @property
    def best(self) -> float:
        return max((score for score, _ in self.members.values()), default=float("-inf"))

    def offer(self, key: str, score: float, text: str) -> bool:
        """Keep the candidate if it is new and among the best; True if it raised the best."""
        if key in self.members:
            return False
        improved = score > self.best
        if len(self.members) >= self.capacity:
            worst = min(self.members, key=lambda k: self.members[k][0])
            if self.members[worst][0] >= score:
                return False
            del self.members[worst]
        self.members[key] = (score, text)
        return improved

    def parent(self, rng: random.Random) -> str:
        a, b = rng.choices(list(self.members.values()), k=2)
        return max(a, b)[1]


@dataclass(frozen=True)
class EvolveSolver:
    name: ClassVar[str] = "evolve"
    exchangeable: ClassVar[bool] = False

    islands: int = 4
    island_size: int = 16  # parents kept per island
    generation: int = 32  # attempts proposed, then verified together
    explore: float = 0.1  # share of fresh samples from the search space
    crossover: float = 0.2  # share of recombinations (the rest are mutations)
    patience: int = 8  # generations without improvement before an island restarts

    def __post_init__(self) -> None:
        if min(self.islands, self.island_size, self.generation, self.patience) < 1:
            raise ValueError("islands, island_size, generation and patience must be at least 1")
        if not (0 <= self.explore <= 1 and 0 <= self.crossover <= 1):
            raise ValueError("explore and crossover are probabilities in [0, 1]")

    def search(self, problem: Problem, seed: int, start: int, stop: int,
               verify: Callable[[Problem, Sequence[str]], list[Checked]]) -> tuple[list[str], list[Checked]]:
        if start != 0:
            raise ValueError("evolve runs a problem's attempts from 0, in one call")
        rng = attempt_rng(seed, problem.id, -1)
        islands = [Island(self.island_size) for _ in range(self.islands)]
        discovered: set[str] = set()
        proposals: list[str] = []
        checked: list[Checked] = []
        for lo in range(start, stop, self.generation):
            attempts = range(lo, min(stop, lo + self.generation))
            batch = [self._vary(problem, islands[i % self.islands], rng) for i in attempts]
            results = verify(problem, batch)
            improved = set()
            for i, text, (verdict, _) in zip(attempts, batch, results):
                if self._learn(islands[i % self.islands], text, verdict, discovered):
                    improved.add(i % self.islands)
            for index, island in enumerate(islands):
                island.idle = 0 if index in improved else island.idle + 1
                if island.idle >= self.patience:
                    island.members.clear()
                    island.idle = 0
            proposals += batch
            checked += results
        return proposals, checked

    def _vary(self, problem: Problem, island: Island, rng: random.Random) -> str:
        space = problem.space
        if not island.members or rng.random() < self.explore:
            return space.sample(rng)
        if rng.random() < self.crossover:
            if hasattr(space, "crossover"):
                return space.crossover(island.parent(rng), island.parent(rng), rng)
            return island.parent(rng)
        # A space without variation operators (a family's own) is sampled afresh.
        return space.mutate(island.parent(rng), rng) if hasattr(space, "mutate") else space.sample(rng)

    @staticmethod
    def _learn(island: Island, text: str, verdict: Verdict, discovered: set[str]) -> bool:
        if verdict.score is None:  # malformed, timeout, error: nothing to learn
            return False
        if verdict.tier.rank:  # a solution: new ones improve the island; repeats earn nothing
            if verdict.canonical in discovered:
                return False
            discovered.add(verdict.canonical)
            island.offer(verdict.canonical, verdict.score, text)
            return True
        return island.offer(text, verdict.score, text)
