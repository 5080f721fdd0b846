"""Verification with a wall-clock bound that survives a hang inside sympy.

Candidates are verified in a child process (a fresh interpreter, so nothing of the parent,
a Ray worker say, is inherited). Before each candidate the child writes its index and
start time to a shared page; the parent watches that clock and, past the bound,
kills the child (signals cannot stop C-level work, and `signal.alarm` fails off the main
thread), records tier `timeout` for that candidate, starts a fresh child and carries on
with the rest. Results travel back in chunks, so the guard costs little per candidate.
"""
from __future__ import annotations

import mmap
import os
import pickle
import resource
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Sequence

import cloudpickle

from harness.problem import Problem, Tier, Verdict

Checked = tuple[Verdict, float]  # a verdict and the seconds its verification took

_IDLE = -1.0
SILENCE_GRACE_S = 10.0


def verify_inline(problem: Problem, candidates: Sequence[str]) -> list[Checked]:
    """The reference: verify in this process, with no time bound."""
    out = []
    for text in candidates:
        began = time.perf_counter()
        verdict = problem.verify(text)
        out.append((verdict, time.perf_counter() - began))
    return out


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 5.0  # wall-clock bound per verification
    memory_bytes: int = 4 << 30  # address-space limit of the child
    flush_s: float = 0.05  # the child sends results at least this often
    poll_s: float = 0.02  # how often the parent looks at the child's clock


class SandboxVerifier:
    """Verifies batches in a killable child process; one child at a time, started lazily."""

    def __init__(self, limits: SandboxLimits = SandboxLimits()) -> None:
        self.limits = limits
        self._process: subprocess.Popen | None = None
        self.restarts = 0
        self._deaths_in_a_row = 0

    def verify(self, problem: Problem, candidates: Sequence[str]) -> list[Checked]:
        results: list[Checked | None] = [None] * len(candidates)
        while (pending := [i for i, r in enumerate(results) if r is None]):
            self._ensure_child(problem)
            sent_at = time.monotonic()
            self._conn.send((problem.id, [(i, candidates[i]) for i in pending]))
            self._collect(results, pending, sent_at)
        return results  # type: ignore[return-value]

    def _collect(self, results: list, pending: list[int], sent_at: float) -> None:
        remaining, heard_at = len(pending), sent_at
        while remaining:
            if self._conn.poll(self.limits.poll_s):
                heard_at = time.monotonic()
                try:
                    chunk = self._conn.recv()
                except (EOFError, OSError):
                    self._fail(results, "the verifier process died", sent_at)
                    return
                for index, tier, canonical, score, reason, seconds in chunk:
                    results[index] = (Verdict(Tier(tier), canonical, score, reason), seconds)
                remaining -= len(chunk)
                self._deaths_in_a_row = 0
                continue
            if self._process.poll() is not None:
                self._fail(results, f"the verifier process died (exit code {self._process.returncode})", sent_at)
                return
            now, in_hand = time.monotonic(), self._in_hand(results, sent_at)
            if in_hand is not None and now - in_hand[1] > self.limits.timeout_s:
                self._time_out(results, in_hand[0], now - in_hand[1])
                return
            if in_hand is None and now - heard_at > 2 * self.limits.timeout_s + SILENCE_GRACE_S:
                # Long silent with no readable clock: the first unreported candidate is the
                # likeliest culprit (the child reports at least every flush_s). The grace
                # covers a fresh child's start-up, which the clock does not.
                self._time_out(results, next(i for i in pending if results[i] is None), now - heard_at)
                return

    def _time_out(self, results: list, index: int, seconds: float) -> None:
        self._stop_child()
        results[index] = (Verdict(Tier.TIMEOUT, reason=f"verification exceeded {self.limits.timeout_s:g} s"), seconds)

    def _in_hand(self, results: list, sent_at: float) -> tuple[int, float] | None:
        """(index, start) of the candidate the child is verifying, if the clock can be trusted:
        it must name an unfinished candidate of this batch, started after the batch was sent.
        (Inside Ray workers the page was seen reading all zeros: 'started at time 0'.)"""
        index, started = self._clock
        if started >= sent_at and 0 <= index < len(results) and results[int(index)] is None:
            return int(index), started
        return None

    def _fail(self, results: list, reason: str, sent_at: float) -> None:
        in_hand = self._in_hand(results, sent_at)
        self._stop_child()
        if in_hand is not None:
            results[in_hand[0]] = (Verdict(Tier.ERROR, reason=reason), time.monotonic() - in_hand[1])
            return
        # Died between candidates: nothing to blame, so retry, but never loop forever.
        self._deaths_in_a_row += 1
        if self._deaths_in_a_row >= 3:
            raise RuntimeError(f"{reason}, three times in a row without progress")

    def _ensure_child(self, problem: Problem) -> None:
        if self._process is None or self._process.poll() is not None:
            self._start_child()
        if problem.id not in self._sent:
            # cloudpickle: a family defined anywhere (a test, a notebook) reaches the child.
            self._conn.send(("problem", cloudpickle.dumps(problem)))
            self._sent.add(problem.id)

    def _start_child(self) -> None:
        if self._process is not None:
            self.restarts += 1
        clock_file = tempfile.TemporaryFile()
        clock_file.write(struct.pack("dd", _IDLE, _IDLE))
        clock_file.flush()
        self._clock_map = mmap.mmap(clock_file.fileno(), 16)
        from_parent, to_child = os.pipe()  # (read end, write end)
        from_child, to_parent = os.pipe()
        fds = (from_parent, to_parent, clock_file.fileno())
        self._process = subprocess.Popen(
            [sys.executable, "-m", "harness.sandbox", *map(str, fds),
             str(self.limits.memory_bytes), str(self.limits.flush_s)],
            pass_fds=fds, stdin=subprocess.DEVNULL)
        for fd in (from_parent, to_parent):
            os.close(fd)
        clock_file.close()
        self._conn = _Duplex(Connection(from_child, writable=False), Connection(to_child, readable=False))
        self._sent: set[str] = set()

    @property
    def _clock(self) -> tuple[float, float]:
        """(index, start) of the candidate in hand; start < 0 when idle.

        The child writes while the parent reads, so a read can be torn: half of "idle" (-1.0)
        and half of a start time reads as a time an hour in the past (seen: a false timeout).
        Two equal reads in a row are a consistent one.
        """
        while True:
            first = struct.unpack_from("dd", self._clock_map)
            if struct.unpack_from("dd", self._clock_map) == first:
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


