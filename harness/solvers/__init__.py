"""Solvers propose candidate text. A solver's settings are its constructor arguments."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, ClassVar, Mapping, Protocol, Sequence, runtime_checkable

from harness.problem import Checked, Problem
from harness.solvers.evolve import EvolveSolver
from harness.solvers.llm import LLMSolver
from harness.solvers.proposal import Proposal
from harness.solvers.random import RandomSolver
from harness.solvers.replay import ReplaySolver
from harness.solvers.synthetic import SyntheticSolver


class Solver(Protocol):
    """Exchangeable solvers implement `propose`; adaptive ones (exchangeable = False) `search`."""
    name: ClassVar[str]
    #: True when attempts are i.i.d. given (seed, problem): the yield curve may then be
    #: estimated by rarefaction; adaptive solvers are measured by their actual order.
    exchangeable: ClassVar[bool]
    #: True for exchangeable solvers cheap, pure and picklable enough to run inside the
    #: verifier's child process, which then builds the records itself (the fast path).
    in_sandbox: ClassVar[bool]

    def propose(self, problem: Problem, seed: int, start: int, stop: int) -> list[str | Proposal]:
        """Candidates for attempts start..stop-1; attempt i depends on (seed, problem, i) only."""
        ...

    def search(self, problem: Problem, seed: int, start: int, stop: int,
               verify: Callable[[Problem, Sequence[str]], list[Checked]],
               ) -> tuple[list[str | Proposal], list[Checked]]:
        """Adaptive solvers: run attempts start..stop-1 in order, verifying as they go."""
        ...


@runtime_checkable
class UsesServer(Protocol):
    """A solver whose attempts depend on a server (an LLM's): checked before any is spent."""

    def preflight(self) -> None:
        """Raises ValueError, saying why, when the server cannot be reached."""
        ...


SOLVERS: Mapping[str, type] = {
    cls.name: cls for cls in (RandomSolver, SyntheticSolver, EvolveSolver, LLMSolver, ReplaySolver)}


class SolverConfigError(ValueError):
    pass


def make_solver(settings: Mapping[str, Any]) -> Solver:
    """Build a solver from {'name': ..., **settings}, with errors that list the choices."""
    settings = dict(settings)
    name = settings.pop("name", None)
    if name not in SOLVERS:
        raise SolverConfigError(f"unknown solver {name!r}; choose one of: {', '.join(sorted(SOLVERS))}")
    cls = SOLVERS[name]
    allowed = {f.name for f in dataclasses.fields(cls)}
    unknown = set(settings) - allowed
    if unknown:
        raise SolverConfigError(
            f"solver {name!r} has no setting {', '.join(sorted(unknown))}; "
            f"its settings are: {', '.join(sorted(allowed)) or '(none)'}"
        )
    try:
        return cls(**settings)
    except (TypeError, ValueError) as exc:
        raise SolverConfigError(f"solver {name!r}: {exc}") from None
