"""What a run will do, decided before an attempt is spent: its problems, its solver (behind its
server), its workers and its batch and call sizes."""
from __future__ import annotations

from dataclasses import dataclass

from harness.bank.banks import build_bank
from harness.core.problem import Problem
from harness.engine.batches import WIDE_BATCH_CAP, auto_batch_size, auto_call_size
from harness.engine.ray_session import cluster_cpus, ensure_ray
from harness.engine.sandbox import checks_in_batches
from harness.run.config import JobConfig
from harness.servers import CpuMeter, attach
from harness.solvers import Exchangeable, Solver, UsesServer, make_solver


@dataclass(frozen=True)
class Plan:
    """What a run will do, every setting checked before an attempt is spent."""
    problems: tuple[Problem, ...]
    solver: Solver
    meter: CpuMeter  # the server's CPU, counted as the run's compute (none for stub solvers)
    workers: int
    batch_size: int
    exchangeable: bool
    in_batches: frozenset[str] = frozenset()  # problems checked in batches (records=compact)
    wide_batch_size: int = 0  # their batches' size
    call_size: int = 0  # attempts per actor call (small batches of many problems go together)


def batch_checked(problems, solver, records: str) -> frozenset[str]:
    """The problems whose attempts the sandbox checks in batches, keeping wrong ones compact."""
    return frozenset(p.id for p in problems if checks_in_batches(p, solver, records == "compact"))


def plan_run(config: JobConfig) -> Plan:
    problems = build_bank(config.bank)  # validates the bank before Ray or MLflow start
    solver = make_solver(config.solver)  # bad settings are named as the user wrote them, before any server starts
    # A managed server is started (or reused) and the solver's model pointed at it; a recording replaces it.
    solver, meter = attach(solver, config.server, config.results_dir / "servers")
    if isinstance(solver, UsesServer):
        solver.preflight()  # an unreachable server fails the run before any attempt is spent
    ensure_ray()
    cpus = cluster_cpus()
    if config.workers > cpus:  # each worker claims a CPU: the extra ones would wait forever
        raise RuntimeError(f"workers={config.workers}, but the Ray cluster has {cpus} CPUs and each worker takes "
                           f"one: use workers={cpus} or less (0 means one per CPU)")
    workers = config.workers or cpus
    exchangeable = isinstance(solver, Exchangeable)
    in_batches = batch_checked(problems, solver, config.records)
    if exchangeable:
        scalar = len(problems) - len(in_batches) or len(problems)
        batch_size = config.batch_size or auto_batch_size(scalar, config.attempts, workers)
        wide_batch_size = config.batch_size or auto_batch_size(len(in_batches), config.attempts, workers,
                                                               cap=WIDE_BATCH_CAP)
    else:  # an adaptive solver's state lives in one call: all of a problem's attempts, in order
        batch_size = wide_batch_size = config.attempts
    call_size = config.batch_size or auto_call_size(len(problems), config.attempts, workers)
    return Plan(problems, solver, meter, workers, batch_size, exchangeable, in_batches, wide_batch_size, call_size)