@dataclass
class _Duplex:
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
    """The child: verify what it is sent, reporting in chunks, until told to stop."""
    problems: dict[str, Problem] = {}
    while (message := _receive(conn_in)) is not None:
        if message[0] == "problem":
            problem = pickle.loads(message[1])
            problems[problem.id] = problem
            continue
        problem_id, work = message
        problem = problems[problem_id]
        chunk, last_flush = [], time.monotonic()
        for index, text in work:
            struct.pack_into("dd", clock, 0, index, time.monotonic())
            began = time.perf_counter()
            verdict = problem.verify(text)
            seconds = time.perf_counter() - began
            chunk.append((index, verdict.tier.value, verdict.canonical, verdict.score, verdict.reason, seconds))
            if time.monotonic() - last_flush > flush_s:
                struct.pack_into("dd", clock, 0, index, _IDLE)
                conn_out.send(chunk)
                chunk, last_flush = [], time.monotonic()
        struct.pack_into("dd", clock, 0, -1, _IDLE)
        conn_out.send(chunk)


def _receive(conn: Connection):
    try:
        return conn.recv()
    except EOFError:  # the parent is gone (a killed worker): leave quietly
        return None


if __name__ == "__main__":
    read_fd, write_fd, clock_fd, memory_bytes, flush_s = sys.argv[1:]
    resource.setrlimit(resource.RLIMIT_AS, (int(memory_bytes), int(memory_bytes)))
    _serve(Connection(int(read_fd), writable=False), Connection(int(write_fd), readable=False),
           mmap.mmap(int(clock_fd), 16), float(flush_s))
