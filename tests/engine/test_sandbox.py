import os
import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pyarrow.compute as pc
import pytest

from harness.core import batch
from harness.core.parse import parse_int_tuple
from harness.core.problem import Problem, Tier, verify_inline
from harness.core.space import IntBox
from harness.engine.attempts import attempt_table
from harness.engine.cpu_time import CpuWatch, cpu_seconds
from harness.engine.pending import Pending
from harness.engine.sandbox import SandboxLimits, SandboxVerifier
from harness.engine.sandbox_child import CLOCK
from harness.solvers import EvolveSolver, HeavyTailedSolver, RandomSolver, RunsInSandbox
from problems.ramsey import make as ramsey
from problems.three_cubes import make


@dataclass(frozen=True)
class Trap(Problem):
    """x = 1 is the solution; 2 spins forever in a tight loop, 3 kills its own process, 4 sleeps
    for a minute (a hang using no CPU), 5 is a solution too, after 0.3 CPU-s of work."""

    family = "trap"
    instance = "only"
    statement = "Name 1."
    space = IntBox(1, 1, 5)

    def parse(self, text):
        return parse_int_tuple(text, 1)[0]

    def check(self, x):
        if x == 2:
            while True:  # a hang no signal handler could interrupt in C code either
                pass
        if x == 3:
            os._exit(9)
        if x == 4:
            time.sleep(60)
        if x == 5:
            burn_cpu(0.3)
        return (0.0, None) if x in (1, 5) else (-1.0, "not 1")

    def canonical(self, x):
        return str(x)


def burn_cpu(seconds: float) -> None:
    began = time.process_time()
    while time.process_time() - began < seconds:
        pass


@pytest.fixture
def sandbox():
    with SandboxVerifier(SandboxLimits(timeout_s=0.5)) as verifier:
        yield verifier


def test_same_verdicts_as_inline(sandbox):
    problem = make(k=3, bound=5)
    candidates = RandomSolver().propose(problem, 0, 0, 500) + ["4, 4, -5", "x", ""]
    inline = [v for v, _ in verify_inline(problem, candidates)]
    assert [v for v, _ in sandbox.verify(problem, candidates)] == inline
    assert {v.tier for v in inline} >= {Tier.WRONG, Tier.NOVEL, Tier.MALFORMED}


def test_a_hang_becomes_timeout_and_the_rest_still_run(sandbox):
    began = time.monotonic()
    checked = sandbox.verify(Trap(), ["1", "2", "1", "0", "2", "1"])
    tiers = [v.tier for v, _ in checked]
    assert tiers == [Tier.NOVEL, Tier.TIMEOUT, Tier.NOVEL, Tier.WRONG, Tier.TIMEOUT, Tier.NOVEL]
    assert "exceeded 0.5 CPU-s" in checked[1][0].reason and checked[1][1] >= 0.5
    assert sandbox.restarts == 2
    assert time.monotonic() - began < 10
    # the verifier is still usable afterwards
    assert [v.tier for v, _ in sandbox.verify(make(k=3, bound=5), ["1, 1, 1"])] == [Tier.NOVEL]


def test_a_crash_becomes_error_for_that_candidate_only(sandbox):
    tiers = [v.tier for v, _ in sandbox.verify(Trap(), ["1", "3", "1"])]
    assert tiers == [Tier.NOVEL, Tier.ERROR, Tier.NOVEL]


def test_a_clock_page_read_as_zeros_is_not_taken_for_a_hang(sandbox):
    """Seen inside Ray workers: the clock page read all zeros, which once meant 'started at
    time 0', so a false timeout. Zero it over and over while a batch runs."""
    import struct
    import threading

    problem = make(k=3, bound=5)
    candidates = RandomSolver().propose(problem, 1, 0, 20000)
    sandbox.verify(problem, candidates[:10])  # the child is up, its clock mapped
    stop = threading.Event()

    def zero_the_clock():
        while not stop.is_set():
            struct.pack_into(CLOCK, sandbox._clock_map, 0, 0.0, 0.0, 0.0)

    vandal = threading.Thread(target=zero_the_clock)
    vandal.start()
    try:
        checked = sandbox.verify(problem, candidates)
    finally:
        stop.set()
        vandal.join()
    assert Tier.TIMEOUT not in {v.tier for v, _ in checked}
    assert [v for v, _ in checked] == [v for v, _ in verify_inline(problem, candidates)]


