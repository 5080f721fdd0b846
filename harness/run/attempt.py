"""The run's attempt step: every attempt not yet on disk, run on the workers, written to shards and
counted in the discovery log."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from harness.analysis import DiscoveryLog
from harness.engine.batches import plan_batches
from harness.engine.runner import Dispatch, run_batches
from harness.engine.sandbox import SandboxLimits
from harness.run.config import AttemptSettings
from harness.run.plan import Plan
from harness.servers import LiveRunNote
from harness.store.manifest import MANIFEST, Checkpoint
from harness.store.shards import ShardWriter


def solver_settings(solver) -> dict[str, Any]:
    """The driver's solver as a spec for the workers: paths already resolved on the driver."""
    return {"name": solver.name, **dataclasses.asdict(solver)}


@dataclass(frozen=True)
class Attempted:
    """What the execute step measured: every attempt in the log, and its time."""
    log: DiscoveryLog
    batch_size: int
    resumed_with: int  # attempts done before this process started (a resumed run)
    startup_s: float
    elapsed_s: float  # once the workers were up
    server_cpu_s: float
    tokens: int  # spent by this process
    batches_resent: int = 0  # sent again because their worker froze, died or lost its node (this process)
    nodes: dict = field(default_factory=dict)  # Ray node id -> attempts run there (this process)
    node_ips: dict = field(default_factory=dict)  # Ray node id -> its IP
    workers_lost: int = 0  # workers frozen, dead or on a lost node, and replaced (this process)
    calls: int = 0  # Ray calls to the workers (this process)


def attempt_all(settings: AttemptSettings, plan: Plan, run_dir: Path, checkpoint: Checkpoint,
                progress: bool) -> Attempted:
    """The execute step: every attempt not yet on disk, run on the workers, written to shards
    and counted in the log (which first reads back what a resumed run had done)."""
    solver, meter = plan.solver, plan.meter
    dispatch = Dispatch(plan.workers, checkpoint.batch_size, SandboxLimits(timeout_s=settings.verify_timeout_s),
                        compact=settings.compact, stall_floor_s=settings.stall_floor_s,
                        stall_multiple=settings.stall_multiple, call_size=plan.call_size)
    log = DiscoveryLog.of_run(run_dir, checkpoint.shards, settings.attempts,
                              solving_is_compute=not meter.counts_cpu)  # else the server's CPU is counted
    resumed_with = log.attempts
    total = len(plan.problems) * settings.attempts
    sizes = dict.fromkeys(plan.in_batches, checkpoint.wide_batch_size)
    todo = (b for b in plan_batches([p.id for p in plan.problems], settings.attempts, dispatch.batch_size, sizes)
            if (b.problem_id, b.start, b.stop) not in checkpoint.done)
    launched = began = time.perf_counter()
    with ShardWriter(run_dir / "attempts", manifest=run_dir / MANIFEST, flush_s=settings.checkpoint_s) as writer, tqdm(
        total=total, initial=resumed_with, unit="attempt", unit_scale=True, disable=not progress,
        mininterval=1.0, desc=f"{solver.name} on {settings.bank_name}",
    ) as bar:
        def on_result(recorded):
            writer.write(recorded)
            log.record(recorded)
            bar.update(recorded.attempts)
            bar.set_postfix(discoveries=log.discoveries, refresh=False)

        def on_ready():
            nonlocal began
            began = time.perf_counter()

        tokens_before = log.tokens
        note = LiveRunNote(solver, meter, run_dir.name, settings.seed)
        meter.begin()
        try:
            dispatched = run_batches(todo, plan.problems, solver_settings(solver), settings.seed, dispatch,
                                     on_result, on_ready)
        finally:  # done or stopped: a recording keeps this stretch's server CPU with the tokens it made
            server_cpu_s = meter.spent(log.tokens - tokens_before)
            note.write(server_cpu_s)
    elapsed = time.perf_counter() - began  # once the workers were up: start-up is reported apart
    if log.attempts != total:
        raise RuntimeError(f"{log.attempts} attempts recorded, {total} planned")
    return Attempted(log, dispatch.batch_size, resumed_with, began - launched, elapsed, server_cpu_s,
                     log.tokens - tokens_before, dispatched.resent, dict(dispatched.nodes), dict(dispatched.node_ips),
                     dispatched.lost, dispatched.calls)
