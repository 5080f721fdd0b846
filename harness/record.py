"""Recording: attempt records streamed to Parquet shards, plus the run's small files."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

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
])
SPEND_COLUMNS = ("prompt_tokens", "completion_tokens", "solve_s", "verify_s", "cost_usd")


class ShardWriter:
    """Buffers attempt batches and writes them as attempts/part-NNNNN.parquet shards."""

    def __init__(self, directory: Path, rows_per_shard: int = 200_000) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.rows_per_shard = rows_per_shard
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self.shards = 0
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        self._buffer.append(table)
        self._buffered += table.num_rows
        if self._buffered >= self.rows_per_shard:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        table = pa.concat_tables(self._buffer)
        pq.write_table(table, self.directory / f"part-{self.shards:05d}.parquet")
        self.shards += 1
        self.rows += table.num_rows
        self._buffer, self._buffered = [], 0

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()


def read_attempts(run_dir: Path) -> pa.Table:
    """All attempt records of a run (for analysis and tests; not used on the hot path)."""
    return pq.read_table(Path(run_dir) / "attempts", schema=ATTEMPT_SCHEMA)


def write_json(path: Path, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
