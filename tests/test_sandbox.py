import os
import time
from dataclasses import dataclass
from typing import ClassVar

import pytest
from problems.three_cubes import make

from harness.parse import parse_int_tuple
from harness.problem import Problem, Tier, verify_inline
from harness.attempts import attempt_table
from harness.sandbox import SandboxLimits, SandboxVerifier, _runs
from harness.solvers import EvolveSolver, RandomSolver, RunsInSandbox
from harness.space import IntBox


@dataclass(frozen=True)
class Trap(Problem):
    """x = 1 is the solution; 2 spins forever in a tight loop, 3 kills its own process."""

    family = "trap"
    instance = "only"
    statement = "Name 1."
    space = IntBox(1, 1, 3)

    def parse(self, text):
        return parse_int_tuple(text, 1)[0]

    def check(self, x):
        if x == 2:
            while True:  # a hang no signal handler could interrupt in C code either
                pass
        if x == 3:
            os._exit(9)
        return (0.0, None) if x == 1 else (-1.0, "not 1")

    def canonical(self, x):
        return str(x)


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
    assert "exceeded 0.5 s" in checked[1][0].reason and checked[1][1] >= 0.5
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
            struct.pack_into("dd", sandbox._clock_map, 0, 0.0, 0.0)

    vandal = threading.Thread(target=zero_the_clock)
    vandal.start()
    try:
        checked = sandbox.verify(problem, candidates)
    finally:
        stop.set()
        vandal.join()
    assert Tier.TIMEOUT not in {v.tier for v, _ in checked}
    assert [v for v, _ in checked] == [v for v, _ in verify_inline(problem, candidates)]


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
        in_child = sandbox.attempts(problem, solver, 7, 100, 2600)
    inline = attempt_table(problem, solver, 7, 100, 2600)
    assert in_child.schema == inline.schema
    assert without_timings(in_child) == without_timings(inline)
    assert {"wrong", "novel"} <= set(in_child["tier"].to_pylist())


def test_a_hang_and_a_crash_in_the_child_are_recorded_at_their_attempt(sandbox):
    solver = Scripted(("1", "2", "1", "0", "3", "1"))
    table = sandbox.attempts(Trap(), solver, 0, 10, 22).to_pandas()
    assert table["attempt"].tolist() == list(range(10, 22))  # each once, in order
    assert table["candidate"].tolist() == solver.propose(Trap(), 0, 10, 22)
    expected = {"1": "novel", "0": "wrong", "2": "timeout", "3": "error"}
    assert table["tier"].tolist() == [expected[c] for c in table["candidate"]]
    assert table.loc[table["tier"] == "timeout", "error"].str.contains("exceeded 0.5 s").all()
    assert table.loc[table["tier"] == "error", "error"].str.contains("verifier process died").all()
    assert sandbox.restarts == 4


def test_a_failing_solver_in_the_child_gives_error_records(sandbox):
    @dataclass(frozen=True)
    class Broken(Scripted):
        def propose(self, problem, seed, start, stop):
            raise RuntimeError("no candidates today")

    table = sandbox.attempts(make(k=3, bound=5), Broken(()), 0, 0, 5)
    assert table["tier"].to_pylist() == ["error"] * 5
    assert "no candidates today" in table["error"][0].as_py()


def test_an_adaptive_solver_is_not_run_in_the_child(sandbox):
    with pytest.raises(ValueError, match="does not run in the sandbox"):
        sandbox.attempts(make(k=3, bound=5), EvolveSolver(), 0, 0, 10)


def test_runs():
    assert _runs([0, 1, 2, 5, 6, 9]) == [(0, 3), (5, 7), (9, 10)]
    assert _runs([]) == []


PARENT = """
import sys, threading, time
from harness.sandbox import SandboxLimits, SandboxVerifier
from tests.test_sandbox import Trap
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

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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


@pytest.mark.parametrize("setting", ["timeout_s", "flush_s", "poll_s"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0.0, -1.0])
def test_limits_that_bound_nothing_are_refused(setting, value):
    with pytest.raises(ValueError, match=f"{setting} must be a finite number above 0"):
        SandboxLimits(**{setting: value})
