"""One Ray worker actor: the bank, the solver and a sandboxed verifier, built once per worker;
it runs a call's batches and says which node it is on."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import ray

from harness.core.problem import Checked, Problem
from harness.engine.attempts import attempt_table
from harness.engine.batches import Batch, Parcel
from harness.engine.ray_session import restore_user_proxies
from harness.engine.sandbox import SandboxLimits, SandboxVerifier
from harness.solvers import RunsInSandbox, make_solver
from harness.store.records import Recorded


@dataclass(frozen=True)
class Node:
    """A Ray node, as a worker sees its own."""
    id: str  # Ray's node id (hex)
    ip: str


class AttemptWorker:
    """Holds the bank (built and checked once, by the driver), the solver and a sandboxed
    verifier, built once per worker.

    Its calls run in threads, a few at once: while one batch waits on the verifier's child
    process (or an LLM server), the next is proposed. The verifier takes one batch at a time.
    """

    def __init__(self, problems: Sequence[Problem], solver_spec: Mapping[str, Any], seed: int,
                 limits: SandboxLimits, compact: bool = False) -> None:
        restore_user_proxies()
        self.problems = {p.id: p for p in problems}
        self.solver = make_solver(solver_spec)
        self.seed = seed
        self.compact = compact
        self.sandbox = SandboxVerifier(limits)
        self._verifying = threading.Lock()

    def ready(self) -> Node:
        """Returns once the verifier's child is up (imports done): start-up is not throughput.
        Says which node the worker runs on."""
        self.verify(next(iter(self.problems.values())), [""])
        return self.node

    @property
    def node(self) -> Node:
        context = ray.get_runtime_context()
        return Node(context.get_node_id(), ray.util.get_node_ip_address())

    def verify(self, problem: Problem, candidates: Sequence[str]) -> list[Checked]:
        with self._verifying:
            return self.sandbox.verify(problem, candidates)

    def run(self, parcel: Parcel) -> tuple[Node, list[tuple]]:
        """The node it ran on, and each batch's records (Recorded) as Arrow IPC streams."""
        return self.node, [self.run_batch(batch) for batch in parcel]

    def run_batch(self, batch: Batch) -> tuple:
        problem = self.problems[batch.problem_id]
        if isinstance(self.solver, RunsInSandbox):  # the child proposes, verifies and records
            with self._verifying:
                return self.sandbox.attempts(problem, self.solver, self.seed, batch.start, batch.stop,
                                             self.compact).to_wire()
        table = attempt_table(problem, self.solver, self.seed, batch.start, batch.stop, self.verify)
        return Recorded((batch.problem_id, batch.start, batch.stop), table).to_wire()
