"""Execution: attempt batches verified on Ray worker actors, a bounded number in flight.

The per-batch flow (solver -> verifier -> columnar records) is `harness.engine.attempts`; the Ray
part only decides where batches run.
"""
from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import ray

from harness.core.problem import Problem
from harness.engine.batches import Batch, Parcel, attempts_in, described, parcels
from harness.engine.sandbox import SandboxLimits
from harness.engine.worker import AttemptWorker
from harness.store.records import Recorded


@dataclass(frozen=True)
class Dispatch:
    workers: int  # worker actors
    batch_size: int  # attempts per batch (a problem's attempt range, the unit of records and resume)
    limits: SandboxLimits = SandboxLimits()  # the time bound on each verification
    in_flight_per_worker: int = 2  # calls per actor at once (threads), so none waits on the driver
    worker_restarts: int = 3  # times a batch may lose its worker (frozen, dead, its node lost) before the run stops
    compact: bool = False  # records=compact: wrong attempts checked in batches are counted, not recorded
    # A worker that gives no result for stall_multiple times its oldest batch's expected time
    # (seconds per attempt measured on finished batches), and at least stall_floor_s, is taken
    # for frozen: killed, replaced, and its batches sent again (before any batch has finished:
    # stall_floor_s * stall_multiple).
    stall_floor_s: float = 60.0
    stall_multiple: float = 10.0
    # Attempts per actor call: batches smaller than this (few attempts per problem, many problems)
    # go together, so 10^5 problems at attempts=1 are not 10^5 calls. 0: batch_size.
    call_size: int = 0


@dataclass
class Dispatched:
    """What the workers did: re-sent batches, and where the attempts ran."""
    resent: int = 0  # batches sent again because their worker froze, died or lost its node
    calls: int = 0  # actor calls sent (a call carries one batch, or many small ones)
    nodes: dict = field(default_factory=dict)  # Ray node id -> attempts run there (results counted)
    node_ips: dict = field(default_factory=dict)  # Ray node id -> its IP
    lost: int = 0  # workers lost (frozen, dead, their node gone) and replaced


# A worker whose result cannot come: its process or node died, or its result's object went with the
# node. The batch was never counted, so sending it again counts it once. (A RayTaskError, an error in
# the batch itself, is not one of these: it stops the run.)
LOST = (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError, ray.exceptions.NodeDiedError,
        ray.exceptions.WorkerCrashedError, ray.exceptions.OutOfMemoryError, ray.exceptions.ActorUnschedulableError)


def run_batches(
    batches: Iterator[Batch],
    problems: Sequence[Problem],
    solver_spec: Mapping[str, Any],
    seed: int,
    dispatch: Dispatch,
    on_result: Callable[[Recorded], None],
    on_ready: Callable[[], None] = lambda: None,
) -> Dispatched:
    """Run every batch on `dispatch.workers` actors, in calls of `dispatch.call_size` attempts;
    hand each batch's result to `on_result` as it lands.
    `on_ready` is called once every worker is up, before the first batch is sent. Returns how
    many batches were sent again, and how many attempts each Ray node ran.

    A worker that dies (killed, out of memory, its node gone: RayActorError and kin) or gives no
    result by its deadline (stopped, hung, its node cut off: `Dispatch.stall_floor_s`) is killed
    and replaced by a new actor wherever the cluster has a CPU free, and its unfinished batches
    are sent to the live workers again. Their first calls are forgotten, so a result of one of
    them can never be counted: each batch reaches `on_result` exactly once. Where no CPU is left
    (a lost node's), the run goes on with fewer workers."""
    actor_class = ray.remote(num_cpus=1, max_concurrency=dispatch.in_flight_per_worker,
                             max_restarts=0, max_task_retries=0)(AttemptWorker)
    bank = ray.put(tuple(problems))  # once in the object store, not once per actor
    pool = _Pool(lambda: actor_class.remote(bank, solver_spec, seed, dispatch.limits, dispatch.compact), dispatch)
    try:
        pool.nodes = ray.get([actor.ready.remote() for actor in pool.actors])
        on_ready()
        for parcel in parcels(batches, dispatch.call_size or dispatch.batch_size):
            pool.queue.append((parcel, 0))
            pool.fill()
            while pool.queue:
                pool.step(on_result)
        while pool.pending or pool.queue:
            pool.step(on_result)
    finally:
        for actor in pool.actors:
            if actor is not None:
                ray.kill(actor, no_restart=True)
    return pool.done


