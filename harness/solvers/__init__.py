"""Solvers propose candidate text. A solver's settings are its constructor arguments."""
from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping, Protocol, runtime_checkable

from harness.core import extensions
from harness.solvers.capabilities import (Adaptive, Exchangeable, IndependentCoordinates, RunsInSandbox,
                                          SamplesInBatches, capability_error)
from harness.solvers.evolve import EvolveSolver
from harness.solvers.heavy_tailed import HeavyTailedSolver
from harness.solvers.llm import LLMSolver
from harness.solvers.random import RandomSolver
from harness.solvers.replay import ReplaySolver
from harness.solvers.synthetic import SyntheticSolver


class Solver(Protocol):
    """A named solver: exchangeable (`propose`) or adaptive (`search`); see capabilities.py."""
    name: ClassVar[str]


@runtime_checkable
class UsesServer(Protocol):
    """A solver whose attempts depend on a server (an LLM's): checked before any is spent."""

    def preflight(self) -> None:
        """Raises ValueError, saying why, when the server cannot be reached."""
        ...


# The harness's own solvers; an installed package declares more (entry points, harness.core.extensions).
SOLVERS: Mapping[str, type] = {
    cls.name: cls for cls in (RandomSolver, HeavyTailedSolver, SyntheticSolver, EvolveSolver, LLMSolver,
                               ReplaySolver)}


def solver_class(name: Any) -> type | None:
    """The solver class called `name`: the harness's own, else one an installed package declares."""
    if not isinstance(name, str):
        return None
    return SOLVERS.get(name) or extensions.load(extensions.SOLVERS, name)


def solver_names() -> list[str]:
    return sorted(set(SOLVERS) | set(extensions.declared(extensions.SOLVERS)))


class SolverConfigError(ValueError):
    pass


def make_solver(settings: Mapping[str, Any]) -> Solver:
    """Build a solver from {'name': ..., **settings}, with errors that list the choices."""
    settings = dict(settings)
    name = settings.pop("name", None)
    cls = solver_class(name)
    if cls is None:
        raise SolverConfigError(f"unknown solver {name!r}; choose one of: {', '.join(solver_names())}")
    allowed = {f.name for f in dataclasses.fields(cls)}
    unknown = set(settings) - allowed
    if unknown:
        raise SolverConfigError(
            f"solver {name!r} has no setting {', '.join(sorted(unknown))}; "
            f"its settings are: {', '.join(sorted(allowed)) or '(none)'}"
        )
    try:
        solver = cls(**settings)
    except (TypeError, ValueError) as exc:
        raise SolverConfigError(f"solver {name!r}: {exc}") from None
    problem = capability_error(solver)
    if problem is not None:  # a solver class written wrong, not a setting
        raise TypeError(f"solver {name!r} {problem}")
    return solver


__all__ = ["Adaptive", "Exchangeable", "IndependentCoordinates", "RunsInSandbox", "SamplesInBatches", "Solver", "SolverConfigError",
           "UsesServer", "make_solver",
           "RandomSolver", "HeavyTailedSolver", "SyntheticSolver", "EvolveSolver", "LLMSolver", "ReplaySolver", "SOLVERS",
           "solver_class", "solver_names"]