def test_a_child_held_off_the_cpu_by_load_is_not_timed_out(sandbox):
    """The bound is on CPU time: a verification that needs 0.3 CPU-s but, on a loaded machine,
    takes 2 s of wall-clock time (here the child is stopped for 2 s mid-verification) keeps its
    verdict under a 0.5 s bound."""
    import signal
    import threading

    sandbox.verify(Trap(), ["0"])  # the child is up
    held = threading.Event()

    def hold_the_child_off_the_cpu():
        while sandbox._clock[1] < 0:  # until the candidate is in hand: a stop before it would prove nothing
            time.sleep(0.001)
        os.kill(sandbox._process.pid, signal.SIGSTOP)
        time.sleep(2)
        held.set()
        os.kill(sandbox._process.pid, signal.SIGCONT)

    holder = threading.Thread(target=hold_the_child_off_the_cpu)
    holder.start()
    [(verdict, seconds)] = sandbox.verify(Trap(), ["5"])
    holder.join()
    assert held.is_set() and seconds >= 2
    assert verdict.tier == Tier.NOVEL, verdict.reason


def test_a_hang_that_uses_no_cpu_is_cut_at_the_wall_clock_bound():
    with SandboxVerifier(SandboxLimits(timeout_s=0.5, wall_s=1.5)) as sandbox:
        began = time.monotonic()
        checked = sandbox.verify(Trap(), ["4", "1"])
    assert [v.tier for v, _ in checked] == [Tier.TIMEOUT, Tier.NOVEL]
    assert "exceeded 1.5 s of wall-clock time" in checked[0][0].reason
    assert time.monotonic() - began < 20


def test_the_cpu_watch_counts_from_when_it_first_sees_the_items_in_hand():
    watch = CpuWatch(os.getpid())
    assert watch.used(("item", 1)) == 0.0
    burn_cpu(0.3)
    assert 0.25 <= watch.used(("item", 1)) < 1.0
    assert watch.used(("item", 2)) == 0.0  # new items in hand: counted from now
    assert CpuWatch(2 ** 22 + 1).used(("item", 1)) is None  # no such process: /proc cannot say
    assert abs(cpu_seconds(os.getpid()) - time.process_time()) < 0.1


@dataclass(frozen=True)
class Scripted(RunsInSandbox):
    """Proposes script[i % len(script)] for attempt i: cheap, pure and picklable."""

    script: tuple[str, ...]
    name: ClassVar[str] = "scripted"

    def propose(self, problem, seed, start, stop):
        return [self.script[i % len(self.script)] for i in range(start, stop)]


def without_timings(table):
    return table.drop_columns(["verify_s"]).to_pylist()


def test_records_built_in_the_child_equal_the_inline_ones():
    problem, solver = make(k=3, bound=5), RandomSolver()
    # flush_s tiny: the child sends many pieces of varying size
    with SandboxVerifier(SandboxLimits(flush_s=0.001)) as sandbox:
        in_child = sandbox.attempts(problem, solver, 7, 100, 2600).full
    inline = attempt_table(problem, solver, 7, 100, 2600)
    assert in_child.schema == inline.schema
    assert without_timings(in_child) == without_timings(inline)
    assert {"wrong", "novel"} <= set(in_child["tier"].to_pylist())


def test_a_verify_whose_last_item_flushed_leaves_nothing_behind_for_the_next_call():
    # Slow verification (a loaded machine, a cold child) flushes at the last item; the child then
    # sent an empty chunk too, which the next call read as its own: "not enough values to unpack".
    problem, solver = make(k=3, bound=5), RandomSolver()
    with SandboxVerifier(SandboxLimits(flush_s=1e-9)) as sandbox:  # every item flushes
        assert [v.tier for v, _ in sandbox.verify(problem, ["1, 1, 1", "0"])] == [Tier.NOVEL, Tier.MALFORMED]
        in_child = sandbox.attempts(problem, solver, 7, 0, 50).full
    assert without_timings(in_child) == without_timings(attempt_table(problem, solver, 7, 0, 50))


def test_a_hang_and_a_crash_in_the_child_are_recorded_at_their_attempt(sandbox):
    solver = Scripted(("1", "2", "1", "0", "3", "1"))
    table = sandbox.attempts(Trap(), solver, 0, 10, 22).full.to_pandas()
    assert table["attempt"].tolist() == list(range(10, 22))  # each once, in order
    assert table["candidate"].tolist() == solver.propose(Trap(), 0, 10, 22)
    expected = {"1": "novel", "0": "wrong", "2": "timeout", "3": "error"}
    assert table["tier"].tolist() == [expected[c] for c in table["candidate"]]
    assert table.loc[table["tier"] == "timeout", "error"].str.contains("exceeded 0.5 CPU-s").all()
    assert table.loc[table["tier"] == "error", "error"].str.contains("verifier process died").all()
    assert sandbox.restarts == 4


