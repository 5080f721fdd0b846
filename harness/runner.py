"""Execution: attempt batches verified on Ray worker actors, a bounded number in flight.

`attempt_table` is the whole per-batch flow (solver -> verifier -> columnar records); the
workers run it with a sandboxed verifier, tests and baselines inline. The Ray part only
decides where batches run.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import pyarrow as pa
import ray

from harness.bank import BankSpec, build_bank
from harness.problem import Problem, Tier, Verdict
from harness.record import ATTEMPT_SCHEMA
from harness.sandbox import Checked, SandboxLimits, SandboxVerifier, verify_inline
from harness.solvers import Solver, make_solver
from harness.solvers.proposal import Proposal, as_proposal, verify_proposals


@dataclass(frozen=True)
class Batch:
    problem_id: str
    start: int
    stop: int


@dataclass(frozen=True)
class Dispatch:
    workers: int  # worker actors
    batch_size: int  # attempts per actor call
    limits: SandboxLimits = SandboxLimits()  # the time bound on each verification
    in_flight_per_worker: int = 2  # calls per actor at once (threads), so none waits on the driver
    worker_restarts: int = 3  # per worker, after which its batch fails the run


def plan_batches(problem_ids: list[str], attempts: int, batch_size: int) -> Iterator[Batch]:
    """Attempt ranges in volume order: every problem's first batch before any second one."""
    for start in range(0, attempts, batch_size):
        for pid in problem_ids:
            yield Batch(pid, start, min(start + batch_size, attempts))


def auto_batch_size(problems: int, attempts: int, workers: int) -> int:
    """About eight batches per worker over the run, between 1 and 1,000 attempts."""
    return max(1, min(1_000, attempts, math.ceil(problems * attempts / (8 * workers))))


Verify = Callable[[Problem, Sequence[str]], list[Checked]]


def attempt_table(problem: Problem, solver: Solver, seed: int, start: int, stop: int,
                  verify: Verify = verify_inline) -> pa.Table:
    """Propose and verify attempts start..stop-1 of one problem; one record per attempt.

    Exchangeable solvers propose the whole range, then it is verified. Adaptive ones run
    their own loop (`search`), since each proposal depends on earlier verdicts.
    """
    n = stop - start
    checked: list[Checked] | None = None
    try:
        if solver.exchangeable:
            proposals = [as_proposal(p) for p in solver.propose(problem, seed, start, stop)]
        else:
            found, checked = solver.search(problem, seed, start, stop, verify)
            proposals = [as_proposal(p) for p in found]
        if len(proposals) != n or (checked is not None and len(checked) != n):
            raise RuntimeError(f"solver returned {len(proposals)} candidates for {n} attempts")
    except Exception as exc:  # a failing solver still accounts for every attempt
        proposals, checked = [Proposal("")] * n, [(Verdict(Tier.ERROR, reason=f"solver failed: {exc!r}"), 0.0)] * n
    if checked is None:
        checked = verify_proposals(problem, proposals, verify)
    verdicts = [verdict for verdict, _ in checked]
    return pa.Table.from_pydict({
        "problem_id": [problem.id] * n,
        "attempt": list(range(start, stop)),
        "solver": [solver.name] * n,
        "seed": [seed] * n,
        "candidate": [p.candidate for p in proposals],
        "tier": [v.tier.value for v in verdicts],
        "canonical": [v.canonical for v in verdicts],
        "score": [v.score for v in verdicts],
        "verify_s": [seconds for _, seconds in checked],
        "error": [None if v.tier.rank else v.reason for v in verdicts],
        "prompt_tokens": [p.prompt_tokens for p in proposals],
        "completion_tokens": [p.completion_tokens for p in proposals],
        "solve_s": [p.solve_s for p in proposals],
        "cost_usd": [p.cost_usd for p in proposals],
    }, schema=ATTEMPT_SCHEMA)


class AttemptWorker:
    """Holds the bank, the solver and a sandboxed verifier, built once per worker.

    Its calls run in threads, a few at once: while one batch waits on the verifier's child
    process (or an LLM server), the next is proposed. The verifier takes one batch at a time.
    """

    def __init__(self, bank_spec: BankSpec, solver_spec: Mapping[str, Any], seed: int,
                 limits: SandboxLimits) -> None:
        self.problems = {p.id: p for p in build_bank(bank_spec)}
        self.solver = make_solver(solver_spec)
        self.seed = seed
        self.sandbox = SandboxVerifier(limits)
        self._verifying = threading.Lock()

    def verify(self, problem: Problem, candidates: Sequence[str]) -> list[Checked]:
        with self._verifying:
            return self.sandbox.verify(problem, candidates)

    def run(self, batch: Batch) -> pa.Table:
        return attempt_table(self.problems[batch.problem_id], self.solver, self.seed,
                             batch.start, batch.stop, self.verify)


def run_batches(
    batches: Iterator[Batch],
    bank_spec: BankSpec,
    solver_spec: Mapping[str, Any],
    seed: int,
    dispatch: Dispatch,
    on_result: Callable[[pa.Table], None],
) -> None:
    """Run every batch on `dispatch.workers` actors; hand each result to `on_result` as it lands."""
    # A worker that dies (killed, out of memory, its node gone) is restarted by Ray and its
    # unfinished calls are run again; each call's result still reaches the driver once.
    actor_class = ray.remote(num_cpus=1, max_concurrency=dispatch.in_flight_per_worker,
                             max_restarts=dispatch.worker_restarts,
                             max_task_retries=dispatch.worker_restarts)(AttemptWorker)
    actors = [actor_class.remote(bank_spec, solver_spec, seed, dispatch.limits) for _ in range(dispatch.workers)]
    load = {i: 0 for i in range(len(actors))}
    pending: dict[ray.ObjectRef, int] = {}
    try:
        for batch in batches:
            while len(pending) >= dispatch.workers * dispatch.in_flight_per_worker:
                _collect_one(pending, load, on_result)
            idle = min(load, key=load.get)
            pending[actors[idle].run.remote(batch)] = idle
            load[idle] += 1
        while pending:
            _collect_one(pending, load, on_result)
    finally:
        for actor in actors:
            ray.kill(actor)


def _collect_one(pending: dict, load: dict, on_result: Callable[[pa.Table], None]) -> None:
    [done], _ = ray.wait(list(pending), num_returns=1)
    load[pending.pop(done)] -= 1
    on_result(ray.get(done))
