"""The `evolve` solver: an adaptive, FunSearch-style search with no LLM.

Each problem gets a few islands, each a small database of the best-scoring distinct
candidates seen so far (by the verifier's graded score; solutions score highest). Every
attempt picks its island round-robin and then either samples the search space afresh
(`explore`), recombines two parents, or mutates one, parents chosen by tournament.
Proposals are verified a generation at a time and the islands updated from the verdicts.
Every attempt names its operator (proposal.Operator: fresh, crossover, mutation, copy, model).
A discovery already made earns nothing when found again, and an island that has not
improved for `patience` generations restarts empty, so the search keeps moving on.

With `llm` set (the settings of an llm solver), a share `llm_share` of the variations are
asked of that model instead: its prompt is the statement plus the island's best candidates
with their scores, and the reply is read by the llm solver's answer rule; its tokens and
cost are recorded with the attempt. Its completions are recorded like the llm solver's
(`llm.record_dir`) and replayed with `llm.name=replay` and `llm.recording`. Which attempts
go to the model is decided by the search's own random draws, so a replay asks the model at
exactly the recorded attempts and attributes every attempt as the live run did.

It learns from earlier verdicts, so it is not exchangeable: its yield curve is the actual
accumulation in attempt order, averaged over seeds. All attempts of one problem run in one
call, in order; the candidates depend on (seed, problem) and the verdicts only.
"""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, ClassVar, Mapping, Sequence

from harness.core.problem import Checked, Problem, Verdict
from harness.core.seeding import attempt_rng
from harness.core.space import Variation
from harness.solvers.llm import LLMSolver
from harness.solvers.proposal import Operator, Proposal, verify_proposals
from harness.solvers.replay import ReplaySolver


MUTATORS = {"llm": LLMSolver, "replay": ReplaySolver}  # a live model, or a recording of one


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

    islands: int = 4
    island_size: int = 16  # parents kept per island
    generation: int = 32  # attempts proposed, then verified together
    explore: float = 0.1  # share of fresh samples from the search space
    crossover: float = 0.2  # share of recombinations (the rest are mutations)
    patience: int = 8  # generations without improvement before an island restarts
    llm: Mapping[str, Any] | None = None  # settings of an llm solver used as mutation operator
    llm_share: float = 0.5  # share of variations asked of the llm, when set

    def __post_init__(self) -> None:
        if min(self.islands, self.island_size, self.generation, self.patience) < 1:
            raise ValueError("islands, island_size, generation and patience must be at least 1")
        if not (0 <= self.explore <= 1 and 0 <= self.crossover <= 1 and 0 <= self.llm_share <= 1):
            raise ValueError("explore, crossover and llm_share are probabilities in [0, 1]")
        if self.llm is not None:  # built once, so bad settings fail early
            settings = dict(self.llm)
            kind = settings.pop("name", "llm")
            if kind not in MUTATORS:
                raise ValueError(f"llm.name is {kind!r}; choose one of: {', '.join(MUTATORS)}")
            object.__setattr__(self, "_mutator", MUTATORS[kind](**settings))

    def preflight(self) -> None:
        if self.llm is not None:
            self._mutator.preflight()

    def model_settings(self) -> dict[str, Any] | None:
        """Its mutation operator's settings (solver.llm, defaults filled in); None without one (UsesModel)."""
        return None if self.llm is None else {"name": self._mutator.name, **asdict(self._mutator)}

    def with_model(self, settings: Mapping[str, Any]) -> "EvolveSolver":
        return replace(self, llm=dict(settings))

    def search(self, problem: Problem, seed: int, start: int, stop: int,
               verify: Callable[[Problem, Sequence[str]], list[Checked]]) -> tuple[list[Proposal], list[Checked]]:
        if start != 0:
            raise ValueError("evolve runs a problem's attempts from 0, in one call")
        rng = attempt_rng(seed, problem.id, -1)
        islands = [Island(self.island_size) for _ in range(self.islands)]
        discovered: set[str] = set()
        proposals: list[Proposal] = []
        checked: list[Checked] = []
        for lo in range(start, stop, self.generation):
            attempts = range(lo, min(stop, lo + self.generation))
            batch = [self._vary(problem, islands[i % self.islands], rng) for i in attempts]
            if self.llm is not None:
                batch = self._ask_llm(problem, seed, lo, batch, islands)
            results = verify_proposals(problem, batch, verify)
            improved = set()
            for i, proposal, (verdict, _) in zip(attempts, batch, results):
                if self._learn(islands[i % self.islands], proposal.candidate, verdict, discovered):
                    improved.add(i % self.islands)
            for index, island in enumerate(islands):
                island.idle = 0 if index in improved else island.idle + 1
                if island.idle >= self.patience:
                    island.members.clear()
                    island.idle = 0
            proposals += batch
            checked += results
        return proposals, checked

    def _vary(self, problem: Problem, island: Island, rng: random.Random) -> Proposal | None:
        """A candidate from the space's operators, named; None where the llm is to propose one."""
        space = problem.space
        if not island.members or rng.random() < self.explore:
            return Proposal(space.sample(rng), operator=Operator.FRESH)
        if self.llm is not None and rng.random() < self.llm_share:
            return None
        if not isinstance(space, Variation):  # a family's own space: parents as they are, or fresh samples
            if rng.random() < self.crossover:
                return Proposal(island.parent(rng), operator=Operator.COPY)
            return Proposal(space.sample(rng), operator=Operator.FRESH)
        if rng.random() < self.crossover:
            return Proposal(space.crossover(island.parent(rng), island.parent(rng), rng), operator=Operator.CROSSOVER)
        return Proposal(space.mutate(island.parent(rng), rng), operator=Operator.MUTATION)

    def _ask_llm(self, problem: Problem, seed: int, lo: int, batch: list[Proposal | None],
                 islands: list[Island]) -> list[Proposal]:
        """Fill the generation's empty slots with the llm, one request per island."""
        out: list[Proposal | None] = list(batch)
        for index, island in enumerate(islands):
            slots = [k for k, text in enumerate(batch) if text is None and (lo + k) % self.islands == index]
            if not slots:
                continue
            best = sorted(island.members.values(), reverse=True)[:8]
            shown = "\n".join(f"- {text}  (score {score:g})" for score, text in best)
            statement = problem.statement_of(self._mutator.statement_version)  # the wording the model is asked in
            prompt = (f"{statement}\n\nCandidates so far, best first (higher score is better; "
                      f"a solution scores highest):\n{shown}\n\nPropose one new candidate, different from "
                      "these, that should score higher. End with it in a block:\n```answer\n<candidate>\n```")
            replies = self._mutator.complete(problem, seed, [{"role": "user", "content": prompt}],
                                             [lo + k for k in slots])
            for k, proposal in zip(slots, replies):
                out[k] = replace(proposal, operator=Operator.MODEL)  # evolve knows it asked the model
        return out

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
