"""Harness throughput against plain Python, multiprocessing.Pool and one Ray task per attempt,
the batch path (issue 17) against the vectorised loop, and the symbolic families' fast paths
against their sympy reference (issue 39).

    .venv/bin/python benchmarks/throughput.py [--attempts 400000] [--family three_cubes] [--rounds 3]
                                              [--batch-seconds 8] [--only-batch]
                                              [--symbolic [--fast-attempts 400000] [--sympy-attempts 6000]]

The scalar path: the same solver (random) and verifier on the same attempts of one cheap problem:
1. a plain single-process loop: propose a batch, verify it in-process (no records, no sandbox);
2. multiprocessing.Pool over all cores, doing the same per batch;
3. the harness (`run_job`, records=full): Ray worker actors, sandboxed time-bounded
   verification, Arrow records to Parquet shards, manifest, aggregates;
4. one Ray task per attempt, on a small sample (it is slow).
The batch path, for three_cubes and one instance of every batch-capable family (the deep bank's):
5. the vectorised loop: harness.core.batch's sampler and the family's batch check in this one
   process, hits confirmed by the scalar verifier, no harness;
6. the batch harness (`run_job`, records=compact) on about --batch-seconds of work, and the
   scalar harness (records=full) on the same problem;
   R = batch harness / (cores x vectorised loop), S = batch harness / scalar harness;
7. the same vectorised loop in `cores` processes at once: what the cores give together (on a
   shared machine less than cores x one loop), and the batch harness against it.
With --symbolic, only these: for one instance of each of sequence, factor and antiderivative,
8. the harness (records=full, `cores` workers) on the fast path (checker=fast: no sympy but where
   the fast path defers, a verdict cache per problem) over --fast-attempts, and on the sympy
   path (checker=sympy, the reference as it was) over --sympy-attempts: one line per family,
   `FAMILY: fast path N attempts/s, sympy path M attempts/s, fast / sympy = S`, then a line of
   single-process loops (propose and verify, no harness) saying where the time goes: the fast
   path with its cache, without it, the sympy path and proposing alone (the random solver's
   per-attempt generator, common to both paths, bounds fast / sympy), and the share of distinct
   candidates the fast path decided itself;
9. ramsey (the deep bank's instance), now checked in batches: lines 5-7 for it.
Each rate excludes start-up (Pool's processes, Ray's workers and verifier children; the
harness reports its start-up apart). Each way is measured in turn, `--rounds` times, and the
best rate of each is kept: on a shared machine the same loop varies by 20% from one run to
the next, and the best is the least disturbed. The ratios are printed each on its own line.
Then where the scalar harness's time goes, per attempt, in one process.
"""
from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import tempfile
import threading
import time
from pathlib import Path

import psutil
import ray

from harness.analysis import DiscoveryLog
from harness.bank.banks import bank_from_config_name, build_bank
from harness.core import batch
from harness.engine.attempts import attempt_table
from harness.engine.ray_session import ensure_ray
from harness.engine.sandbox import SandboxVerifier
from harness.exact.fast_verify import clear_caches
from harness.run.config import JobConfig
from harness.run.job import run_job
from harness.solvers import RandomSolver
from harness.store.records import Recorded, from_ipc, to_ipc
from harness.store.shards import ShardWriter
from harness.tracking.tracker import TrackingSpec

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


def harness(bank, attempts: int, cores: int, records: str = "full") -> tuple[float, float]:
    """(attempts per second, start-up seconds)."""
    with tempfile.TemporaryDirectory() as scratch:
        config = JobConfig(experiment="throughput", attempts=attempts, seed=0, workers=cores, batch_size=0,
                           verify_timeout_s=5.0, results_dir=Path(scratch), solver={"name": "random"},
                           bank_name="bench", bank=bank, tracking=TrackingSpec(enabled=False), records=records)
        summary = run_job(config, progress=False).summary
        return summary["attempts_per_s"], summary["startup_s"]


def vectorised_loop(problem, attempts: int) -> tuple[float, int]:
    """(attempts per second, valid attempts confirmed by the scalar verifier): the batch
    path's arithmetic (sampler, batch check in cache-sized chunks, scalar confirmation of
    each hit) in this one process, no harness."""
    began = time.perf_counter()
    _, hits = batch.hits(problem, lambda a, b: batch.sample(problem.space, 0, problem.id, a, b), 0, attempts)
    valid = sum(problem.verify(text).tier.rank > 0 for text in batch.texts(hits, problem.space))
    return attempts / (time.perf_counter() - began), valid


