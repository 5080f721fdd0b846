"""Execution: attempt batches verified on Ray worker actors, a bounded number in flight.

The per-batch flow (solver -> verifier -> columnar records) is `harness.attempts`; the Ray
part only decides where batches run.
"""
from __future__ import annotations

import heapq
import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import ray

from harness.attempts import attempt_table
from harness.bank import BankSpec, build_bank
from harness.problem import Checked, Problem
from harness.ray_session import restore_user_proxies
from harness.record import Recorded
from harness.sandbox import SandboxLimits, SandboxVerifier
from harness.solvers import RunsInSandbox, make_solver


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
    compact: bool = False  # records=compact: wrong attempts checked in batches are counted, not recorded


def plan_batches(problem_ids: list[str], attempts: int, batch_size: int,
                 sizes: Mapping[str, int] | None = None) -> Iterator[Batch]:
    """Attempt ranges in volume order, each problem's batches `sizes[problem]` long (else
    batch_size): no batch starts before every batch starting earlier has been given."""
    sizes = sizes or {}

    def of(pid: str) -> Iterator[Batch]:
        size = sizes.get(pid, batch_size)
        return (Batch(pid, start, min(start + size, attempts)) for start in range(0, attempts, size))

    return heapq.merge(*(of(pid) for pid in problem_ids), key=lambda batch: batch.start)  # stable: bank order


SCALAR_BATCH_CAP = 4_000
WIDE_BATCH_CAP = 1 << 23  # checked in batches: records are mostly counts (2^23 ran ~4% faster than 2^21, ad hoc)


def auto_batch_size(problems: int, attempts: int, workers: int, cap: int = SCALAR_BATCH_CAP) -> int:
    """About eight batches per worker over the run, between 1 and `cap` attempts. Not much
    smaller: a Ray call costs the driver about 2 ms of CPU (benchmarks/throughput.py)."""
    return max(1, min(cap, attempts, math.ceil(problems * attempts / (8 * workers))))


class AttemptWorker:
    """Holds the bank, the solver and a sandboxed verifier, built once per worker.

    Its calls run in threads, a few at once: while one batch waits on the verifier's child
    process (or an LLM server), the next is proposed. The verifier takes one batch at a time.
    """

    def __init__(self, bank_spec: BankSpec, solver_spec: Mapping[str, Any], seed: int,
                 limits: SandboxLimits, compact: bool = False) -> None:
        restore_user_proxies()
        self.problems = {p.id: p for p in build_bank(bank_spec)}
        self.solver = make_solver(solver_spec)
        self.seed = seed
        self.compact = compact
        self.sandbox = SandboxVerifier(limits)
        self._verifying = threading.Lock()

    def ready(self) -> None:
        """Returns once the verifier's child is up (imports done): start-up is not throughput."""
        self.verify(next(iter(self.problems.values())), [""])

    def verify(self, problem: Problem, candidates: Sequence[str]) -> list[Checked]:
        with self._verifying:
            return self.sandbox.verify(problem, candidates)

    def run(self, batch: Batch) -> tuple:
        """The batch's records (Recorded), as Arrow IPC streams."""
        problem = self.problems[batch.problem_id]
        if isinstance(self.solver, RunsInSandbox):  # the child proposes, verifies and records
            with self._verifying:
                return self.sandbox.attempts(problem, self.solver, self.seed, batch.start, batch.stop,
                                             self.compact).to_wire()
        table = attempt_table(problem, self.solver, self.seed, batch.start, batch.stop, self.verify)
        return Recorded((batch.problem_id, batch.start, batch.stop), table).to_wire()


def run_batches(
    batches: Iterator[Batch],
    bank_spec: BankSpec,
    solver_spec: Mapping[str, Any],
    seed: int,
    dispatch: Dispatch,
    on_result: Callable[[Recorded], None],
    on_ready: Callable[[], None] = lambda: None,
) -> None:
    """Run every batch on `dispatch.workers` actors; hand each result to `on_result` as it lands.
    `on_ready` is called once every worker is up, before the first batch is sent."""
    # A worker that dies (killed, out of memory, its node gone) is restarted by Ray and its
    # unfinished calls are run again; each call's result still reaches the driver once.
    actor_class = ray.remote(num_cpus=1, max_concurrency=dispatch.in_flight_per_worker,
                             max_restarts=dispatch.worker_restarts,
                             max_task_retries=dispatch.worker_restarts)(AttemptWorker)
    actors = [actor_class.remote(bank_spec, solver_spec, seed, dispatch.limits, dispatch.compact)
              for _ in range(dispatch.workers)]
    load = {i: 0 for i in range(len(actors))}
    pending: dict[ray.ObjectRef, int] = {}
    try:
        ray.get([actor.ready.remote() for actor in actors])
        on_ready()
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


def _collect_one(pending: dict, load: dict, on_result: Callable[[Recorded], None]) -> None:
    [done], _ = ray.wait(list(pending), num_returns=1)
    load[pending.pop(done)] -= 1
    on_result(Recorded.from_wire(ray.get(done)))