@dataclass
class _Call:
    parcel: Parcel
    worker: int
    sent: float  # time.monotonic() when sent
    stalls: int = 0  # times this parcel was sent again after its worker was lost while it ran


@dataclass
class _Pool:
    """The actors, the calls in flight on each, and the measured speed that sets their deadlines.
    A worker slot is ready (its actor answered `ready`), starting (a replacement on its way), or
    retired (None: its replacements could not start, e.g. the cluster lost the CPUs)."""
    make: Callable[[], Any]
    dispatch: Dispatch
    actors: list = field(default_factory=list)
    nodes: list = field(default_factory=list)  # worker -> Node (of its current actor, once ready)
    pending: dict = field(default_factory=dict)  # ObjectRef -> _Call
    queue: deque = field(default_factory=deque)  # (parcel, stalls) to send once a worker is free
    starting: dict = field(default_factory=dict)  # ObjectRef of a replacement's ready() -> (worker, since)
    failed_starts: dict = field(default_factory=dict)  # worker -> replacements in a row that never started
    last_done: dict = field(default_factory=dict)  # worker -> time.monotonic() of its last result
    per_attempt: dict = field(default_factory=dict)  # problem id -> slowest measured seconds per attempt
    slowest: float | None = None  # the largest of per_attempt: a problem not yet measured is taken to be as slow
    done: Dispatched = field(default_factory=Dispatched)

    def __post_init__(self) -> None:
        self.actors = [self.make() for _ in range(self.dispatch.workers)]

    @property
    def ready(self) -> list[int]:
        starting = {worker for worker, _ in self.starting.values()}
        return [w for w, actor in enumerate(self.actors) if actor is not None and w not in starting]

    def fill(self) -> None:
        """Send queued batches while the ready workers have room."""
        ready = self.ready
        while self.queue and ready and len(self.pending) < len(ready) * self.dispatch.in_flight_per_worker:
            parcel, stalls = self.queue.popleft()
            load = {w: 0 for w in ready}
            for call in self.pending.values():
                load[call.worker] += 1
            worker = min(load, key=load.get)
            self.pending[self.actors[worker].run.remote(parcel)] = _Call(parcel, worker, time.monotonic(), stalls)
            self.done.calls += 1

    def step(self, on_result: Callable[[Recorded], None]) -> None:
        """Wait for one event (a result, a replacement up or not, a deadline passed) and act on it."""
        if not self.pending and not self.starting:
            raise RuntimeError("every worker was lost and none could be started again: stopping "
                               f"({len(self.queue)} batch(es) unsent; the cluster has "
                               f"{ray.available_resources().get('CPU', 0):g} CPU(s) free)")
        now = time.monotonic()
        deadlines = {w: self.deadline(w, now) for w in {c.worker for c in self.pending.values()}}
        start_by = self.dispatch.stall_floor_s * self.dispatch.stall_multiple
        if not self.pending:  # nothing runs: only a replacement can help, and it has a bound
            deadlines[-1] = min(since for _, since in self.starting.values()) + start_by
        wait = max(0.0, min(deadlines.values()) - now) if deadlines else None
        done, _ = ray.wait(list(self.pending) + list(self.starting), num_returns=1, timeout=wait)
        if done:
            [ref] = done
            if ref in self.starting:
                self.started(ref)
            else:
                self.collect(ref, on_result)
            return
        now = time.monotonic()
        if -1 in deadlines and deadlines[-1] <= now:
            raise RuntimeError(f"every worker was lost, and no replacement started within {start_by:.0f} s "
                               f"(the cluster has {ray.available_resources().get('CPU', 0):g} CPU(s) free): stopping")
        for worker, deadline in deadlines.items():
            if worker >= 0 and deadline <= now and any(c.worker == worker for c in self.pending.values()):
                _, late = self.oldest(worker)
                waited = now - max(late.sent, self.last_done.get(worker, late.sent))
                expected = self.expected_s(late.parcel)
                self.lose(worker, f"gave no result for {waited:.1f} s ({described(late.parcel)}, expected "
                          + (f"about {expected:.2f} s" if expected is not None else
                             "unknown: nothing had finished yet") + ")")

    def collect(self, ref: ray.ObjectRef, on_result: Callable[[Recorded], None]) -> None:
        call = self.pending[ref]
        try:
            node, wires = ray.get(ref)
        except LOST as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self.lose(call.worker, f"was lost ({type(exc).__name__}{': ' + first[:160] if first else ''})")
            return
        del self.pending[ref]
        now = time.monotonic()
        started = max(call.sent, self.last_done.get(call.worker, call.sent))
        self.last_done[call.worker] = now
        rate = (now - started) / max(1, attempts_in(call.parcel))
        for batch in call.parcel:
            self.per_attempt[batch.problem_id] = max(rate, self.per_attempt.get(batch.problem_id, 0.0))
        self.slowest = max(rate, self.slowest or 0.0)
        for wire in wires:
            recorded = Recorded.from_wire(wire)
            on_result(recorded)
            self.done.nodes[node.id] = self.done.nodes.get(node.id, 0) + recorded.attempts
        self.done.node_ips[node.id] = node.ip
        self.fill()

    def started(self, ref: ray.ObjectRef) -> None:
        worker, _ = self.starting.pop(ref)
        try:
            self.nodes[worker] = ray.get(ref)
        except LOST as exc:
            self.failed_starts[worker] = self.failed_starts.get(worker, 0) + 1
            ray.kill(self.actors[worker], no_restart=True)
            if self.failed_starts[worker] > self.dispatch.worker_restarts:
                self.actors[worker] = None
                print(f"harness-run: worker {worker}'s replacement did not start ({type(exc).__name__}) "
                      f"{self.failed_starts[worker]} times: going on with {len(self.ready)} worker(s)",
                      file=sys.stderr, flush=True)
            else:
                self.restart(worker)
            return
        self.failed_starts.pop(worker, None)
        self.fill()

    def restart(self, worker: int) -> None:
        self.actors[worker] = self.make()
        self.starting[self.actors[worker].ready.remote()] = (worker, time.monotonic())

    def oldest(self, worker: int) -> tuple[ray.ObjectRef, _Call]:
        return min(((r, c) for r, c in self.pending.items() if c.worker == worker), key=lambda rc: rc[1].sent)

    def expected_s(self, parcel: Parcel) -> float | None:
        if self.slowest is None:
            return None
        return sum(self.per_attempt.get(b.problem_id, self.slowest) * (b.stop - b.start) for b in parcel)

    def deadline(self, worker: int, now: float) -> float:
        """When the worker's oldest call is late: calls on one worker run about one at a time,
        so its clock starts at its last result (or the call's sending, if later)."""
        _, call = self.oldest(worker)
        started = max(call.sent, self.last_done.get(worker, call.sent))
        return started + self.allowed_s(call)

    def allowed_s(self, call: _Call) -> float:
        d = self.dispatch
        expected = self.expected_s(call.parcel)
        allowed = d.stall_floor_s * d.stall_multiple if expected is None else max(d.stall_floor_s,
                                                                                  d.stall_multiple * expected)
        return allowed * 2 ** call.stalls  # a batch that was late before gets longer each time

    def lose(self, worker: int, why: str) -> None:
        """The worker is frozen or gone: kill it (its late results can never be counted: their
        calls are forgotten), start another in its place (wherever the cluster has a CPU), and
        send its batches to the ready workers again, the oldest first."""
        _, late = self.oldest(worker)
        if late.stalls >= self.dispatch.worker_restarts:
            raise RuntimeError(f"{described(late.parcel)} lost its worker {late.stalls + 1} times (the last: {why}): "
                               "stopping (a worker hangs or dies on it)")
        calls = sorted(((r, c) for r, c in self.pending.items() if c.worker == worker), key=lambda rc: rc[1].sent)
        for ref, _ in calls:
            del self.pending[ref]
        self.last_done.pop(worker, None)
        node = self.nodes[worker] if worker < len(self.nodes) else None
        ray.kill(self.actors[worker], no_restart=True)
        self.restart(worker)
        self.queue.extendleft((c.parcel, c.stalls + (c is late)) for _, c in reversed(calls))
        self.done.resent += sum(len(c.parcel) for _, c in calls)
        self.done.lost += 1
        print(f"harness-run: worker {worker}" + (f" (node {node.ip})" if node else "") + f" {why}: killed and "
              f"restarted, its {sum(len(c.parcel) for _, c in calls)} unfinished batch(es) sent again",
              file=sys.stderr, flush=True)
        self.fill()
