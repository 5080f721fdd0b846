"""What a solver can do, declared once by what it implements and checked where it is made
(make_solver): an exchangeable solver proposes any range of attempts on its own; an adaptive
one searches in order, verifying as it goes; one that samples in batches gives a problem's
candidates as a numpy array where the problem can check them so (harness.core.batch); a solver that runs in the sandbox says so by
subclassing RunsInSandbox. Everything else (the runner, the sandbox, the job) asks isinstance.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from harness.core.problem import Checked, Problem


@runtime_checkable
class Exchangeable(Protocol):
    """Attempts i.i.d. given (seed, problem): the yield curve may be estimated by rarefaction."""

    def propose(self, problem: Problem, seed: int, start: int, stop: int) -> list[Any]:
        """Candidates (text or Proposal) for attempts start..stop-1; attempt i depends on (seed, problem, i) only."""
        ...


@runtime_checkable
class Adaptive(Protocol):
    """Learns from earlier verdicts: measured by the actual order of its attempts."""

    def search(self, problem: Problem, seed: int, start: int, stop: int,
               verify: Callable[[Problem, Sequence[str]], list[Checked]]) -> tuple[list[Any], list[Checked]]:
        """Run attempts start..stop-1 in order, verifying as they go."""
        ...


@runtime_checkable
class SamplesInBatches(Protocol):
    """An exchangeable solver whose candidates on a batch-capable problem (harness.core.batch) are
    the rows of `values`, written as text: the sandbox may then check them as numpy arrays,
    and keep its wrong attempts compactly, since `values` regenerates any of them."""

    def values(self, problem: Problem, seed: int, start: int, stop: int) -> np.ndarray:
        """The (stop - start, arity) int64 values of attempts start..stop-1."""
        ...


class CoordinateLaw(Protocol):
    def probability(self, value: int) -> Any:
        """The exact chance (a Fraction) that one coordinate is `value`."""
        ...


@runtime_checkable
class IndependentCoordinates(Protocol):
    """An exchangeable solver whose candidate draws every coordinate of its space (an integer
    box's, a bit string's) independently from one known law: the odds of every candidate are
    then known exactly (harness.analysis.truth)."""

    def law(self, space: Any) -> CoordinateLaw | None:
        """The law of every coordinate of a candidate in `space`; None where it is not known."""
        ...


@runtime_checkable
class UsesModel(Protocol):
    """A solver whose candidates come from a language model behind a server. It owns its model's
    settings: harness.servers asks for them and hands back the ones to run with (a managed
    server's URL, or a recording to replay in its place), never asking which solver it is."""

    def model_settings(self) -> Mapping[str, Any] | None:
        """The settings of its model's client ({"name": "llm", ...}); None when it has no model set."""
        ...

    def with_model(self, settings: Mapping[str, Any]) -> Any:
        """The same solver, its model's client made from `settings`."""
        ...


class RunsInSandbox:
    """Declared by subclassing: an exchangeable solver cheap, pure and picklable enough to run
    inside the verifier's child process, which then proposes and builds the records itself."""


def capability_error(solver: object) -> str | None:
    """Why this solver cannot be run, or None: it must be exactly one of exchangeable or adaptive."""
    exchangeable, adaptive = isinstance(solver, Exchangeable), isinstance(solver, Adaptive)
    if exchangeable == adaptive:
        return ("implements both propose and search" if exchangeable else "implements neither propose nor search")
    if isinstance(solver, RunsInSandbox) and not exchangeable:
        return "runs in the sandbox, which only an exchangeable solver can"
    if isinstance(solver, SamplesInBatches) and not isinstance(solver, RunsInSandbox):
        return "samples in batches, which only the sandbox's child checks: it must run in the sandbox"
    return None
