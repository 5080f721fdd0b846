"""A run's verdicts put to the independent checkers: every solution and a sample of the wrong ones,
per family, with exact binomial upper bounds on the verifier's false-valid and false-wrong rates."""
from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from harness.audit import checkers
from harness.core.problem import DISCOVERY_TIERS, Tier
from harness.engine.regenerate import RunSolver, compact_by_shard
from harness.store.manifest import read_checkpoint
from harness.store.shards import read_shards


WRONG_SAMPLE = 10_000  # wrong verdicts re-checked per family (at least, where the runs have them)


def upper_bound(disputed: int, checked: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound on a rate from `disputed` of `checked`."""
    if checked == 0:
        return float("nan")
    return 1.0 if disputed >= checked else float(stats.beta.ppf(confidence, disputed + 1, checked - disputed))


SOLUTION_TIERS = [t.value for t in DISCOVERY_TIERS]


def attempts_to_audit(run_dir: Path, families: dict[str, list[str]], wrong_per_family: int,
                      rng: np.random.Generator) -> pa.Table:
    """A run's attempts the verifier called solutions, and up to `wrong_per_family` wrong ones of
    each family (`families`: family -> problem ids) drawn at random: problem_id, candidate, tier.
    Each shard gives at most that many per family, so memory stays bounded at any volume. Wrong
    attempts kept compactly (records=compact) are drawn from their counts and their candidates
    regenerated."""
    kept, wrong = [], {family: [] for family in families}
    shards = read_checkpoint(run_dir).shards
    counted = compact_by_shard(run_dir)
    run = RunSolver.of(run_dir) if counted else None
    for name, shard in zip(shards, read_shards(run_dir, shards, ["problem_id", "attempt", "candidate", "tier"])):
        if name in counted:
            for family, ids in families.items():
                wrong[family].append(compact_wrong(run, counted[name], shard, ids, wrong_per_family, rng))
        shard = shard.drop_columns(["attempt"])
        kept.append(shard.filter(pc.is_in(shard["tier"], pa.array(SOLUTION_TIERS))))
        is_wrong = pc.equal(shard["tier"], Tier.WRONG.value)
        for family, ids in families.items():
            rows = np.flatnonzero(pc.and_(is_wrong, pc.is_in(shard["problem_id"], pa.array(ids))).to_numpy(
                zero_copy_only=False))
            picked = rng.choice(rows, min(len(rows), wrong_per_family), replace=False)
            wrong[family].append(shard.take(pa.array(np.sort(picked), type=pa.int64())))
    for family, parts in wrong.items():
        table = pa.concat_tables(parts) if parts else None
        if table is not None and table.num_rows:
            picked = rng.choice(table.num_rows, min(table.num_rows, wrong_per_family), replace=False)
            kept.append(table.take(pa.array(np.sort(picked), type=pa.int64())))
    return pa.concat_tables(kept) if kept else pa.table({"problem_id": pa.array([], pa.string()),
                                                          "candidate": pa.array([], pa.string()),
                                                          "tier": pa.array([], pa.string())})


def compact_wrong(run, compact: pa.Table, full: pa.Table, ids: list[str], most: int,
                  rng: np.random.Generator) -> pa.Table:
    """Up to `most` wrong attempts of problems `ids` drawn from compact rows, uniformly over the
    attempts they count (those with a full row in the same shard are not among them)."""
    rows = compact.filter(pc.is_in(compact["problem_id"], pa.array(ids))).to_pandas()
    picked: set[tuple[str, int]] = set()
    if len(rows) and rows["wrong"].sum():
        sizes = (rows["stop"] - rows["start"]).to_numpy()
        which = rng.choice(len(rows), min(most, int(rows["wrong"].sum())), p=sizes / sizes.sum())
        attempts = rows["start"].to_numpy()[which] + (rng.random(len(which)) * sizes[which]).astype(np.int64)
        recorded = set(zip(full["problem_id"].to_pylist(), full["attempt"].to_pylist()))
        picked = set(zip(rows["problem_id"].to_numpy()[which], attempts.tolist())) - recorded
    pids = sorted(picked)
    return pa.table({"problem_id": pa.array([pid for pid, _ in pids], pa.string()),
                     "candidate": pa.array([run.candidates(pid, [i])[0] for pid, i in pids], pa.string()),
                     "tier": pa.array([Tier.WRONG.value] * len(pids), pa.string())})


def audit_runs(runs, wrong_sample: int = WRONG_SAMPLE, seed: int = 0, progress: Callable = iter) -> tuple[
        pd.DataFrame, pd.DataFrame]:
    """Per family: solution verdicts checked and disputed, wrong verdicts checked and disputed,
    and the 95% upper bounds on the false-valid and false-wrong rates; and the disputed attempts.
    Runs whose attempt records are not on this machine are left out; none reachable: empty tables.
    Each run's wrong sample comes from a generator keyed by (seed, arm, run seed): the same however
    the runs are listed (MLflow, a directory, a sweep's children) and when a sweep is run again."""
    reachable = [r for r in runs if (Path(str(r.summary.get("run_dir", ""))) / "manifest.jsonl").is_file()]
    if not reachable:
        return pd.DataFrame(), pd.DataFrame()
    reachable = sorted(reachable, key=lambda r: (r.arm, r.seed, r.run_id))  # one order, however runs were listed
    per_family_runs: dict[str, int] = {}
    for run in reachable:
        for family in run.families:
            per_family_runs[family] = per_family_runs.get(family, 0) + 1
    counts: dict[str, list[int]] = {}
    disputes = []
    for run in progress(reachable):
        problems = {p.id: p for p in run.bank_problems}
        families = {pid: p.family for pid, p in problems.items()}
        checked = {f: list(ids) for f, ids in run.problems.items() if checkers.audited(f)}  # not_audited: the rest
        if not checked:
            continue
        quota = max(math.ceil(wrong_sample / per_family_runs[f]) for f in checked)
        table = attempts_to_audit(Path(run.summary["run_dir"]), checked, quota,
                                  np.random.default_rng([seed, zlib.crc32(f"{run.arm}/{run.seed}".encode())]))
        answers: dict[tuple[str, str | None], bool] = {}  # deterministic: one check per distinct candidate
        for pid, candidate, tier in zip(*(table[c].to_pylist() for c in ("problem_id", "candidate", "tier"))):
            if families[pid] not in checked:
                continue  # a solution verdict of a family with no checker
            called_solution = tier != Tier.WRONG.value
            if (pid, candidate) not in answers:
                answers[pid, candidate] = checkers.solves(problems[pid], candidate)
            agrees = answers[pid, candidate] == called_solution
            row = counts.setdefault(families[pid], [0, 0, 0, 0])
            row[0 if called_solution else 2] += 1
            if not agrees:
                row[1 if called_solution else 3] += 1
                disputes.append({"run_id": run.run_id, "problem_id": pid, "tier": tier, "candidate": candidate})
    table = pd.DataFrame([{"family": f, "valid_checked": c[0], "valid_disputed": c[1],
                           "false_valid_upper": upper_bound(c[1], c[0]), "wrong_checked": c[2],
                           "wrong_disputed": c[3], "false_wrong_upper": upper_bound(c[3], c[2])}
                          for f, c in sorted(counts.items())])
    return table, pd.DataFrame(disputes, columns=["run_id", "problem_id", "tier", "candidate"])


def not_audited(runs) -> list[str]:
    """The runs' families without an independent checker: their verdicts are not audited."""
    return sorted({family for run in runs for family in run.families if not checkers.audited(family)})
