"""Recording: attempt records streamed to Parquet shards, plus the run's small files."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from harness.store.files import replaced

ATTEMPT_SCHEMA = pa.schema([
    ("problem_id", pa.string()),
    ("attempt", pa.int64()),
    ("solver", pa.string()),
    ("seed", pa.int64()),
    ("candidate", pa.string()),
    ("tier", pa.string()),
    ("canonical", pa.string()),
    ("score", pa.float64()),
    ("verify_s", pa.float64()),
    ("error", pa.string()),  # why the candidate is not a solution; null for solutions
    # What the attempt cost (zero for stub solvers): the volume axes besides attempts.
    ("prompt_tokens", pa.int64()),
    ("completion_tokens", pa.int64()),
    ("solve_s", pa.float64()),  # seconds producing the candidate (LLM latency)
    ("cost_usd", pa.float64()),
    # Anything else to know about the record (e.g. the server's usage for it could not be
    # used); null almost always. Shards written before it existed read it as null.
    ("note", pa.string()),
    # Which operator proposed the candidate (solvers.proposal.Operator: model, mutation,
    # crossover, copy, fresh); null where the solver did not say, and in shards written
    # before it existed: read as UNATTRIBUTED.
    ("operator", pa.string()),
])
SPEND_COLUMNS = ("prompt_tokens", "completion_tokens", "solve_s", "verify_s", "cost_usd")


def to_ipc(table: pa.Table) -> bytes:
    """Attempt records as an Arrow IPC stream: how they cross process boundaries (the
    sandbox child to its worker, a worker to the driver); half the cost of a pickled table."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(payload: bytes) -> pa.Table:
    return pa.ipc.open_stream(payload).read_all()


# Wrong attempts of a regenerable solver, kept as counts per range of attempts (records=compact):
# each range's attempts are its full rows (those that are not wrong) and `wrong` more, whose
# records `python -m harness.app.regenerate` rebuilds exactly from (seed, problem, attempt).
COMPACT_SCHEMA = pa.schema([
    ("problem_id", pa.string()),
    ("solver", pa.string()),
    ("seed", pa.int64()),
    ("start", pa.int64()),
    ("stop", pa.int64()),
    ("wrong", pa.int64()),
    ("verify_s", pa.float64()),  # the range's batch check, spread evenly over its attempts
    ("operator", pa.string()),  # of the range's wrong attempts (fresh samples); null in files from before it
])
UNATTRIBUTED = "unknown"  # how a null operator is read: the solver did not say, or the run predates the column

BatchKey = tuple[str, int, int]  # (problem_id, start, stop)


def compact_rows(rows: list[tuple]) -> pa.Table:
    """COMPACT_SCHEMA rows (problem_id, solver, seed, start, stop, wrong, verify_s, operator) as a table."""
    return pa.Table.from_pylist([dict(zip(COMPACT_SCHEMA.names, row)) for row in rows], schema=COMPACT_SCHEMA)


@dataclass(frozen=True)
class Recorded:
    """One batch's records: every attempt of `key` is a full row or counted in a compact row."""
    key: BatchKey
    full: pa.Table  # ATTEMPT_SCHEMA
    compact: pa.Table = field(default_factory=COMPACT_SCHEMA.empty_table)

    @property
    def attempts(self) -> int:
        return self.full.num_rows + int(pc.sum(self.compact["wrong"]).as_py() or 0)

    def to_wire(self) -> tuple[BatchKey, bytes, bytes]:
        return self.key, to_ipc(self.full), to_ipc(self.compact)

    @classmethod
    def from_wire(cls, wire: tuple[BatchKey, bytes, bytes]) -> "Recorded":
        key, full, compact = wire
        return cls(tuple(key), from_ipc(full), from_ipc(compact))


def write_json(path: Path, data: dict[str, Any]) -> None:
    with replaced(path) as out:  # never through a link
        out.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
