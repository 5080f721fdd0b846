"""Recording: attempt records streamed to Parquet shards, plus the run's small files."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
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
    # Anything else to know about the record (e.g. the server's usage for it could not be
    # used); null almost always. Shards written before it existed read it as null.
    ("note", pa.string()),
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
# records `python -m harness.regenerate` rebuilds exactly from (seed, problem, attempt).
COMPACT_SCHEMA = pa.schema([
    ("problem_id", pa.string()),
    ("solver", pa.string()),
    ("seed", pa.int64()),
    ("start", pa.int64()),
    ("stop", pa.int64()),
    ("wrong", pa.int64()),
    ("verify_s", pa.float64()),  # the range's batch check, spread evenly over its attempts
])

MANIFEST = "manifest.jsonl"
COMPACT = "compact"  # the run folder's compact rows
BatchKey = tuple[str, int, int]  # (problem_id, start, stop)


def compact_rows(rows: list[tuple]) -> pa.Table:
    """COMPACT_SCHEMA rows (problem_id, solver, seed, start, stop, wrong, verify_s) as a table."""
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


class ShardWriter:
    """Buffers attempt batches (Recorded) and writes them as attempts/part-NNNNN.parquet shards,
    with their compact rows, if any, in compact/ under the same name.

    A shard appears whole or not at all (written aside, then renamed). With a manifest, each
    shard's batches are then appended to it and synced: the manifest is the checkpoint, and
    a shard it does not list was never finished. Shards are cut by size, and at least every
    `flush_s` seconds, so a crash loses at most that much finished work.
    """

    def __init__(self, directory: Path, rows_per_shard: int = 200_000, manifest: Path | None = None,
                 flush_s: float = 30.0, first_shard: int = 0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.compact_directory = self.directory.parent / COMPACT
        self.rows_per_shard = rows_per_shard
        self.manifest = manifest
        self.flush_s = flush_s
        self._buffer: list[Recorded] = []
        self._buffered = 0
        self._flushed_at = time.monotonic()
        self.shards = first_shard
        self.rows = 0

    def write(self, recorded: Recorded) -> None:
        self._buffer.append(recorded)
        self._buffered += recorded.full.num_rows + recorded.compact.num_rows
        if self._buffered >= self.rows_per_shard or time.monotonic() - self._flushed_at >= self.flush_s:
            self.flush()

    def flush(self) -> None:
        self._flushed_at = time.monotonic()
        if not self._buffer:
            return
        table = pa.concat_tables([r.full for r in self._buffer])
        compact = pa.concat_tables([r.compact for r in self._buffer])
        name = f"part-{self.shards:05d}.parquet"
        if compact.num_rows:  # before the full rows: a shard's name in attempts/ means both are whole
            self.compact_directory.mkdir(exist_ok=True)
            _write_whole(compact, self.compact_directory / name)
        _write_whole(table, self.directory / name)
        if self.manifest is not None:
            _append_synced(self.manifest, {"shard": name, "batches": [list(r.key) for r in self._buffer]})
        self.shards += 1
        self.rows += table.num_rows
        self._buffer, self._buffered = [], 0

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is None or not issubclass(kind, OSError):  # a full disk would only fail again
            self.flush()


def _write_whole(table: pa.Table, path: Path) -> None:
    aside = path.parent / f".{path.name}.tmp"  # a leading dot: Parquet readers skip it
    pq.write_table(table, aside)
    os.replace(aside, path)


@dataclass(frozen=True)
class Checkpoint:
    """What a run has durably recorded, read back from its manifest."""
    batch_size: int
    attempts: int
    shards: tuple[str, ...]
    done: frozenset[BatchKey]
    wide_batch_size: int = 0  # of batch-checked problems (runs from before it: batch_size)

    def __post_init__(self) -> None:
        if not self.wide_batch_size:
            object.__setattr__(self, "wide_batch_size", self.batch_size)


def start_manifest(run_dir: Path, batch_size: int, attempts: int, wide_batch_size: int) -> None:
    _append_synced(Path(run_dir) / MANIFEST, {"batch_size": batch_size, "attempts": attempts,
                                              "wide_batch_size": wide_batch_size})


def read_checkpoint(run_dir: Path) -> Checkpoint:
    path = Path(run_dir) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{run_dir} has no {MANIFEST}: not a run directory, or it never started")
    try:
        header, *entries = _manifest_entries(path)[0]
        checkpoint = Checkpoint(int(header["batch_size"]), int(header["attempts"]),
                                tuple(str(e["shard"]) for e in entries),
                                frozenset((str(p), int(a), int(b)) for e in entries for p, a, b in e["batches"]),
                                int(header.get("wide_batch_size", 0)))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is damaged ({type(exc).__name__}: {exc}): this run cannot be resumed") from None
    if sum(len(e["batches"]) for e in entries) != len(checkpoint.done):
        raise ValueError(f"{path} lists a batch twice")
    return checkpoint


def discard_unrecorded(run_dir: Path, checkpoint: Checkpoint) -> list[Path]:
    """Before resuming: delete shards (and half-written files) the manifest does not list, so
    their batches run again, and drop a manifest line a crash cut short, so appends stay whole."""
    listed = set(checkpoint.shards)
    stray = [p for folder in ("attempts", COMPACT) if (Path(run_dir) / folder).is_dir()
             for p in (Path(run_dir) / folder).iterdir() if p.name not in listed]
    for path in stray:
        path.unlink()
    manifest = Path(run_dir) / MANIFEST
    entries, intact = _manifest_entries(manifest)
    if not intact:
        manifest.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return stray


def _manifest_entries(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The manifest's entries, and whether it is intact: a line cut short by a crash is
    not part of it."""
    text = path.read_text()
    entries = []
    for line in text.splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pass
    return entries, text.endswith("\n") and len(entries) == len(text.splitlines())


def _append_synced(path: Path, entry: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")
        out.flush()
        os.fsync(out.fileno())


def read_attempts(run_dir: Path, columns: list[str] | None = None) -> pa.Table:
    """All attempt records of a run (for analysis and tests; not used on the hot path)."""
    return pq.read_table(Path(run_dir) / "attempts", schema=ATTEMPT_SCHEMA, columns=columns)


def read_shards(run_dir: Path, shards: tuple[str, ...], columns: list[str]):
    """The listed shards one at a time, so a resumed run rebuilds its aggregates in bounded memory."""
    for name in shards:
        yield pq.read_table(Path(run_dir) / "attempts" / name, columns=columns)


def read_compact(run_dir: Path, shards: tuple[str, ...]):
    """The compact rows of the listed shards, one shard at a time (shards without any are skipped)."""
    folder = Path(run_dir) / COMPACT
    for name in shards:
        if (folder / name).exists():
            yield pq.read_table(folder / name, schema=COMPACT_SCHEMA)


def write_json(path: Path, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
