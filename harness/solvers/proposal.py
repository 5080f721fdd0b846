"""What a solver hands the runner for one attempt: the candidate text and what it cost."""
from __future__ import annotations

from dataclasses import dataclass


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
