"""Online aggregates of a run: the observed accumulation of discoveries in attempt order.

The driver keeps only these (one entry per distinct discovery, never per attempt), so
memory grows with discoveries, not with volume. Batches may arrive in any order.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from harness.core.problem import DISCOVERY_TIERS, Tier
from harness.store.records import SPEND_COLUMNS, UNATTRIBUTED, Recorded
from harness.store.shards import read_compact, read_shards

NEVER = np.iinfo(np.int64).max
SPEND_BINS = 1 << 16  # spend bins (5 floats each) per run: 2.6 MB
# Forecasts are checked from the first 1% of a run's attempts: the discovery table keeps each
# discovery's counts there too (columns early_<tier>), so the check needs no attempt records.
EARLY_SHARE = 0.01


def early_limit(attempts: int) -> int:
    """Attempts per problem in a run's early part (the first EARLY_SHARE of them)."""
    return max(1, int(attempts * EARLY_SHARE))


def log_spaced_steps(last: int, points: int = 40) -> np.ndarray:
    """About `points` integer steps from 1 to `last`, evenly spaced in log, `last` included."""
    if last < 1:
        return np.array([], dtype=np.int64)
    steps = np.unique(np.round(np.logspace(0, np.log10(last), points)).astype(np.int64))
    return np.union1d(steps, [last])


def operators(table: pa.Table) -> pa.ChunkedArray | pa.Array:
    """The records' operator column, null (or absent: records from before it) read as UNATTRIBUTED."""
    if "operator" not in table.column_names:
        return pa.repeat(pa.scalar(UNATTRIBUTED), table.num_rows)
    return pc.fill_null(table["operator"], UNATTRIBUTED)


# What a resumed run reads back from its shards to rebuild the driver's aggregates.
LOG_COLUMNS = ["problem_id", "attempt", "tier", "canonical", "operator", *SPEND_COLUMNS]


