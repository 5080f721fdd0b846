"""Verification with a CPU-time bound that survives a hang inside sympy.

Candidates are verified in a child process (a fresh interpreter, so nothing of the parent,
a Ray worker say, is inherited). Before each candidate the child writes its index and
start time to a shared page; the parent watches that clock and, past the bound,
kills the child (signals cannot stop C-level work, and `signal.alarm` fails off the main
thread), records tier `timeout` for that candidate, starts a fresh child and carries on
with the rest. Results travel back in chunks, so the guard costs little per candidate.
The bound is on the child's CPU time, which the parent reads from /proc (wall-clock time where
there is none), so a verdict does not depend on how loaded the machine is; a generous
wall-clock bound catches a child that hangs without using CPU.

Two kinds of work: `verify` checks candidates the caller made (an LLM's, an adaptive
search's); `attempts` lets the child propose them too and build the attempt records, so
only Arrow buffers cross the process boundary (the fast path for cheap stub solvers).
With compact records, a solver that samples in batches on a batch-capable problem is
checked a piece at a time in numpy (harness.core.batch), each hit confirmed by the scalar
verifier; the clock then names the whole piece, and a piece past the bound is redone on
the scalar path, which finds the attempt that hung.
"""
from __future__ import annotations

import mmap
import os
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Callable, Sequence

import cloudpickle
import pyarrow as pa

from harness.core.problem import Checked, Problem, Tier, Verdict
from harness.core.settings import positive, whole
from harness.engine.attempts import attempt_table, records
from harness.engine.batches import checks_in_batches
from harness.engine.cpu_time import CpuWatch
from harness.engine.pending import Pending
from harness.engine.sandbox_child import CLOCK, CLOCK_BYTES, IDLE, Duplex
from harness.solvers.capabilities import RunsInSandbox
from harness.store.records import Recorded, compact_rows, from_ipc

SILENCE_GRACE_S = 10.0


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 5.0  # CPU seconds per verification
    memory_bytes: int = 4 << 30  # address-space limit of the child
    flush_s: float = 0.05  # the child sends results at least this often
    poll_s: float = 0.02  # how often the parent looks at the child's clock
    wall_s: float = 60.0  # wall-clock seconds per verification (never below timeout_s): a hang without CPU

    def __post_init__(self) -> None:  # a NaN bound would never be passed: no hang cut off
        for setting in ("timeout_s", "flush_s", "poll_s", "wall_s"):
            positive(setting, getattr(self, setting))
        whole("memory_bytes", self.memory_bytes, 1)

    @property
    def wall_bound_s(self) -> float:
        return max(self.wall_s, self.timeout_s)

    def exceeded(self, started: float, cpu_used: float | None, now: float) -> str:
        """Why items started at `started` (monotonic) that have used `cpu_used` CPU seconds
        (None: unknown) have run too long, or "" while they have not."""
        if cpu_used is None and now - started > self.timeout_s:
            return f"verification exceeded {self.timeout_s:g} s"
        if cpu_used is not None and cpu_used > self.timeout_s:
            return f"verification exceeded {self.timeout_s:g} CPU-s"
        if now - started > self.wall_bound_s:
            return f"verification exceeded {self.wall_bound_s:g} s of wall-clock time"
        return ""


