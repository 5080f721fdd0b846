"""Execution: attempt batches verified on Ray worker actors, a bounded number in flight.

The per-batch flow (solver -> verifier -> columnar records) is `harness.attempts`; the Ray
part only decides where batches run.
"""
from __future__ import annotations

import heapq
import math
import sys
import threading
import time
from dataclasses import dataclass, field
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
    # A worker that gives no result for stall_multiple times its oldest batch's expected time
    # (seconds per attempt measured on finished batches), and at least stall_floor_s, is taken
    # for frozen: killed, replaced, and its batches sent again (before any batch has finished:
    # stall_floor_s * stall_multiple).
    stall_floor_s: float = 60.0
    stall_multiple: float = 10.0


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
) -> int:
    """Run every batch on `dispatch.workers` actors; hand each result to `on_result` as it lands.
    `on_ready` is called once every worker is up, before the first batch is sent. Returns how
    many batches were sent again because their worker froze (`Dispatch.stall_floor_s`)."""
    # A worker that dies (killed, out of memory, its node gone) is restarted by Ray and its
    # unfinished calls are run again; each call's result still reaches the driver once.
    # A worker that hangs (stopped, its node cut off) is found by its deadline instead.
    actor_class = ray.remote(num_cpus=1, max_concurrency=dispatch.in_flight_per_worker,
                             max_restarts=dispatch.worker_restarts,
                             max_task_retries=dispatch.worker_restarts)(AttemptWorker)
    pool = _Pool(lambda: actor_class.remote(bank_spec, solver_spec, seed, dispatch.limits, dispatch.compact),
                 dispatch)
    try:
        ray.get([actor.ready.remote() for actor in pool.actors])
        on_ready()
        for batch in batches:
            while len(pool.pending) >= dispatch.workers * dispatch.in_flight_per_worker:
                pool.collect_one(on_result)
            pool.send(batch)
        while pool.pending:
            pool.collect_one(on_result)
    finally:
        for actor in pool.actors:
            ray.kill(actor)
    return pool.resent


@dataclass
class _Call:
    batch: Batch
    worker: int
    sent: float  # time.monotonic() when sent
    stalls: int = 0  # times this batch was sent again after its worker froze


@dataclass
class _Pool:
    """The actors, the calls in flight on each, and the measured speed that sets their deadlines."""
    make: Callable[[], Any]
    dispatch: Dispatch
    actors: list = field(default_factory=list)
    pending: dict = field(default_factory=dict)  # ObjectRef -> _Call
    last_done: dict = field(default_factory=dict)  # worker -> time.monotonic() of its last result
    per_attempt: dict = field(default_factory=dict)  # problem id -> slowest measured seconds per attempt
    resent: int = 0

    def __post_init__(self) -> None:
        self.actors = [self.make() for _ in range(self.dispatch.workers)]

    def send(self, batch: Batch, stalls: int = 0) -> None:
        load = {i: 0 for i in range(len(self.actors))}
        for call in self.pending.values():
            load[call.worker] += 1
        worker = min(load, key=load.get)
        self.pending[self.actors[worker].run.remote(batch)] = _Call(batch, worker, time.monotonic(), stalls)

    def collect_one(self, on_result: Callable[[Recorded], None]) -> None:
        while True:
            now = time.monotonic()
            deadlines = {w: self.deadline(w, now) for w in {c.worker for c in self.pending.values()}}
            wait = max(0.0, min(deadlines.values()) - now)
            done, _ = ray.wait(list(self.pending), num_returns=1, timeout=wait)
            if done:
                break
            now = time.monotonic()
            for worker, deadline in deadlines.items():
                if deadline <= now and any(c.worker == worker for c in self.pending.values()):
                    self.replace(worker, now)
        [ref] = done
        call = self.pending.pop(ref)
        now = time.monotonic()
        started = max(call.sent, self.last_done.get(call.worker, call.sent))
        self.last_done[call.worker] = now
        attempts = max(1, call.batch.stop - call.batch.start)
        rate = (now - started) / attempts
        self.per_attempt[call.batch.problem_id] = max(rate, self.per_attempt.get(call.batch.problem_id, 0.0))
        on_result(Recorded.from_wire(ray.get(ref)))

    def oldest(self, worker: int) -> tuple[ray.ObjectRef, _Call]:
        return min(((r, c) for r, c in self.pending.items() if c.worker == worker), key=lambda rc: rc[1].sent)

    def expected_s(self, batch: Batch) -> float | None:
        rate = self.per_attempt.get(batch.problem_id, max(self.per_attempt.values(), default=None))
        return None if rate is None else rate * (batch.stop - batch.start)

    def deadline(self, worker: int, now: float) -> float:
        """When the worker's oldest call is late: calls on one worker run about one at a time,
        so its clock starts at its last result (or the call's sending, if later)."""
        _, call = self.oldest(worker)
        started = max(call.sent, self.last_done.get(worker, call.sent))
        return started + self.allowed_s(call)

    def allowed_s(self, call: _Call) -> float:
        d = self.dispatch
        expected = self.expected_s(call.batch)
        allowed = d.stall_floor_s * d.stall_multiple if expected is None else max(d.stall_floor_s,
                                                                                  d.stall_multiple * expected)
        return allowed * 2 ** call.stalls  # a batch that was late before gets longer each time

    def replace(self, worker: int, now: float) -> None:
        """The worker is frozen: kill it (its late results can never be counted: their calls are
        forgotten), start another in its place, and send its batches to the workers again."""
        _, late = self.oldest(worker)
        if late.stalls >= self.dispatch.worker_restarts:
            raise RuntimeError(f"batch {late.batch.problem_id} [{late.batch.start}, {late.batch.stop}) got no result "
                               f"{late.stalls + 1} times, each past its deadline: stopping (a worker hangs on it)")
        calls = [(r, c) for r, c in self.pending.items() if c.worker == worker]
        for ref, _ in calls:
            del self.pending[ref]
        waited = now - max(late.sent, self.last_done.pop(worker, late.sent))
        expected = self.expected_s(late.batch)
        ray.kill(self.actors[worker], no_restart=True)
        self.actors[worker] = self.make()
        print(f"harness-run: worker {worker} gave no result for {waited:.1f} s (batch {late.batch.problem_id} "
              f"[{late.batch.start}, {late.batch.stop}), expected "
              + (f"about {expected:.2f} s" if expected is not None else "unknown: nothing had finished yet")
              + f"): killed and restarted, its {len(calls)} unfinished batch(es) sent again",
              file=sys.stderr, flush=True)
        try:  # start-up is not counted against the re-sent batches' deadlines
            ray.get(self.actors[worker].ready.remote(), timeout=self.dispatch.stall_floor_s * self.dispatch.stall_multiple)
        except ray.exceptions.GetTimeoutError:
            raise RuntimeError(f"worker {worker} was frozen, and its replacement did not start within "
                               f"{self.dispatch.stall_floor_s * self.dispatch.stall_multiple:.0f} s") from None
        for _, call in sorted(calls, key=lambda rc: rc[1].sent):
            self.send(call.batch, stalls=call.stalls + (call is late))
            self.resent += 1