class DiscoveryLog:
    """For each discovery (problem_id, canonical): the first attempt reaching each tier, and the
    operator of its first valid attempt (who found it first); attempts per tier and per operator."""

    def __init__(self, solving_is_compute: bool = True, early: int = 0) -> None:
        # False when a server's CPU is counted instead: a request's latency is then waiting, not work.
        self.solving_is_compute = solving_is_compute
        self.early = early  # attempts below this index are counted apart as well (early_limit)
        # Row of each discovery in the arrays below (in order of first arrival); per row and
        # tier level: the first attempt reaching it, how many attempts did, and how many of
        # the early ones. Arrays, so a batch's hits are merged by numpy, not one by one.
        self._rows: dict[tuple[str, str], int] = {}
        self._first = np.full((0, len(DISCOVERY_TIERS)), NEVER, dtype=np.int64)
        self._found = np.zeros((0, len(DISCOVERY_TIERS)), dtype=np.int64)
        self._found_early = np.zeros((0, len(DISCOVERY_TIERS)), dtype=np.int64)
        self._operator = np.full(0, UNATTRIBUTED, dtype=object)  # per row: the operator of its first_valid
        self.tiers = Counter()  # attempts per tier
        self.operators = Counter()  # attempts per operator
        self.attempts = 0
        # Spend summed over problems, per bin of `_width` attempt indices (see _add_spend).
        self._spend = np.zeros((SPEND_BINS, len(SPEND_COLUMNS)))
        self._width = 1

    @classmethod
    def of_run(cls, run_dir: Path, shards: tuple[str, ...], attempts: int,
               solving_is_compute: bool = True) -> "DiscoveryLog":
        """The log of a run of `attempts` per problem, with what its directory's listed shards hold:
        an interrupted run's aggregates, rebuilt one shard at a time (full rows, then compact ones)."""
        log = cls(solving_is_compute, early_limit(attempts))
        for shard in read_shards(run_dir, shards, LOG_COLUMNS):
            log.update(shard)
        for compact in read_compact(run_dir, shards):
            log.update_compact(compact)
        return log

    def record(self, recorded: Recorded) -> None:
        self.update(recorded.full)
        self.update_compact(recorded.compact)

    def update_compact(self, compact: pa.Table) -> None:
        """Compact rows (record.COMPACT_SCHEMA): counted wrong attempts, with the range's verify_s."""
        if not compact.num_rows:
            return
        wrong = int(pc.sum(compact["wrong"]).as_py())
        self.attempts += wrong
        self.tiers[Tier.WRONG.value] += wrong
        for operator, count in zip(operators(compact).to_pylist(), compact["wrong"].to_pylist()):
            self.operators[operator] += count
        starts, stops = compact["start"].to_numpy(), compact["stop"].to_numpy()
        self._widen(stops.max() - 1)
        column = SPEND_COLUMNS.index("verify_s")
        for start, stop, seconds in zip(starts, stops, compact["verify_s"].to_numpy()):
            bins = np.arange(start // self._width, (stop - 1) // self._width + 1)
            overlap = np.minimum(stop, (bins + 1) * self._width) - np.maximum(start, bins * self._width)
            self._spend[bins, column] += seconds * overlap / (stop - start)

    def update(self, table: pa.Table) -> None:
        """Full attempt records (record.ATTEMPT_SCHEMA)."""
        self.attempts += table.num_rows
        self._add_spend(table)
        for row in pc.value_counts(table["tier"]).to_pylist():
            self.tiers[row["values"]] += row["counts"]
        for row in pc.value_counts(operators(table)).to_pylist():
            self.operators[row["values"]] += row["counts"]
        hits = table.filter(pc.is_in(table["tier"], pa.array([t.value for t in DISCOVERY_TIERS])))
        if not hits.num_rows:
            return
        keys = zip(hits["problem_id"].to_pylist(), hits["canonical"].to_pylist())
        known = self._rows  # a new discovery gets the next row
        rows = np.array([known.setdefault(key, len(known)) for key in keys], dtype=np.int64)
        self._grow(len(self._rows))
        attempt = hits["attempt"].to_numpy()
        rank = np.select([pc.equal(hits["tier"], t.value).to_numpy(zero_copy_only=False) for t in DISCOVERY_TIERS],
                         [t.rank for t in DISCOVERY_TIERS])
        for level in range(len(DISCOVERY_TIERS)):
            reached = rank > level  # a hit of rank r reaches levels 0..r-1
            np.minimum.at(self._first[:, level], rows[reached], attempt[reached])
            np.add.at(self._found[:, level], rows[reached], 1)
            np.add.at(self._found_early[:, level], rows[reached & (attempt < self.early)], 1)
        # Every hit reaches the first level: where a hit is now its discovery's first, its operator
        # found it first (one attempt per index and problem, so the hit is that very attempt).
        first = attempt == self._first[rows, 0]
        self._operator[rows[first]] = np.asarray(operators(hits).to_pylist(), dtype=object)[first]

    def _grow(self, size: int) -> None:
        """Room for `size` discoveries (capacity doubles, so growing costs little per batch)."""
        if size <= len(self._first):
            return
        extra = max(size, 2 * len(self._first)) - len(self._first)
        self._first, self._found, self._found_early = (
            np.vstack([array, np.full((extra, array.shape[1]), empty, dtype=np.int64)])
            for array, empty in ((self._first, NEVER), (self._found, 0), (self._found_early, 0)))
        self._operator = np.concatenate([self._operator, np.full(extra, UNATTRIBUTED, dtype=object)])

    def _add_spend(self, table: pa.Table) -> None:
        """Bins of one attempt index while there are at most SPEND_BINS of them; past that,
        neighbouring bins merge (the width doubles), so memory stays bounded at any volume."""
        index = table["attempt"].to_numpy()
        if index.size == 0:
            return
        self._widen(index.max())
        bins = index // self._width
        low = bins.min()  # a batch spans few bins: add into those only
        for j, column in enumerate(SPEND_COLUMNS):
            weights = pc.fill_null(table[column], 0).to_numpy(zero_copy_only=False).astype(float)
            added = np.bincount(bins - low, weights=weights)
            self._spend[low:low + len(added), j] += added

    def _widen(self, index: int) -> None:
        """Merge neighbouring bins until attempt `index` has one."""
        while index >= SPEND_BINS * self._width:
            merged = self._spend.reshape(SPEND_BINS // 2, 2, -1).sum(axis=1)
            self._spend = np.vstack([merged, np.zeros_like(merged)])
            self._width *= 2

    def spend(self, steps: np.ndarray) -> pd.DataFrame:
        """Cost of the first k attempts of every problem: tokens, dollars, compute seconds.
        Exact while bins are single attempts (up to SPEND_BINS per problem); past that,
        linear within the bin that k falls in."""
        steps = np.asarray(steps, dtype=np.int64)
        edges = np.arange(len(self._spend) + 1) * self._width  # attempt index where each bin starts
        total = np.vstack([np.zeros(len(SPEND_COLUMNS)), np.cumsum(self._spend, axis=0)])
        at = np.column_stack([np.interp(steps, edges, total[:, j]) for j in range(len(SPEND_COLUMNS))])
        col = {name: at[:, j] for j, name in enumerate(SPEND_COLUMNS)}
        return pd.DataFrame({
            "tokens": np.rint(col["prompt_tokens"] + col["completion_tokens"]).astype(np.int64),
            "cost_usd": col["cost_usd"],
            "compute_s": col["verify_s"] + (col["solve_s"] if self.solving_is_compute else 0.0),
        })

    @property
    def discoveries(self) -> int:
        return len(self._rows)

    @property
    def tokens(self) -> int:
        """Prompt and completion tokens of every attempt so far."""
        return int(round(self._spend[:, [SPEND_COLUMNS.index("prompt_tokens"),
                                         SPEND_COLUMNS.index("completion_tokens")]].sum()))

    def curve(self, steps: np.ndarray) -> pd.DataFrame:
        """Distinct discoveries per tier, problems solved, and the spend, within the first k attempts."""
        steps = np.asarray(steps, dtype=np.int64)
        firsts = self._first[:self.discoveries]
        columns = {"attempts": steps}
        for level, tier in enumerate(DISCOVERY_TIERS):
            ordered = np.sort(firsts[:, level])
            columns[tier.value] = np.searchsorted(ordered, steps, side="left")
        pids = pd.Series([pid for pid, _ in self._rows], dtype=object)
        solved_at = pd.Series(firsts[:, 0]).groupby(pids).min().to_numpy() if len(pids) else np.zeros(0)
        columns["solved"] = np.searchsorted(np.sort(solved_at), steps, side="left")
        return pd.concat([pd.DataFrame(columns), self.spend(steps)], axis=1)

    def discovery_table(self) -> pd.DataFrame:
        """One row per discovery: per tier, its first attempt, how many attempts reached it, and
        how many of the early ones (index below `early`) did; and the operator of its first."""
        columns = ["problem_id", "canonical", *(f"first_{t.value}" for t in DISCOVERY_TIERS),
                   *(f"found_{t.value}" for t in DISCOVERY_TIERS), *(f"early_{t.value}" for t in DISCOVERY_TIERS),
                   "operator"]
        n = self.discoveries
        first = np.where(self._first[:n] == NEVER, None, self._first[:n]).tolist()
        rows = sorted(  # batch arrival order must not matter
            (*key, *first[row], *self._found[row].tolist(), *self._found_early[row].tolist(), self._operator[row])
            for key, row in self._rows.items())
        return pd.DataFrame(rows, columns=columns).astype({f"first_{t.value}": "Int64" for t in DISCOVERY_TIERS})


def discoveries_by_operator(discoveries: pd.DataFrame) -> pd.DataFrame:
    """A discovery table's distinct discoveries per tier, credited to the operator of the attempt
    that found each first (its `operator` column; tables from before it: UNATTRIBUTED). One row
    per operator; the rows sum to the table's discoveries."""
    credited = discoveries["operator"].fillna(UNATTRIBUTED) if "operator" in discoveries else \
        pd.Series(UNATTRIBUTED, index=discoveries.index)
    reached = pd.DataFrame({t.value: discoveries[f"first_{t.value}"].notna() for t in DISCOVERY_TIERS})
    return reached.groupby(credited.to_numpy()).sum().astype(np.int64).rename_axis("operator").reset_index()


def spend_at(curve: pd.DataFrame, m: np.ndarray, axis: str) -> np.ndarray:
    """The spend on `axis` (a column of a run's curve) at m attempts per problem: interpolated
    between the curve's steps, and beyond its last step at the run's average spend per attempt."""
    steps, spent = curve["attempts"].to_numpy(float), curve[axis].to_numpy(float)
    m = np.asarray(m, dtype=float)
    return np.where(m <= steps[-1], np.interp(m, steps, spent), m * spent[-1] / steps[-1])


def seed_average(curves: list[pd.DataFrame], column: str, confidence: float = 0.95) -> pd.DataFrame:
    """Observed curves of several seeds (same `attempts` steps) to their mean with a
    seed-to-seed interval (normal approximation, floored at 0 since counts are not negative):
    how adaptive solvers are measured."""
    from statistics import NormalDist

    if len(curves) < 2:
        raise ValueError("seed-to-seed intervals need at least two seeds")
    steps = curves[0]["attempts"].to_numpy()
    if any(not np.array_equal(c["attempts"].to_numpy(), steps) for c in curves):
        raise ValueError("the curves must share their attempt steps")
    values = np.vstack([c[column].to_numpy(dtype=float) for c in curves])
    mean, sd = values.mean(axis=0), values.std(axis=0, ddof=1)
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * sd / np.sqrt(len(curves))
    return pd.DataFrame({"attempts": steps, "mean": mean, "lower": np.maximum(mean - half, 0), "upper": mean + half,
                         "seeds": len(curves)})