def vectorised_part(bank, attempts: int, ready, spans) -> None:
    """One process of the parallel vectorised loop: warmed up, then timed from a shared start."""
    problem = build_bank(bank)[0]
    vectorised_loop(problem, 10**5)  # imports and page faults before the clock
    ready.wait()
    began = time.monotonic()  # one clock for all processes
    vectorised_loop(problem, attempts)
    spans.put((began, time.monotonic()))


def parallel_vectorised_loop(bank, attempts: int, cores: int) -> float:
    """Attempts per second of `cores` vectorised loops started together, each on attempts / cores."""
    context = multiprocessing.get_context("forkserver")
    ready, spans = context.Barrier(cores), context.Queue()
    share = attempts // cores
    parts = [context.Process(target=vectorised_part, args=(bank, share, ready, spans)) for _ in range(cores)]
    for part in parts:
        part.start()
    timed = [spans.get(timeout=600) for _ in parts]  # a part that died raises queue.Empty, not a hang
    for part in parts:
        part.join()
    return cores * share / (max(end for _, end in timed) - min(began for began, _ in timed))


def batch_problems() -> list:
    """three_cubes k=3, B=50 (as the scalar comparison), then the deep bank's batch-capable instances."""
    return [build_bank(BANKS["three_cubes"])[0],
            *(p for p in bank_from_config_name("deep") if batch.batch_capable(p))]


def bank_of(problem) -> dict:
    return {problem.family: [{k: getattr(problem, k) for k in problem.__dataclass_fields__}]}


def batch_path(cores: int, rounds: int, seconds: float, scalar_attempts: int, problems=None) -> None:
    """Lines 5 and 6 of the docstring, per family."""
    print(f"batch path: about {seconds:g} s of batch-harness work per family, scalar harness on "
          f"{scalar_attempts} attempts")
    for problem in problems or batch_problems():
        bank = bank_of(problem)
        vectorised = parallel = batched = scalar = 0.0
        warm_up = vectorised_loop(problem, 10**5)[0]  # first calls pay for imports and page faults
        for _ in range(rounds):
            sample = min(10**7, max(10**6, int(max(vectorised, warm_up))))  # about a second
            vectorised = max(vectorised, vectorised_loop(problem, sample)[0])
            parallel = max(parallel, parallel_vectorised_loop(bank, cores * sample, cores))
            attempts = int(seconds * cores * vectorised) // 10**6 * 10**6 or 10**6
            batched = max(batched, harness(bank, attempts, cores, records="compact")[0])
            scalar = max(scalar, harness(bank, scalar_attempts, cores, records="full")[0])
        name = f"{problem.id:28s}"
        print(f"{name} vectorised loop {vectorised:11.0f}, batch harness {batched:11.0f} ({attempts} attempts), "
              f"scalar harness {scalar:8.0f} attempts/s")
        print(f"{name} batch harness / (cores x vectorised loop) = R = {batched / (cores * vectorised):.2f}")
        print(f"{name} batch harness / scalar harness = S = {batched / scalar:.0f}")
        print(f"{name} {cores} vectorised loops at once {parallel:11.0f} attempts/s "
              f"= {parallel / (cores * vectorised):.2f} x cores x vectorised loop; "
              f"batch harness / {cores} loops at once = {batched / parallel:.2f}")


# One instance of each symbolic family, from the default bank: a growing one where there is one.
SYMBOLIC = ("sequence/mersenne", "factor/p=x**4-5*x**2+4", "antiderivative/f=2*x")


def symbolic_problems() -> list:
    bank = {p.id: p for p in bank_from_config_name("default")}
    return [bank[pid] for pid in SYMBOLIC]


def verify_loop(problem, attempts: int, verify) -> float:
    """Attempts per second of propose-and-verify in this one process (no harness)."""
    solver = RandomSolver()
    began = time.perf_counter()
    for start in range(0, attempts, BATCH):
        for text in solver.propose(problem, 0, start, min(attempts, start + BATCH)):
            verify(text)
    return attempts / (time.perf_counter() - began)


def decided_share(problem, attempts: int) -> float:
    """The share of distinct candidates among `attempts` that the fast path decides itself."""
    texts = set(RandomSolver().propose(problem, 0, 0, attempts))
    return sum(problem.decided(text) is not None for text in texts) / len(texts)


