"""One batch of attempts, from the solver to columnar records: the flow every path shares.

Workers run it either in the verifier's child process (`SandboxVerifier.attempts`, for
solvers cheap and pure enough to ship there) or in the worker with a sandboxed `verify`
(LLM and adaptive solvers); tests and baselines run it inline. No Ray here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import pyarrow as pa

from harness.core.problem import DISCOVERY_TIERS, Checked, Problem, Tier, Verdict, Verify, verify_inline
from harness.solvers.capabilities import Exchangeable
from harness.solvers.proposal import (Operator, Proposal, Proposed, as_proposal, candidate_text, operator_of,
                                      verify_proposals)
from harness.store.records import ATTEMPT_SCHEMA

if TYPE_CHECKING:
    from harness.solvers import Solver

_SOLUTIONS = frozenset(tier.value for tier in DISCOVERY_TIERS)  # their records carry no error


def attempt_table(problem: Problem, solver: Solver, seed: int, start: int, stop: int,
                  verify: Verify = verify_inline) -> pa.Table:
    """Propose and verify attempts start..stop-1 of one problem; one record per attempt."""
    proposals, checked = solve(problem, solver, seed, start, stop, verify)
    if checked is None:
        checked = verify_proposals(problem, proposals, verify)
    return records(problem.id, solver.name, seed, start, proposals, checked)


def solve(problem: Problem, solver: Solver, seed: int, start: int, stop: int,
          verify: Verify = verify_inline) -> tuple[list[Proposed], list[Checked] | None]:
    """The proposals for attempts start..stop-1, and their verdicts if they are already known.

    Exchangeable solvers propose the whole range, verified afterwards (verdicts None).
    Adaptive ones run their own loop (`search`), since each proposal depends on earlier
    verdicts. A failing solver still accounts for every attempt: all of tier error.
    """
    n = stop - start
    checked: list[Checked] | None = None
    try:
        if isinstance(solver, Exchangeable):
            found = solver.propose(problem, seed, start, stop)
        else:
            found, checked = solver.search(problem, seed, start, stop, verify)
        if len(found) != n or (checked is not None and len(checked) != n):
            raise RuntimeError(f"solver returned {len(found)} candidates for {n} attempts")
        # Plain strings stay strings: most attempts come from stub solvers, and a Proposal
        # each would cost as much as the rest of the record.
        proposals = [p if type(p) is str else as_proposal(p) for p in found]
    except Exception as exc:
        failed = (Verdict(Tier.ERROR, reason=f"solver failed: {exc!r}"), 0.0)
        return [Proposal("")] * n, [failed] * n
    return proposals, checked


def records(problem_id: str, solver_name: str, seed: int, start: int,
            proposals: Sequence[Proposed], checked: Sequence[Checked], at: np.ndarray | None = None) -> pa.Table:
    """The attempt records of attempts start..start+len(proposals)-1, or of the attempts `at`."""
    n = len(proposals)
    costless = all(type(p) is str for p in proposals)  # stub solvers: plain text, nothing spent
    verdicts = [verdict for verdict, _ in checked]
    tiers = [v.tier.value for v in verdicts]
    columns = {
        "problem_id": pa.array([problem_id] * n, pa.string()),
        "attempt": pa.array(np.arange(start, start + n, dtype=np.int64) if at is None else np.asarray(at, np.int64)),
        "solver": pa.array([solver_name] * n, pa.string()),
        "seed": pa.array(np.full(n, seed, dtype=np.int64)),
        "candidate": list(proposals) if costless else [candidate_text(p) for p in proposals],
        "tier": tiers,
        "canonical": [v.canonical for v in verdicts],
        "score": [v.score for v in verdicts],
        "verify_s": [seconds for _, seconds in checked],
        "error": [None if tier in _SOLUTIONS else v.reason for tier, v in zip(tiers, verdicts)],
    }
    if costless:  # plain strings: fresh samples that cost nothing
        columns.update(prompt_tokens=np.zeros(n, np.int64), completion_tokens=np.zeros(n, np.int64),
                       solve_s=np.zeros(n), cost_usd=np.zeros(n), note=pa.nulls(n, pa.string()),
                       operator=pa.repeat(pa.scalar(Operator.FRESH.value), n))
    else:
        spent = [Proposal(p) if type(p) is str else p for p in proposals]
        for column in ("prompt_tokens", "completion_tokens", "solve_s", "cost_usd", "note"):
            columns[column] = [getattr(p, column) for p in spent]
        columns["operator"] = [operator_of(p) for p in proposals]
    return pa.Table.from_pydict(columns, schema=ATTEMPT_SCHEMA)