def test_a_failing_solver_in_the_child_gives_error_records(sandbox):
    @dataclass(frozen=True)
    class Broken(Scripted):
        def propose(self, problem, seed, start, stop):
            raise RuntimeError("no candidates today")

    table = sandbox.attempts(make(k=3, bound=5), Broken(()), 0, 0, 5).full
    assert table["tier"].to_pylist() == ["error"] * 5
    assert "no candidates today" in table["error"][0].as_py()


def test_an_adaptive_solver_is_not_run_in_the_child(sandbox):
    with pytest.raises(ValueError, match="does not run in the sandbox"):
        sandbox.attempts(make(k=3, bound=5), EvolveSolver(), 0, 0, 10)


# The batch path (records=compact): pieces checked in numpy, hits confirmed one by one.
def compact_and_full(sandbox, problem, solver, seed, start, stop):
    compact = sandbox.attempts(problem, solver, seed, start, stop, compact=True)
    full = sandbox.attempts(problem, solver, seed, start, stop).full
    return compact, full


@pytest.mark.parametrize("problem, solver, attempts", [
    (make(k=3, bound=5), RandomSolver(), 60_000),
    (ramsey(n=8, k=4), RandomSolver(), 15_000),  # bit strings, packed (harness.core.batch)
    (ramsey(n=8, k=4), HeavyTailedSolver(), 15_000),  # off int64 boxes it samples as random does
], ids=["three_cubes", "ramsey", "ramsey-heavy-tailed"])
def test_checked_in_batches_the_wrong_attempts_are_counted_and_the_rest_recorded_as_one_by_one(problem, solver,
                                                                                                attempts):
    with SandboxVerifier(SandboxLimits(flush_s=0.001)) as sandbox:  # many small pieces
        compact, full = compact_and_full(sandbox, problem, solver, 7, 100, 100 + attempts)
    assert compact.key == (problem.id, 100, 100 + attempts) and compact.attempts == attempts
    rows = compact.compact.to_pandas()
    assert len(rows) > 1 and rows["start"].iloc[0] == 100 and rows["stop"].iloc[-1] == 100 + attempts
    assert (rows["start"].iloc[1:].to_numpy() == rows["stop"].iloc[:-1].to_numpy()).all()  # contiguous
    wrong = full.filter(pc.equal(full["tier"], "wrong"))
    assert rows["wrong"].sum() == wrong.num_rows > 0
    expected = full.filter(pc.not_equal(full["tier"], "wrong"))
    assert expected.num_rows > 0 and without_timings(compact.full) == without_timings(expected)


def test_without_compact_records_or_outside_a_batch_capable_box_every_attempt_gets_a_row(sandbox):
    solver = RandomSolver()
    assert sandbox.attempts(make(k=3, bound=5), solver, 0, 0, 500).compact.num_rows == 0
    trap = sandbox.attempts(Trap(), Scripted(("1", "0")), 0, 0, 6, compact=True)  # not batch-checkable
    assert trap.compact.num_rows == 0 and trap.full.num_rows == 6


@dataclass(frozen=True)
class BatchTrap(Problem):
    """x < 1000 solves it. Value `hang` spins and `crash` kills the process, in the batch check
    as in the scalar one: a piece holding either must be redone one by one to find it."""

    hang: int = -1
    crash: int = -1
    family = "batchtrap"
    instance = "only"
    statement = "Name a number below 1000."
    space = IntBox(1, 0, 10**6)
    int64_safe = True

    def parse(self, text):
        return parse_int_tuple(text, 1)[0]

    def check(self, x):
        if x == self.hang:
            while True:
                pass
        if x == self.crash:
            os._exit(9)
        return (0.0, None) if x < 1000 else (-1.0, "not below 1000")

    def canonical(self, x):
        return str(x)

    def batch_valid(self, values):
        if (values == self.hang).any():
            while True:
                pass
        if (values == self.crash).any():
            os._exit(9)
        return values[:, 0] < 1000