def symbolic_path(cores: int, rounds: int, fast_attempts: int, sympy_attempts: int) -> None:
    """Line 8 of the docstring, per family."""
    print(f"symbolic families, harness with {cores} workers: fast path on {fast_attempts} attempts, sympy path "
          f"on {sympy_attempts}, best of {rounds} rounds")
    for problem in symbolic_problems():
        reference = dataclasses.replace(problem, checker="sympy")
        fast = slow = 0.0
        for _ in range(rounds):
            fast = max(fast, harness(bank_of(problem), fast_attempts, cores)[0])
            slow = max(slow, harness(bank_of(reference), sympy_attempts, cores)[0])
        print(f"{problem.family}: fast path {fast:.0f} attempts/s, sympy path {slow:.0f} attempts/s, "
              f"fast / sympy = {fast / slow:.0f}")
        loop_attempts = min(fast_attempts, 100_000)
        clear_caches()  # the loop starts cold, as a harness worker does
        cached = verify_loop(problem, loop_attempts, problem.verify)
        uncached = verify_loop(problem, loop_attempts // 10, problem.uncached_verify)
        reference_loop = verify_loop(reference, sympy_attempts // 4, reference.verify)
        proposing = verify_loop(problem, loop_attempts // 10, lambda text: None)
        print(f"  {problem.id}, one process, propose and verify: fast path {cached:.0f} attempts/s over "
              f"{loop_attempts} attempts (without its cache {uncached:.0f}), sympy path {reference_loop:.0f}, "
              f"proposing alone {proposing:.0f} (so fast / sympy <= {proposing / reference_loop:.0f}); "
              f"the fast path decides {decided_share(problem, 20_000):.1%} of distinct candidates itself")


@ray.remote(num_cpus=1)
class Echo:
    """Returns the same batch of records each call, as a worker returns its results: as
    Arrow IPC bytes (what workers do) or as the table itself (pickled by Ray)."""

    def __init__(self, table) -> None:
        self.table, self.payload = table, to_ipc(table)

    def ipc(self) -> bytes:
        return self.payload

    def pickled(self):
        return self.table


class CpuShares:
    """CPU seconds used by this process and its descendants while it is open, by role.
    Sampled every half second, so a process that exits (a worker, at the end of a run)
    keeps its last reading."""

    ROLES = (("sandbox children", "harness.engine.sandbox_child"), ("Ray workers", "ray::"), ("Ray's own processes", "ray"))

    def __enter__(self) -> "CpuShares":
        self.before = self._read()
        self.last = dict(self.before)
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._sampler.join()
        self.last.update(self._read())

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.last.update(self._read())

    @staticmethod
    def _read() -> dict[int, tuple[str, float]]:
        readings = {}
        me = psutil.Process()
        for process in [me, *me.children(recursive=True)]:
            try:
                times = process.cpu_times()
                readings[process.pid] = (" ".join(process.cmdline()), times.user + times.system)
            except psutil.Error:
                pass
        return readings

    def shares(self) -> dict[str, float]:
        used: dict[str, float] = {}
        for pid, (cmdline, seconds) in self.last.items():
            role = "driver" if pid == os.getpid() else next(
                (name for name, mark in self.ROLES if mark in cmdline), "other")
            used[role] = used.get(role, 0.0) + seconds - self.before.get(pid, ("", 0.0))[1]
        total = sum(used.values())
        return {role: spent / total for role, spent in sorted(used.items(), key=lambda kv: -kv[1])}


def ray_call_cost(bank, batch: int = 4_000, calls: int = 100) -> dict[str, float]:
    """Driver CPU milliseconds per actor call returning one batch's records, each way."""
    echo = Echo.remote(attempt_table(build_bank(bank)[0], RandomSolver(), 0, 0, batch))
    ways = {"Arrow IPC": lambda: from_ipc(ray.get(echo.ipc.remote())),
            "pickled table": lambda: ray.get(echo.pickled.remote())}
    cost = {}
    for name, call in ways.items():
        call()  # warm
        began = time.process_time()
        for _ in range(calls):
            call()
        cost[name] = (time.process_time() - began) / calls * 1e3
    ray.kill(echo)
    return cost


def breakdown(bank, attempts: int = 40_000, batch: int = 4_000) -> dict[str, float]:
    """Microseconds per attempt of each part, in this process, on the harness's batch size.
    Each way is timed five times, the ways interleaved so drift hits them alike, and the
    best kept; a part is the difference between two ways, so it carries their noise."""
    problem, solver = build_bank(bank)[0], RandomSolver()
    starts = range(0, attempts, batch)
    with SandboxVerifier() as sandbox, tempfile.TemporaryDirectory() as scratch:
        sandbox.verify(problem, ["1"])  # the child is up before the clock starts
        tables, log = [attempt_table(problem, solver, 0, s, s + batch) for s in starts], DiscoveryLog()

        def drive() -> None:
            with ShardWriter(Path(scratch) / "attempts") as writer:
                for start, table in zip(starts, tables):
                    writer.write(Recorded((problem.id, start, start + batch), table))
                    log.update(table)

        ways = {
            "propose": lambda: [solver.propose(problem, 0, s, s + batch) for s in starts],
            "propose, verify": lambda: [[problem.verify(c) for c in solver.propose(problem, 0, s, s + batch)]
                                        for s in starts],
            "inline": lambda: [attempt_table(problem, solver, 0, s, s + batch) for s in starts],
            "in the child": lambda: [sandbox.attempts(problem, solver, 0, s, s + batch).full for s in starts],
            "driver": drive,
        }
        best = dict.fromkeys(ways, float("inf"))
        for _ in range(5):
            for name, work in ways.items():
                began = time.perf_counter()
                work()
                best[name] = min(best[name], time.perf_counter() - began)
    us = {name: seconds / attempts * 1e6 for name, seconds in best.items()}
    return {"propose": us["propose"], "verify": us["propose, verify"] - us["propose"],
            "Arrow records": us["inline"] - us["propose, verify"],
            "sandbox child (clock, pieces, IPC)": us["in the child"] - us["inline"],
            "driver (aggregates, shards)": us["driver"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=400_000)
    parser.add_argument("--family", choices=sorted(BANKS), default="three_cubes")
    parser.add_argument("--task-attempts", type=int, default=3_000, help="attempts for one-task-per-attempt")
    parser.add_argument("--rounds", type=int, default=3, help="measure each way this often, keep the best")
    parser.add_argument("--batch-seconds", type=float, default=8.0, help="batch-harness work per family")
    parser.add_argument("--only-batch", action="store_true", help="the batch path only")
    parser.add_argument("--symbolic", action="store_true", help="the symbolic families and ramsey only")
    parser.add_argument("--fast-attempts", type=int, default=400_000, help="attempts per problem, fast path")
    parser.add_argument("--sympy-attempts", type=int, default=6_000, help="attempts per problem, sympy path")
    args = parser.parse_args()
    bank, cores = BANKS[args.family], os.cpu_count() or 1
    ensure_ray()
    if args.symbolic:
        symbolic_path(cores, args.rounds, args.fast_attempts, args.sympy_attempts)
        ramsey = [p for p in bank_from_config_name("deep") if p.family == "ramsey"]
        batch_path(cores, args.rounds, args.batch_seconds, args.attempts // 2, ramsey)
        return
    batch_path(cores, args.rounds, args.batch_seconds, args.attempts // 2)
    if args.only_batch:
        return
    print(f"scalar path: {args.family}, random solver, {args.attempts} attempts, {cores} cores, "
          f"best of {args.rounds} rounds")
    plain = pooled = ours = 0.0
    for round_ in range(1, args.rounds + 1):
        plain_now = plain_loop(bank, args.attempts // 4)  # a quarter is plenty at one core
        pooled_now = pool(bank, args.attempts, cores)
        with CpuShares() as cpu:
            ours_now, startup = harness(bank, args.attempts, cores)
        print(f"round {round_}: plain loop {plain_now:8.0f}, Pool {pooled_now:8.0f}, harness {ours_now:8.0f} "
              f"attempts/s (harness start-up {startup:.1f} s)")
        plain, pooled, ours = max(plain, plain_now), max(pooled, pooled_now), max(ours, ours_now)
    print(f"plain loop:               {plain:10.0f} attempts/s")
    print(f"multiprocessing.Pool({cores}):  {pooled:10.0f} attempts/s")
    print(f"harness ({cores} workers):      {ours:10.0f} attempts/s")
    tasks = task_per_attempt(bank, args.task_attempts)
    print(f"one Ray task per attempt: {tasks:10.0f} attempts/s")
    print(f"harness / (cores x plain loop) = {ours / (cores * plain):.2f}")
    print(f"harness / Pool = {ours / pooled:.2f}")
    print(f"harness / one Ray task per attempt = {ours / tasks:.1f}")
    print("CPU use during the last harness run (start-up included): "
          + ", ".join(f"{role} {share:.0%}" for role, share in cpu.shares().items()))
    print("one Ray call returning a batch of 4,000 attempts, driver CPU: "
          + ", ".join(f"{ms:.1f} ms as {way}" for way, ms in ray_call_cost(bank).items()))
    print("where the harness spends it, per attempt in one process:")
    for layer, micros in breakdown(bank).items():
        print(f"  {layer:36s} {micros:6.1f} us")


if __name__ == "__main__":
    main()
