"""Execution: attempt batches verified on Ray worker actors, a bounded number in flight.

`attempt_table` is the whole per-batch flow in one process (solver -> verifier ->
columnar records); the Ray part only decides where batches run.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import pyarrow as pa
import ray

from harness.bank import BankSpec, build_bank
from harness.problem import Problem, Tier
from harness.record import ATTEMPT_SCHEMA
from harness.solvers import Solver, make_solver


@dataclass(frozen=True)
class Batch:
    problem_id: str
    start: int
    stop: int


@dataclass(frozen=True)
class Dispatch:
    workers: int  # worker actors
    batch_size: int  # attempts per actor call
    in_flight_per_worker: int = 2  # queued calls per actor, so none waits on the driver


def plan_batches(problem_ids: list[str], attempts: int, batch_size: int) -> Iterator[Batch]:
    """Attempt ranges in volume order: every problem's first batch before any second one."""
    for start in range(0, attempts, batch_size):
        for pid in problem_ids:
            yield Batch(pid, start, min(start + batch_size, attempts))


def auto_batch_size(problems: int, attempts: int, workers: int) -> int:
    """About eight batches per worker over the run, between 1 and 1,000 attempts."""
    return max(1, min(1_000, attempts, math.ceil(problems * attempts / (8 * workers))))


def attempt_table(problem: Problem, solver: Solver, seed: int, start: int, stop: int) -> pa.Table:
    """Propose and verify attempts start..stop-1 of one problem; one record per attempt."""
    try:
        candidates = solver.propose(problem, seed, start, stop)
        if len(candidates) != stop - start:
            raise RuntimeError(f"solver returned {len(candidates)} candidates for {stop - start} attempts")
        solver_error = None
    except Exception as exc:  # a failing solver still accounts for every attempt
        candidates, solver_error = [""] * (stop - start), f"solver failed: {exc!r}"
    columns: dict[str, list[Any]] = {name: [] for name in ATTEMPT_SCHEMA.names}
    for attempt, candidate in zip(range(start, stop), candidates):
        began = time.perf_counter()
        verdict = problem.verify(candidate) if solver_error is None else None
        elapsed = time.perf_counter() - began
        tier = verdict.tier if verdict else Tier.ERROR
        columns["attempt"].append(attempt)
        columns["candidate"].append(candidate)
        columns["tier"].append(tier.value)
        columns["canonical"].append(verdict.canonical if verdict else None)
        columns["score"].append(verdict.score if verdict else None)
        columns["verify_s"].append(elapsed)
        columns["error"].append(None if tier.rank else (verdict.reason if verdict else solver_error))
    n = stop - start
    columns["problem_id"] = [problem.id] * n
    columns["solver"] = [solver.name] * n
    columns["seed"] = [seed] * n
    return pa.Table.from_pydict(columns, schema=ATTEMPT_SCHEMA)


class AttemptWorker:
    """Holds the bank and the solver, built once per worker from plain specs."""

    def __init__(self, bank_spec: BankSpec, solver_spec: Mapping[str, Any], seed: int) -> None:
        self.problems = {p.id: p for p in build_bank(bank_spec)}
        self.solver = make_solver(solver_spec)
        self.seed = seed

    def run(self, batch: Batch) -> pa.Table:
        return attempt_table(self.problems[batch.problem_id], self.solver, self.seed, batch.start, batch.stop)


def run_batches(
    batches: Iterator[Batch],
    bank_spec: BankSpec,
    solver_spec: Mapping[str, Any],
    seed: int,
    dispatch: Dispatch,
    on_result: Callable[[pa.Table], None],
) -> None:
    """Run every batch on `dispatch.workers` actors; hand each result to `on_result` as it lands."""
    actor_class = ray.remote(num_cpus=1)(AttemptWorker)
    actors = [actor_class.remote(bank_spec, solver_spec, seed) for _ in range(dispatch.workers)]
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
