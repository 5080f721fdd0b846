"""Which of a run's attempts the audit checks: every solution, and a sample of the wrong verdicts
that is a function of the run's wrong attempts alone. How a run cut its records into shards and
ranges follows the clock (checkpoint_s, the child's pace); the sample must not, or the same
attempts give a different audit each time they are run."""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from harness.core.problem import DISCOVERY_TIERS, Tier
from harness.engine.regenerate import RunSolver, compact_by_shard
from harness.store.manifest import read_checkpoint
from harness.store.shards import read_shards

SOLUTION_TIERS = [t.value for t in DISCOVERY_TIERS]
COLUMNS = ["problem_id", "attempt", "candidate", "tier"]
SCHEMA = pa.schema([("problem_id", pa.string()), ("attempt", pa.int64()), ("candidate", pa.string()),
                   ("tier", pa.string())])


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, elementwise on uint64 (wrapping, as intended)."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def attempt_keys(problem_ids, attempts, salt: int) -> np.ndarray:
    """A pseudo-random uint64 per (problem, attempt), fixed by `salt`: the order in which the
    sample takes wrong attempts (the lowest `k` keys are a uniform sample of k, without replacement)."""
    ids = problem_ids.combine_chunks() if isinstance(problem_ids, pa.ChunkedArray) else pa.array(problem_ids)
    encoded = ids.dictionary_encode()
    crc = np.array([zlib.crc32(pid.encode()) for pid in encoded.dictionary.to_pylist()], np.uint64)
    per_problem = crc[encoded.indices.to_numpy(zero_copy_only=False)]
    return _mix(_mix(per_problem ^ np.uint64(salt & 0xFFFFFFFF)) + np.asarray(attempts, np.int64).astype(np.uint64))


def lowest(table: pa.Table, k: int, salt: int) -> pa.Table:
    """The `k` rows of `table` with the lowest attempt keys (all of them if it has no more)."""
    if table.num_rows <= k:
        return table
    keys = attempt_keys(table["problem_id"], table["attempt"].to_numpy(), salt)
    return table.take(pa.array(np.sort(np.argpartition(keys, k)[:k]), type=pa.int64()))


def attempts_to_audit(run_dir: Path, families: dict[str, list[str]], most: int, salt: int) -> pa.Table:
    """A run's attempts the verifier called solutions, and up to `most` wrong ones of each family
    (`families`: family -> problem ids): problem_id, attempt, candidate, tier, sorted by problem and
    attempt. Wrong attempts with a full row are taken in the order of their keys, and each shard
    gives at most `most` per family, so memory stays bounded at any volume; wrong attempts kept
    compactly (records=compact) are drawn uniformly from the attempts their ranges count, and
    their candidates regenerated. `salt` fixes the sample (audit_runs keys it by seed, arm, run seed)."""
    checkpoint = read_checkpoint(run_dir)
    counted = compact_by_shard(run_dir, checkpoint)
    ranges = pa.concat_tables(list(counted.values())) if counted else None
    drawn = {family: drawn_from_ranges(ranges, ids, most, salt ^ zlib.crc32(family.encode()))
             for family, ids in families.items()} if counted else {}
    drawn_attempts = pa.array(sorted({attempt for pairs in drawn.values() for _, attempt in pairs}), pa.int64())
    kept, wrong, recorded = [], {family: [] for family in families}, set()
    for name, shard in zip(checkpoint.shards, read_shards(run_dir, checkpoint.shards, COLUMNS)):
        kept.append(shard.filter(pc.is_in(shard["tier"], pa.array(SOLUTION_TIERS))))
        is_wrong = pc.equal(shard["tier"], Tier.WRONG.value)
        for family, ids in families.items():
            wrong[family].append(lowest(shard.filter(pc.and_(is_wrong, pc.is_in(shard["problem_id"], pa.array(ids)))),
                                        most, salt))
        if name in counted:  # a drawn attempt with a full row is not one the compact rows count
            hits = shard.filter(pc.is_in(shard["attempt"], drawn_attempts))
            recorded.update(zip(hits["problem_id"].to_pylist(), hits["attempt"].to_pylist()))
    run = RunSolver.of(run_dir) if counted else None
    for family in families:
        parts = wrong[family] + ([regenerated(run, sorted(drawn[family] - recorded))] if counted else [])
        if parts:
            kept.append(lowest(pa.concat_tables(parts), most, salt))
    table = pa.concat_tables(kept) if kept else SCHEMA.empty_table()
    return table.sort_by([("problem_id", "ascending"), ("attempt", "ascending")])


def drawn_from_ranges(compact: pa.Table, ids: list[str], most: int, salt: int) -> set[tuple[str, int]]:
    """Up to `most` (problem, attempt) pairs of problems `ids`, drawn uniformly with replacement over
    the attempts the compact rows span (repeats dropped; the caller drops those with a full row).
    The ranges are taken end to end in order of problem and start, so the draw depends on the
    attempts they span, not on where they were cut."""
    rows = compact.filter(pc.is_in(compact["problem_id"], pa.array(ids))).sort_by(
        [("problem_id", "ascending"), ("start", "ascending")])
    total_wrong = int(pc.sum(rows["wrong"]).as_py() or 0)
    if not total_wrong:
        return set()
    sizes = rows["stop"].to_numpy() - rows["start"].to_numpy()
    ends = np.cumsum(sizes)
    positions = np.random.default_rng(salt).integers(0, ends[-1], min(most, total_wrong))
    which = np.searchsorted(ends, positions, side="right")
    attempts = rows["start"].to_numpy()[which] + positions - (ends[which] - sizes[which])
    return set(zip(rows["problem_id"].to_numpy(zero_copy_only=False)[which].tolist(), attempts.tolist()))


def regenerated(run: RunSolver, pairs: list[tuple[str, int]]) -> pa.Table:
    """Wrong attempts (problem, attempt) of a compact run, their candidates rebuilt from the solver."""
    return pa.table({"problem_id": pa.array([pid for pid, _ in pairs], pa.string()),
                     "attempt": pa.array([i for _, i in pairs], pa.int64()),
                     "candidate": pa.array([run.candidates(pid, [i])[0] for pid, i in pairs], pa.string()),
                     "tier": pa.array([Tier.WRONG.value] * len(pairs), pa.string())}, schema=SCHEMA)