class SandboxVerifier:
    """Verifies batches in a killable child process; one child at a time, started lazily."""

    def __init__(self, limits: SandboxLimits = SandboxLimits()) -> None:
        self.limits = limits
        self._process: subprocess.Popen | None = None
        self.restarts = 0
        self._deaths_in_a_row = 0

    def verify(self, problem: Problem, candidates: Sequence[str]) -> list[Checked]:
        """Verdicts for the given candidates, in order."""
        results: list[Checked | None] = [None] * len(candidates)

        def receive(chunk) -> list[tuple[int, int]]:
            for index, tier, canonical, score, reason, seconds in chunk:
                results[index] = (Verdict(Tier(tier), canonical, score, reason), seconds)
            return [(index, index + 1) for index, *_ in chunk]

        def settle(index: int, verdict: Verdict, seconds: float) -> None:
            results[index] = (verdict, seconds)

        self._work(problem, Pending(len(candidates)),
                   lambda pending: ("verify", problem.id, [(i, candidates[i]) for i in pending.items()]),
                   receive, settle)
        return results  # type: ignore[return-value]

    def attempts(self, problem: Problem, solver, seed: int, start: int, stop: int, compact: bool = False) -> Recorded:
        """The records of attempts start..stop-1, proposed, verified and built in the child.

        For exchangeable solvers that are cheap, pure and picklable (RunsInSandbox): the child
        re-proposes any attempt it must redo, which such a solver allows. With `compact`, a
        solver sampling in batches on a batch-capable problem is checked in batches, and its
        wrong attempts are counted per piece instead of recorded one by one.
        """
        if not isinstance(solver, RunsInSandbox):  # e.g. an adaptive search: verify as it goes, in the worker
            raise ValueError(f"solver {solver.name!r} does not run in the sandbox: run it in the worker with `verify`")
        tables: list[pa.Table] = []
        counted: list[tuple] = []

        def receive(chunk) -> list[tuple[int, int]]:
            first, last, payload, rows = chunk
            tables.append(from_ipc(payload))
            counted.extend(rows)
            return [(first, last)]

        def settle(index: int, verdict: Verdict, seconds: float) -> None:
            attempt = start + index  # the parent re-proposes it only to record its candidate
            tables.append(attempt_table(problem, solver, seed, attempt, attempt + 1,
                                        lambda *_: [(verdict, seconds)]))

        solver_blob = cloudpickle.dumps(solver)
        self._work(problem, Pending(stop - start, checks_in_batches(problem, solver, compact)),
                   lambda pending: ("attempts", problem.id, solver_blob, seed, start, pending.runs),
                   receive, settle)
        tables = [table for table in tables if table.num_rows]
        tables.sort(key=lambda table: table["attempt"][0].as_py())
        full = pa.concat_tables(tables) if tables else records(problem.id, solver.name, seed, start, [], [])
        return Recorded((problem.id, start, stop), full, compact_rows(sorted(counted, key=lambda row: row[3])))

    def _work(self, problem: Problem, pending: Pending, request: Callable[[Pending], tuple],
              receive: Callable[[object], list[tuple[int, int]]],
              settle: Callable[[int, Verdict, float], None]) -> None:
        """Runs the pending items in the child until each is done: received from it, or settled
        here (timed out, crashed). `request` turns what is pending into a message for the
        child; `receive` takes a message from the child and says which items, as ranges
        [a, b), it holds. A piece of batch-checked items that times out or crashes together
        is redone one by one."""
        while pending.left:
            sent_at = time.monotonic()  # before sending: the child's clock must not predate it
            self._ensure_child(problem, request(pending))
            self._collect(pending, sent_at, receive, settle)

    def _collect(self, pending: Pending, sent_at: float, receive, settle) -> None:
        heard_at, watch = sent_at, CpuWatch(self._process.pid)
        while pending.left:
            if self._conn.poll(self.limits.poll_s):
                heard_at = time.monotonic()
                try:
                    chunk = self._conn.recv()
                except (EOFError, OSError):
                    self._fail(pending, settle, "the verifier process died", sent_at)
                    return
                for a, b in receive(chunk):
                    pending.done(a, b)
                self._deaths_in_a_row = 0
                continue
            if self._process.poll() is not None:
                self._fail(pending, settle, f"the verifier process died (exit code {self._process.returncode})",
                           sent_at)
                return
            now, in_hand = time.monotonic(), self._in_hand(pending, sent_at)
            if in_hand is not None:
                if over := self.limits.exceeded(in_hand[1], watch.used(in_hand), now):
                    self._time_out(pending, settle, in_hand, now - in_hand[1], over)
                    return
            elif now - heard_at > max(2 * self.limits.timeout_s + SILENCE_GRACE_S, self.limits.wall_bound_s):
                # Long silent with no readable clock: the first unreported candidate is the
                # likeliest culprit (the child reports at least every flush_s). The grace
                # covers a fresh child's start-up, which the clock does not.
                first = pending.first()
                self._time_out(pending, settle, (first, heard_at, first + 1), now - heard_at,
                               f"the verifier was silent for {now - heard_at:.0f} s")
                return

    def _time_out(self, pending: Pending, settle, in_hand: tuple[int, float, int], seconds: float,
                  reason: str) -> None:
        index, _, stop = in_hand
        self._stop_child()
        if stop > index + 1:  # a batch piece: redone one by one, which finds the attempt that hung
            pending.one_by_one(index, stop)
            return
        settle(index, Verdict(Tier.TIMEOUT, reason=reason), seconds)
        pending.done(index, index + 1)

    def _in_hand(self, pending: Pending, sent_at: float) -> tuple[int, float, int] | None:
        """(first, start, stop) of the items the child is on, if the clock can be trusted: it
        must name unfinished items of this batch, started after the batch was sent. (Inside
        Ray workers the page was seen reading all zeros: 'started at time 0'.)"""
        index, started, stop = self._clock
        if started >= sent_at and 0 <= index < stop <= pending.size and int(index) in pending:
            return int(index), started, int(stop)
        return None

    def _fail(self, pending: Pending, settle, reason: str, sent_at: float) -> None:
        in_hand = self._in_hand(pending, sent_at)
        self._stop_child()
        if in_hand is not None and in_hand[2] > in_hand[0] + 1:  # in a batch piece: one by one finds the cause
            pending.one_by_one(in_hand[0], in_hand[2])
            return
        if in_hand is not None:
            settle(in_hand[0], Verdict(Tier.ERROR, reason=reason), time.monotonic() - in_hand[1])
            pending.done(in_hand[0], in_hand[0] + 1)
            return
        # Died between candidates: nothing to blame, so retry, but never loop forever.
        self._deaths_in_a_row += 1
        if self._deaths_in_a_row >= 3:
            raise RuntimeError(f"{reason}, three times in a row without progress")

    def _ensure_child(self, problem: Problem, message: tuple) -> None:
        """Sends `message`, after starting a child and teaching it the problem if need be."""
        if self._process is None or self._process.poll() is not None:
            self._start_child()
        if problem.id not in self._sent:
            # cloudpickle: a family defined anywhere (a test, a notebook) reaches the child.
            self._conn.send(("problem", problem.id, cloudpickle.dumps(problem)))
            self._sent.add(problem.id)
        self._conn.send(message)

    def _start_child(self) -> None:
        if self._process is not None:
            self.restarts += 1
        clock_file = tempfile.TemporaryFile()
        clock_file.write(struct.pack(CLOCK, IDLE, IDLE, IDLE))
        clock_file.flush()
        self._clock_map = mmap.mmap(clock_file.fileno(), CLOCK_BYTES)
        from_parent, to_child = os.pipe()  # (read end, write end)
        from_child, to_parent = os.pipe()
        fds = (from_parent, to_parent, clock_file.fileno())
        self._process = subprocess.Popen(
            [sys.executable, "-m", "harness.engine.sandbox_child", *map(str, fds),
             str(self.limits.memory_bytes), str(self.limits.flush_s), str(os.getpid())],
            pass_fds=fds, stdin=subprocess.DEVNULL)
        for fd in (from_parent, to_parent):
            os.close(fd)
        clock_file.close()
        self._conn = Duplex(Connection(from_child, writable=False), Connection(to_child, readable=False))
        self._sent: set[str] = set()

    @property
    def _clock(self) -> tuple[float, float, float]:
        """(first, start, stop) of the items in hand; start < 0 when idle.

        The child writes while the parent reads, so a read can be torn: half of "idle" (-1.0)
        and half of a start time reads as a time an hour in the past (seen: a false timeout).
        Two equal reads in a row are a consistent one.
        """
        while True:
            first = struct.unpack_from(CLOCK, self._clock_map)
            if struct.unpack_from(CLOCK, self._clock_map) == first:
                return first

    def _stop_child(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._conn.close()

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                self._conn.send(None)
                self._process.wait(timeout=1)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._stop_child()
        self._process = None

    def __enter__(self) -> "SandboxVerifier":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
