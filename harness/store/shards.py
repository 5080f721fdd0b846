"""Attempt records on disk: the shard writer (full rows and compact ones, each shard listed in the
manifest once whole) and the readers of a run's shards."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from harness.store.manifest import COMPACT, append_entry, next_shard_number, shard_name, write_whole
from harness.store.records import ATTEMPT_SCHEMA, COMPACT_SCHEMA


class ShardWriter:
    """Buffers attempt batches (Recorded) and writes them as attempts/part-NNNNN.parquet shards,
    with their compact rows, if any, in compact/ under the same name.

    A shard appears whole or not at all (written aside, synced, then linked into place), and
    never over an existing file: numbering goes on after the highest name on disk or in the
    manifest. With a manifest, each shard's batches, and its files' row counts, schemas and
    checksums, are then appended to it and synced: the manifest is the checkpoint, and a shard
    it does not list was never finished. Shards are cut by size, and at least every `flush_s`
    seconds, so a crash loses at most that much finished work.
    """

    def __init__(self, directory: Path, rows_per_shard: int = 200_000, manifest: Path | None = None,
                 flush_s: float = 30.0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.compact_directory = self.directory.parent / COMPACT
        self.rows_per_shard = rows_per_shard
        self.manifest = manifest
        self.flush_s = flush_s
        self._keys: list[tuple] = []  # the buffered batches
        self._full: list[pa.Table] = []  # their records, gathered MERGE_EVERY at a time
        self._compact: list[pa.Table] = []
        self._buffered = 0
        self._flushed_at = time.monotonic()
        self.shards = next_shard_number(self.directory, manifest)  # the next shard's number
        self.rows = 0

    # Each batch's tables hold their own wire buffers (kilobytes, however few rows): 10^5 batches of
    # one attempt held 800 MB until the shard was cut. Every MERGE_EVERY batches are copied into one.
    MERGE_EVERY = 1024

    def write(self, recorded: Recorded) -> None:
        self._keys.append(recorded.key)
        self._full.append(recorded.full)
        self._compact.append(recorded.compact)
        if len(self._keys) % self.MERGE_EVERY == 0:
            for tables in (self._full, self._compact):
                tables[-self.MERGE_EVERY:] = [pa.concat_tables(tables[-self.MERGE_EVERY:]).combine_chunks()]
        self._buffered += recorded.full.num_rows + recorded.compact.num_rows
        if self._buffered >= self.rows_per_shard or time.monotonic() - self._flushed_at >= self.flush_s:
            self.flush()

    def flush(self) -> None:
        self._flushed_at = time.monotonic()
        if not self._keys:
            return
        table = pa.concat_tables(self._full)
        compact = pa.concat_tables(self._compact)
        name = shard_name(self.shards)
        entry: dict[str, Any] = {"shard": name, "batches": [list(key) for key in self._keys], "compact": None}
        if compact.num_rows:  # before the full rows: a shard's name in attempts/ means both are whole
            self.compact_directory.mkdir(exist_ok=True)
            entry["compact"] = write_whole(compact, self.compact_directory / name)
        entry.update(write_whole(table, self.directory / name))
        if self.manifest is not None:
            append_entry(self.manifest, entry)
        self.shards += 1
        self.rows += table.num_rows
        self._keys, self._full, self._compact, self._buffered = [], [], [], 0

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is None or not issubclass(kind, OSError):  # a full disk would only fail again
            self.flush()


def read_attempts(run_dir: Path, columns: list[str] | None = None) -> pa.Table:
    """All attempt records of a run (for analysis and tests; not used on the hot path)."""
    return pq.read_table(Path(run_dir) / "attempts", schema=ATTEMPT_SCHEMA, columns=columns)


def read_shards(run_dir: Path, shards: tuple[str, ...], columns: list[str]):
    """The listed shards one at a time, so a resumed run rebuilds its aggregates in bounded memory."""
    for name in shards:  # by the schema: an optional column a shard predates reads as null
        yield pq.read_table(Path(run_dir) / "attempts" / name, schema=ATTEMPT_SCHEMA, columns=columns)


def read_compact(run_dir: Path, shards: tuple[str, ...]):
    """The compact rows of the listed shards, one shard at a time (shards without any are skipped)."""
    folder = Path(run_dir) / COMPACT
    for name in shards:
        if (folder / name).exists():
            yield pq.read_table(folder / name, schema=COMPACT_SCHEMA)
