"""What a solver hands the runner for one attempt: the candidate text and what it cost."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from harness.problem import Problem, Tier, Verdict
from harness.sandbox import Checked


@dataclass(frozen=True)
class Proposal:
    candidate: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    solve_s: float = 0.0  # wall-clock seconds spent producing it (an LLM request's latency)
    cost_usd: float = 0.0
    error: str | None = None  # set when the solver could not produce a candidate at all


def as_proposal(item: "str | Proposal") -> Proposal:
    """Stub solvers may return plain strings; anything else is recorded by its repr."""
    if isinstance(item, Proposal):
        return item
    return Proposal(item if isinstance(item, str) else repr(item))


def verify_proposals(problem: Problem, proposals: Sequence[Proposal],
                     verify: Callable[[Problem, Sequence[str]], list[Checked]]) -> list[Checked]:
    """Verdicts for every proposal: tier error, unverified, where the solver produced no
    candidate; tier error for all if the verifier itself fails."""
    checked: list[Checked] = [(Verdict(Tier.ERROR, reason=p.error), 0.0) for p in proposals]
    todo = [i for i, p in enumerate(proposals) if p.error is None]
    try:
        results = verify(problem, [proposals[i].candidate for i in todo])
    except Exception as exc:
        results = [(Verdict(Tier.ERROR, reason=f"verifier failed: {exc!r}"), 0.0)] * len(todo)
    for i, result in zip(todo, results):
        checked[i] = result
    return checked