def test_a_piece_that_hangs_or_crashes_is_redone_one_by_one_and_the_culprits_found(sandbox):
    solver, n = RandomSolver(), 40_000
    values = batch.sample(BatchTrap.space, 3, "batchtrap/only", 0, n)[:, 0]
    hang, crash = (next(i for i in range(at, n) if (values == values[i]).sum() == 1) for at in (3000, 25_000))
    problem = BatchTrap(hang=int(values[hang]), crash=int(values[crash]))
    recorded = sandbox.attempts(problem, solver, 3, 0, n, compact=True)
    table = recorded.full.to_pandas().set_index("attempt")
    assert recorded.attempts == n and not table.index.duplicated().any()  # each attempt once
    assert table.loc[hang, "tier"] == "timeout" and table.loc[crash, "tier"] == "error"
    solutions = np.flatnonzero(values < 1000)
    assert len(solutions) > 10 and set(table.loc[solutions, "tier"]) <= {"valid", "novel", "interesting"}
    counted = recorded.compact.to_pandas()
    covered = np.zeros(n, int)
    for start, stop in zip(counted["start"], counted["stop"]):
        covered[start:stop] += 1
    assert (covered <= 1).all() and counted["wrong"].sum() == n - len(table)
    # The culprits' pieces were redone one by one (a full row each); the rest stayed compact.
    one_by_one = np.flatnonzero(covered == 0)
    pieces = np.split(one_by_one, np.flatnonzero(np.diff(one_by_one) != 1) + 1)
    assert len(pieces) == 2 and hang in pieces[0] and crash in pieces[1]
    assert set(table.index) == {*solutions, *one_by_one}


def test_pending_keeps_the_items_not_done_as_runs_flagged_batched_or_one_by_one():
    pending = Pending(10, batched=True)
    pending.done(0, 2)
    pending.one_by_one(4, 6)
    pending.done(7, 9)
    assert pending.runs == [(2, 4, True), (4, 6, False), (6, 7, True), (9, 10, True)]
    assert pending.left == 6 and pending.first() == 2 and pending.items() == [2, 3, 4, 5, 6, 9]
    assert 4 in pending and 7 not in pending and 0 not in pending
    pending.done(3, 10)  # a range partly done before: each item counted once
    assert pending.runs == [(2, 3, True)] and pending.left == 1
    pending.done(2, 3)
    assert pending.runs == [] and pending.left == 0
    assert Pending(0).runs == [] and Pending(0).left == 0


def test_pending_agrees_with_a_mask_per_item():
    rng = np.random.default_rng(0)
    for _ in range(300):
        size = int(rng.integers(1, 40))
        pending, done, batched = Pending(size, batched=True), np.zeros(size, bool), np.ones(size, bool)
        for _ in range(6):
            a = int(rng.integers(0, size))
            b = int(rng.integers(a, size + 1))
            if rng.random() < 0.5:
                pending.done(a, b)
                done[a:b] = True
            else:
                pending.one_by_one(a, b)
                batched[a:b] = False
            assert pending.left == (~done).sum() and pending.items() == np.flatnonzero(~done).tolist()
            assert all(a < b and set(batched[a:b].tolist()) == {flag} for a, b, flag in pending.runs)


PARENT = """
import sys, threading, time
from harness.engine.sandbox import SandboxLimits, SandboxVerifier
from tests.engine.test_sandbox import Trap
sandbox = SandboxVerifier(SandboxLimits(timeout_s=600))
threading.Thread(target=sandbox.verify, args=(Trap(), ["2"]), daemon=True).start()  # spins in the child
while sandbox._process is None:
    time.sleep(0.01)
print(sandbox._process.pid, flush=True)
time.sleep(600)
"""


def test_the_child_dies_with_its_parent_even_mid_hang():
    import subprocess
    import sys

    import psutil

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=repo, stdout=subprocess.PIPE, text=True)
    child = psutil.Process(int(parent.stdout.readline()))
    deadline = time.monotonic() + 30
    while child.cpu_percent(interval=0.2) < 50:  # the child is in the hang
        assert time.monotonic() < deadline, "the child never started spinning"
    parent.kill()
    parent.wait()
    try:
        child.wait(timeout=5)
    except psutil.TimeoutExpired:
        child.kill()
        pytest.fail("the sandbox child outlived its SIGKILLed parent")


@pytest.mark.parametrize("setting", ["timeout_s", "flush_s", "poll_s", "wall_s"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0.0, -1.0])
def test_limits_that_bound_nothing_are_refused(setting, value):
    with pytest.raises(ValueError, match=f"{setting} must be a finite number above 0"):
        SandboxLimits(**{setting: value})
