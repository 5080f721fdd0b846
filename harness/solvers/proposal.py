"""What a solver hands the runner for one attempt: the candidate text, what it cost, and
which operator proposed it."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sequence, Union

from harness.core.problem import Checked, Problem, Tier, Verdict, Verify


class Operator(str, Enum):
    """What proposed a candidate (the attempt records' `operator` column): a solver that mixes
    operators (evolve) says which one made each attempt, so a model's own finds can be told apart."""

    MODEL = "model"  # a language model's completion
    MUTATION = "mutation"  # a parent varied by the search space's mutation operator
    CROSSOVER = "crossover"  # two parents recombined by the search space's crossover
    COPY = "copy"  # a parent proposed again as it is (evolve on a space with no variation operators)
    FRESH = "fresh"  # a fresh sample of the solver's own law (every attempt of the i.i.d. stub solvers)


@dataclass(frozen=True)
class Proposal:
    candidate: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    solve_s: float = 0.0  # wall-clock seconds spent producing it (an LLM request's latency)
    cost_usd: float = 0.0
    error: str | None = None  # set when the solver could not produce a candidate at all
    note: str | None = None  # what else the record should say (e.g. its usage could not be used)
    operator: Operator | None = None  # None: the solver did not say (recorded as null, read as unknown)


# Stub solvers hand plain strings: a fresh sample of their law that cost nothing.
Proposed = Union[str, Proposal]


def as_proposal(item: object) -> Proposal:
    """Stub solvers may return plain strings; anything else is recorded by its repr."""
    if isinstance(item, Proposal):
        return item
    return Proposal(item, operator=Operator.FRESH) if isinstance(item, str) else Proposal(repr(item))


def candidate_text(item: Proposed) -> str:
    return item if type(item) is str else item.candidate


def operator_of(item: Proposed) -> str | None:
    """The value of the record's `operator` column: a plain string is a fresh sample."""
    if type(item) is str:
        return Operator.FRESH.value
    return None if item.operator is None else Operator(item.operator).value


def failure(item: Proposed) -> str | None:
    """Why the solver produced no candidate for this attempt, or None if it did."""
    return None if type(item) is str else item.error


def verify_proposals(problem: Problem, proposals: Sequence[Proposed], verify: Verify) -> list[Checked]:
    """Verdicts for every proposal: tier error, unverified, where the solver produced no
    candidate; tier error for all if the verifier itself fails."""
    failed = {i: why for i, p in enumerate(proposals) if (why := failure(p)) is not None}
    todo = [i for i in range(len(proposals)) if i not in failed]
    try:
        results = verify(problem, [candidate_text(proposals[i]) for i in todo])
    except Exception as exc:
        results = [(Verdict(Tier.ERROR, reason=f"verifier failed: {exc!r}"), 0.0)] * len(todo)
    checked: list = [None] * len(proposals)
    for i, result in zip(todo, results):
        checked[i] = result
    for i, reason in failed.items():
        checked[i] = (Verdict(Tier.ERROR, reason=reason), 0.0)
    return checked
