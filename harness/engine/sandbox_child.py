"""The sandbox's child process (`python -m harness.engine.sandbox_child`, started by
harness.engine.sandbox): it verifies, or proposes and records, what it is sent, writes the item
in hand to the shared clock page before each one, reports in chunks, and dies with its parent.
The wire between the two sides is here: the clock page's layout and the duplex pipe."""
from __future__ import annotations

import ctypes
import mmap
import os
import pickle
import resource
import signal
import struct
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection

from harness.core.batch import hits, texts
from harness.core.problem import Checked, Problem, Tier, Verdict
from harness.engine.attempts import records, solve
from harness.solvers.proposal import Operator, candidate_text, failure
from harness.store.records import to_ipc

IDLE = -1.0
CLOCK = "ddd"  # the shared page: (first item in hand, when it started, item after the last in hand)
CLOCK_BYTES = struct.calcsize(CLOCK)


@dataclass
class Duplex:
    """Two one-way pipe ends as one connection."""

    reader: Connection
    writer: Connection

    def send(self, obj) -> None:
        self.writer.send(obj)

    def recv(self):
        return self.reader.recv()

    def poll(self, timeout: float) -> bool:
        return self.reader.poll(timeout)

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


def _serve(conn_in: Connection, conn_out: Connection, clock: mmap.mmap, flush_s: float) -> None:
    """The child: do what it is sent, reporting in chunks, until told to stop."""
    problems: dict[str, Problem] = {}
    paces = {False: _Pace(flush_s), True: _Pace(flush_s, piece=4096)}  # one by one, in batches
    while (message := _receive(conn_in)) is not None:
        kind, problem_id, *work = message
        if kind == "problem":
            problems[problem_id] = pickle.loads(work[0])
            continue
        problem = problems[problem_id]
        if kind == "verify":
            _verify_items(problem, work[0], conn_out, clock, flush_s)
        else:
            solver_blob, seed, start, runs = work
            _make_records(problem, pickle.loads(solver_blob), seed, start, runs, conn_out, clock, paces)
        _set_clock(clock, -1, IDLE)


def _verify_items(problem: Problem, items: list[tuple[int, str]], conn_out: Connection,
                  clock: mmap.mmap, flush_s: float) -> None:
    chunk, last_flush = [], time.monotonic()
    for index, text in items:
        verdict, seconds = _timed_verify(problem, text, index, clock)
        chunk.append((index, verdict.tier.value, verdict.canonical, verdict.score, verdict.reason, seconds))
        if time.monotonic() - last_flush > flush_s:
            _set_clock(clock, index, IDLE)
            conn_out.send(chunk)
            chunk, last_flush = [], time.monotonic()
    if chunk:  # an empty one would be read by the parent's next call, which has stopped listening to this one
        conn_out.send(chunk)


def _make_records(problem: Problem, solver, seed: int, start: int, runs: list[tuple[int, int, bool]],
                  conn_out: Connection, clock: mmap.mmap, paces: dict[bool, "_Pace"]) -> None:
    """Items are attempts start + i, for i in each run [a, b), checked in batches or one by one;
    sent as (first item, item after the last, Arrow IPC stream of full records, compact rows)
    in pieces sized to take about flush_s each."""
    def send(first: int, proposals: list, checked: list) -> None:
        table = records(problem.id, solver.name, seed, start + first, proposals, checked)
        conn_out.send((first, first + len(proposals), to_ipc(table), []))

    for a, b, batched in runs:
        if batched:
            _check_in_batches(problem, solver, seed, start, a, b, conn_out, clock, paces[True])
            continue
        pace = paces[False]
        proposals, checked = solve(problem, solver, seed, start + a, start + b)
        if checked is not None:  # the solver failed: nothing to verify
            send(a, proposals, checked)
            continue
        first = a
        while first < b:
            last, began = min(b, first + pace.piece), time.monotonic()
            chunk = proposals[first - a:last - a]
            checked = [(Verdict(Tier.ERROR, reason=why), 0.0) if (why := failure(proposal)) is not None
                       else _timed_verify(problem, candidate_text(proposal), index, clock)
                       for index, proposal in enumerate(chunk, first)]
            _set_clock(clock, last - 1, IDLE)
            send(first, chunk, checked)
            pace.took(time.monotonic() - began, last - first)
            first = last


def _check_in_batches(problem: Problem, solver, seed: int, start: int, a: int, b: int,
                      conn_out: Connection, clock: mmap.mmap, pace: "_Pace") -> None:
    """Items a..b-1 a piece at a time: the batch check under one bound for the piece, then each
    hit confirmed by the scalar verifier under its own. Hits get full records; the piece's wrong
    attempts one compact row."""
    first = a
    while first < b:
        last, began = min(b, first + pace.piece), time.monotonic()
        _set_clock(clock, first, began, last)
        offsets, values = hits(problem, partial(solver.values, problem, seed), start + first, start + last)
        checked_s = time.monotonic() - began
        candidates = texts(values, problem.space)
        checked = [_timed_verify(problem, text, first + int(hit), clock) for hit, text in zip(offsets, candidates)]
        _set_clock(clock, last - 1, IDLE)
        table = records(problem.id, solver.name, seed, start, candidates, checked, at=start + first + offsets)
        wrong = (last - first) - len(offsets)
        conn_out.send((first, last, to_ipc(table),
                       [(problem.id, solver.name, seed, start + first, start + last, wrong, checked_s,
                         Operator.FRESH.value)]))  # a batch sampler's attempts are fresh samples of its law
        pace.took(time.monotonic() - began, last - first)
        first = last


@dataclass
class _Pace:
    """Items per piece of work, kept so a piece takes about flush_s: long enough that
    building its records costs little per item, short enough that a kill loses little."""

    flush_s: float
    piece: int = 16

    def took(self, seconds: float, items: int) -> None:
        if items == self.piece and seconds < self.flush_s / 2:
            self.piece *= 2
        elif seconds > 2 * self.flush_s:
            self.piece = max(1, self.piece // 2)


def _timed_verify(problem: Problem, text: str, index: int, clock: mmap.mmap) -> Checked:
    began = time.monotonic()
    _set_clock(clock, index, began)
    verdict = problem.verify(text)
    return verdict, time.monotonic() - began


def _set_clock(clock: mmap.mmap, index: float, started: float, stop: float | None = None) -> None:
    struct.pack_into(CLOCK, clock, 0, index, started, index + 1 if stop is None else stop)


def _receive(conn: Connection):
    try:
        return conn.recv()
    except EOFError:  # the parent is gone (a killed worker): leave quietly
        return None


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_S = 1.0


def _die_with_parent(parent: int) -> None:
    """The child must not outlive its parent: a killed worker would leave it spinning at 100%
    CPU, reparented to PID 1. Linux kills it when the parent dies (the parent-death signal,
    which works even while the child is deep in C code); where that is missing, a thread
    notices the parent is gone (a new parent pid) within PARENT_CHECK_S."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


if __name__ == "__main__":
    read_fd, write_fd, clock_fd, memory_bytes, flush_s, parent_pid = sys.argv[1:]
    _die_with_parent(int(parent_pid))
    resource.setrlimit(resource.RLIMIT_AS, (int(memory_bytes), int(memory_bytes)))
    records("", "", 0, 0, [], [])  # pyarrow imports pandas at its first table (0.35 s): here, not under a bound
    _serve(Connection(int(read_fd), writable=False), Connection(int(write_fd), readable=False),
           mmap.mmap(int(clock_fd), CLOCK_BYTES), float(flush_s))
