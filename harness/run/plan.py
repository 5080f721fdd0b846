"""What a run will do, decided before an attempt is spent: its problems, its solver (behind its
server), its workers and its batch and call sizes."""
from __future__ import annotations

from dataclasses import dataclass

from harness.bank.banks import build_bank
from harness.core.problem import Problem
from harness.engine.batches import plan_sizes
from harness.engine.ray_session import cluster_cpus, ensure_ray
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


def plan_run(config: JobConfig) -> Plan:
    problems = build_bank(config.bank)  # validates the bank before Ray or MLflow start
    solver = make_solver(config.solver)  # bad settings are named as the user wrote them, before any server starts
    # A managed server is started (or reused) and the solver's model pointed at it; a recording replaces it.
    solver, meter = attach(solver, config.server_spec, config.results_dir / "servers")
    if isinstance(solver, UsesServer):
        solver.preflight()  # an unreachable server fails the run before any attempt is spent
    ensure_ray()
    cpus = cluster_cpus()
    if config.workers > cpus:  # each worker claims a CPU: the extra ones would wait forever
        raise RuntimeError(f"workers={config.workers}, but the Ray cluster has {cpus} CPUs and each worker takes "
                           f"one: use workers={cpus} or less (0 means one per CPU)")
    workers = config.workers or cpus
    exchangeable = isinstance(solver, Exchangeable)
    sizes = plan_sizes(problems, solver, exchangeable, config.records == "compact", config.attempts, workers,
                       config.batch_size)
    return Plan(problems, solver, meter, workers, sizes.batch_size, exchangeable, sizes.in_batches,
                sizes.wide_batch_size, sizes.call_size)
