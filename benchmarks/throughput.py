"""Harness throughput against plain Python, multiprocessing.Pool and one Ray task per attempt.

    .venv/bin/python benchmarks/throughput.py [--attempts 400000] [--family three_cubes]

The same solver (random) and verifier on the same attempts of one cheap integer problem:
1. a plain single-process loop: propose a batch, verify it in-process (no records, no sandbox);
2. multiprocessing.Pool over all cores, doing the same per batch;
3. the harness (`run_job`): Ray worker actors, sandboxed time-bounded verification,
   Arrow records to Parquet shards, manifest, aggregates; its rate excludes Ray start-up;
4. one Ray task per attempt, on a small sample (it is slow).
All four measured in this run. The ratios are printed each on its own line. Then where the
harness's time goes, per attempt, measured in one process on the same problem.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import ray

from harness.analysis import DiscoveryLog
from harness.bank import build_bank
from harness.config import JobConfig
from harness.job import run_job
from harness.ray_session import ensure_ray
from harness.record import ShardWriter
from harness.attempts import attempt_table
from harness.sandbox import SandboxVerifier
from harness.solvers import RandomSolver
from harness.tracking import TrackingSpec

BANKS = {"three_cubes": {"three_cubes": [{"k": 3, "bound": 50}]},
         "pell": {"pell": [{"D": 2, "bound": 10**6}]}}
BATCH = 1000


def verify_batch(args) -> int:
    bank, start, stop = args
    problem = build_bank(bank)[0]
    return sum(problem.verify(c).tier.rank > 0 for c in RandomSolver().propose(problem, 0, start, stop))


def plain_loop(bank, attempts: int) -> float:
    began = time.perf_counter()
    for start in range(0, attempts, BATCH):
        verify_batch((bank, start, min(attempts, start + BATCH)))
    return attempts / (time.perf_counter() - began)


def pool(bank, attempts: int, cores: int) -> float:
    with multiprocessing.get_context("forkserver").Pool(cores) as workers:
        workers.map(verify_batch, [(bank, 0, 10)] * cores)  # start-up paid before the clock
        began = time.perf_counter()
        workers.map(verify_batch, [(bank, s, min(attempts, s + BATCH)) for s in range(0, attempts, BATCH)],
                    chunksize=4)
    return attempts / (time.perf_counter() - began)


@ray.remote(num_cpus=1)
def one_attempt(bank, i: int) -> int:
    return verify_batch((bank, i, i + 1))


def task_per_attempt(bank, attempts: int) -> float:
    ray.get([one_attempt.remote(bank, i) for i in range(100)])  # workers warm
    began = time.perf_counter()
    ray.get([one_attempt.remote(bank, i) for i in range(attempts)])
    return attempts / (time.perf_counter() - began)


def harness(bank, attempts: int, cores: int) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        config = JobConfig(experiment="throughput", attempts=attempts, seed=0, workers=cores, batch_size=0,
                           verify_timeout_s=5.0, results_dir=Path(scratch), solver={"name": "random"},
                           bank_name="bench", bank=bank, tracking=TrackingSpec(enabled=False))
        return run_job(config, progress=False).summary["attempts_per_s"]


def breakdown(bank, attempts: int = 20_000) -> dict[str, float]:
    """Microseconds per attempt of each layer, added one at a time, in this process; each
    timing is the best of five, since differences of noisy timings are noisier still."""
    problem, solver = build_bank(bank)[0], RandomSolver()
    starts = range(0, attempts, BATCH)

    def per_attempt(work) -> float:
        best = float("inf")
        for _ in range(5):
            began = time.perf_counter()
            work()
            best = min(best, time.perf_counter() - began)
        return best / attempts * 1e6

    with SandboxVerifier() as sandbox, tempfile.TemporaryDirectory() as scratch:
        sandbox.verify(problem, ["1"])  # the child is up before the clock starts
        propose = per_attempt(lambda: [solver.propose(problem, 0, s, s + BATCH) for s in starts])
        verified = per_attempt(lambda: [[problem.verify(c) for c in solver.propose(problem, 0, s, s + BATCH)]
                                        for s in starts])
        records = per_attempt(lambda: [attempt_table(problem, solver, 0, s, s + BATCH) for s in starts])
        sandboxed = per_attempt(lambda: [attempt_table(problem, solver, 0, s, s + BATCH, sandbox.verify)
                                         for s in starts])
        tables, log = [attempt_table(problem, solver, 0, s, s + BATCH) for s in starts], DiscoveryLog()

        def drive() -> None:
            with ShardWriter(Path(scratch) / "attempts") as writer:
                for table in tables:
                    writer.write(table)
                    log.update(table)
        driver = per_attempt(drive)
    return {"propose": propose, "verify": verified - propose, "Arrow records": records - verified,
            "sandbox process boundary": sandboxed - records, "driver (aggregates, shards)": driver}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=400_000)
    parser.add_argument("--family", choices=sorted(BANKS), default="three_cubes")
    parser.add_argument("--task-attempts", type=int, default=3_000, help="attempts for one-task-per-attempt")
    args = parser.parse_args()
    bank, cores = BANKS[args.family], os.cpu_count() or 1
    print(f"{args.family}, random solver, {args.attempts} attempts, {cores} cores")
    plain = plain_loop(bank, args.attempts // 4)  # a quarter is plenty at one core
    print(f"plain loop:               {plain:10.0f} attempts/s")
    pooled = pool(bank, args.attempts, cores)
    print(f"multiprocessing.Pool({cores}):  {pooled:10.0f} attempts/s")
    ensure_ray()
    ours = harness(bank, args.attempts, cores)
    print(f"harness ({cores} workers):      {ours:10.0f} attempts/s")
    tasks = task_per_attempt(bank, args.task_attempts)
    print(f"one Ray task per attempt: {tasks:10.0f} attempts/s")
    print(f"harness / (cores x plain loop) = {ours / (cores * plain):.2f}")
    print(f"harness / Pool = {ours / pooled:.2f}")
    print(f"harness / one Ray task per attempt = {ours / tasks:.1f}")
    print("where the harness spends it, per attempt in one process:")
    for layer, micros in breakdown(bank).items():
        print(f"  {layer:28s} {micros:6.1f} us")


if __name__ == "__main__":
    main()
