"""Full records of a run's attempts, the compactly kept ones rebuilt exactly (records=compact).

A compact row says: of attempts start..stop-1 of one problem, those without a full row were
wrong (`wrong` of them). Their solver samples in batches, so the candidate of an attempt
depends on (seed, problem, attempt) only: proposing and verifying them again, in the sandbox
with the run's own bound, gives their records as records=full would have kept them (all but
verify_s, a measurement).

    python -m harness.app.regenerate RUN_DIR --out rows.parquet [--problem ID] [--start A] [--stop B]

A selection that holds no attempt of the run (an unknown problem, a range beyond the run,
start not below stop) is an error, and so is an --out inside a run folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from tqdm import tqdm

from harness.bank.banks import build_bank, spec_from_config
from harness.core.problem import Problem, Tier
from harness.engine.sandbox import SandboxLimits, SandboxVerifier
from harness.solvers import make_solver
from harness.store.manifest import COMPACT, Checkpoint, check_shards, read_checkpoint
from harness.store.records import ATTEMPT_SCHEMA
from harness.store.shards import read_compact, read_shards


@dataclass(frozen=True)
class Selection:
    """Which attempts: of one problem (or all), indices start..stop-1 (stop None: to the end)."""
    problem_id: str | None = None
    start: int = 0
    stop: int | None = None

    def clip(self, problem_id: str, a: int, b: int) -> tuple[int, int]:
        """The part of range a..b-1 of `problem_id` selected (empty: a >= b)."""
        if self.problem_id is not None and problem_id != self.problem_id:
            return 0, 0
        return max(a, self.start), b if self.stop is None else min(b, self.stop)

    def describe(self) -> str:
        stop = "the end" if self.stop is None else self.stop
        return f"attempts {self.start} to {stop} (stop excluded) of {self.problem_id or 'every problem'}"

    def check(self, problems, attempts: int) -> None:
        """Raises ValueError, naming the selection, if it holds no attempt of a run of these
        problems with `attempts` attempts each."""
        if self.problem_id is not None and self.problem_id not in problems:
            some = sorted(problems)
            raise ValueError(f"the run has no problem {self.problem_id!r} (it has {len(some)}: "
                             f"{', '.join(some[:5])}{', ...' if len(some) > 5 else ''})")
        if self.stop is not None and self.start >= self.stop:
            raise ValueError(f"--start {self.start} is not below --stop {self.stop}: the selection is empty")
        if self.start >= attempts:
            raise ValueError(f"--start {self.start} is beyond the run: it has attempts 0 to {attempts - 1} "
                             "of each problem")

    def mask(self, table: pa.Table) -> pa.ChunkedArray:
        keep = pc.greater_equal(table["attempt"], self.start)
        if self.stop is not None:
            keep = pc.and_(keep, pc.less(table["attempt"], self.stop))
        if self.problem_id is not None:
            keep = pc.and_(keep, pc.equal(table["problem_id"], self.problem_id))
        return keep


@dataclass(frozen=True)
class RunSolver:
    """A run's problems, solver and seed, rebuilt from its config.yaml."""
    problems: dict[str, Problem]
    solver: object
    seed: int
    verify_timeout_s: float

    @classmethod
    def of(cls, run_dir: Path) -> "RunSolver":
        config = yaml.safe_load((Path(run_dir) / "config.yaml").read_text())
        problems = {p.id: p for p in build_bank(spec_from_config(config["bank"]))}
        return cls(problems, make_solver(config["solver"]), int(config["seed"]),
                   float(config.get("verify_timeout_s", 5.0)))

    def candidates(self, problem_id: str, attempts) -> list[str]:
        """The candidate text of each attempt (no verification)."""
        problem = self.problems[problem_id]
        return [self.solver.propose(problem, self.seed, int(i), int(i) + 1)[0] for i in attempts]


def compact_by_shard(run_dir: Path, checkpoint: Checkpoint | None = None) -> dict[str, pa.Table]:
    """Each listed shard's compact rows, by shard name (shards without any are left out)."""
    shards = (checkpoint or read_checkpoint(run_dir)).shards
    present = tuple(name for name in shards if (Path(run_dir) / COMPACT / name).exists())
    return dict(zip(present, read_compact(run_dir, present)))


def full_records(run_dir: Path, selection: Selection = Selection(), sandbox: SandboxVerifier | None = None,
                 progress: bool = False) -> Iterator[pa.Table]:
    """The selected attempts' full records, a shard at a time: the run's own full rows, and
    the compact ones regenerated (in no particular order)."""
    run_dir = Path(run_dir)
    run = RunSolver.of(run_dir)
    checkpoint = read_checkpoint(run_dir)
    selection.check(run.problems, checkpoint.attempts)
    check_shards(run_dir, checkpoint)  # a missing, damaged or altered shard is named, not read
    shards = checkpoint.shards
    owned = sandbox is None
    sandbox = sandbox or SandboxVerifier(SandboxLimits(timeout_s=run.verify_timeout_s))
    try:
        counted = compact_by_shard(run_dir, checkpoint)
        for name, recorded in tqdm(zip(shards, read_shards(run_dir, shards, ATTEMPT_SCHEMA.names)), total=len(shards),
                                   unit="shard", disable=not progress, desc="regenerating"):
            yield recorded.filter(selection.mask(recorded))
            compact = counted.get(name)
            for row in ([] if compact is None else compact.to_pylist()):
                a, b = selection.clip(row["problem_id"], row["start"], row["stop"])
                if a < b:
                    yield _regenerate(run, a, b, row, recorded, sandbox)
    finally:
        if owned:
            sandbox.close()


def _regenerate(run: RunSolver, a: int, b: int, row: dict, recorded: pa.Table, sandbox: SandboxVerifier) -> pa.Table:
    """Attempts a..b-1 of a compact row, without those the run recorded in full (same shard)."""
    problem = run.problems[row["problem_id"]]
    rows = sandbox.attempts(problem, run.solver, run.seed, a, b).full
    mine = recorded.filter(pc.equal(recorded["problem_id"], problem.id))["attempt"].to_numpy()
    rows = rows.filter(pa.array(~np.isin(rows["attempt"].to_numpy(), mine)))
    not_wrong = pc.sum(pc.not_equal(rows["tier"], Tier.WRONG.value)).as_py() or 0
    whole = (a, b) == (row["start"], row["stop"])
    if not_wrong or (whole and rows.num_rows != row["wrong"]):
        raise RuntimeError(f"{problem.id} attempts {a}..{b - 1} do not regenerate as recorded "
                           f"({rows.num_rows} rows, {not_wrong} not wrong; recorded {row['wrong']} wrong): "
                           "the solver or the problem changed since the run")
    return rows
