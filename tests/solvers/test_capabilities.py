"""Solver capabilities: declared by what a solver implements, checked where it is made."""
from dataclasses import dataclass

import pytest

from harness.solvers import SOLVERS, Adaptive, Exchangeable, RunsInSandbox, make_solver
from harness.solvers.capabilities import capability_error


def test_each_solver_is_exchangeable_or_adaptive_and_the_stubs_run_in_the_sandbox():
    kinds = {name: (isinstance(cls.__new__(cls), Exchangeable), isinstance(cls.__new__(cls), Adaptive),
                    issubclass(cls, RunsInSandbox)) for name, cls in SOLVERS.items()}
    assert kinds == {"random": (True, False, True), "heavy_tailed": (True, False, True),
                     "synthetic": (True, False, True), "evolve": (False, True, False),
                     "llm": (True, False, False), "replay": (True, False, False)}


@dataclass(frozen=True)
class Neither:
    name = "neither"


@dataclass(frozen=True)
class Both(Neither):
    def propose(self, problem, seed, start, stop): ...

    def search(self, problem, seed, start, stop, verify): ...


@dataclass(frozen=True)
class AdaptiveInSandbox(RunsInSandbox):
    def search(self, problem, seed, start, stop, verify): ...


@pytest.mark.parametrize("solver, why", [(Neither(), "neither propose nor search"), (Both(), "both propose and search"),
                                         (AdaptiveInSandbox(), "only an exchangeable solver")])
def test_a_solver_written_wrong_is_refused_when_it_is_made(solver, why, monkeypatch):
    assert why in capability_error(solver)
    monkeypatch.setitem(SOLVERS, "wrong", type(solver))
    monkeypatch.setattr(type(solver), "name", "wrong", raising=False)
    with pytest.raises(TypeError, match=why):
        make_solver({"name": "wrong"})
