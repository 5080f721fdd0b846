"""Recording: attempt records streamed to Parquet shards, plus the run's small files."""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from harness.store.files import append_synced, refuse_links, replaced, sha256_of, write_once

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

MANIFEST = "manifest.jsonl"
COMPACT = "compact"  # the run folder's compact rows
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
            entry["compact"] = _write_whole(compact, self.compact_directory / name)
        entry.update(_write_whole(table, self.directory / name))
        if self.manifest is not None:
            _append_synced(self.manifest, entry)
        self.shards += 1
        self.rows += table.num_rows
        self._keys, self._full, self._compact, self._buffered = [], [], [], 0

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is None or not issubclass(kind, OSError):  # a full disk would only fail again
            self.flush()


SHARD = re.compile(r"part-(\d{5,})\.parquet")


def shard_name(number: int) -> str:
    return f"part-{number:05d}.parquet"


def next_shard_number(directory: Path, manifest: Path | None) -> int:
    """One past the highest shard number in attempts/, compact/ or the manifest: no name is reused."""
    folders = (Path(directory), Path(directory).parent / COMPACT)
    names = [p.name for folder in folders if folder.is_dir() for p in folder.iterdir()]
    if manifest is not None and Path(manifest).exists():
        names += re.findall(r'"shard": "([^"]*)"', Path(manifest).read_text(errors="replace"))
    numbers = [int(m.group(1)) for m in map(SHARD.fullmatch, names) if m]
    return max(numbers, default=-1) + 1


def schema_digest(schema: pa.Schema) -> str:
    """A short fingerprint of a table's column names and types."""
    return hashlib.sha256(",".join(f"{f.name}:{f.type}" for f in schema).encode()).hexdigest()[:16]


def _write_whole(table: pa.Table, path: Path) -> dict[str, Any]:
    """The table as a new Parquet file at `path`; returns what the manifest records of it."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    data = sink.getvalue().to_pybytes()
    write_once(path, data)
    return {"rows": table.num_rows, "schema": schema_digest(table.schema), "sha256": hashlib.sha256(data).hexdigest()}


@dataclass(frozen=True)
class FileRecord:
    """What the manifest says of one Parquet file it lists."""
    rows: int
    schema: str  # schema_digest
    sha256: str


@dataclass(frozen=True)
class ShardEntry:
    """One manifest line: a shard, its batches, and (manifests written since checksums) its files."""
    name: str
    batches: tuple[BatchKey, ...]
    full: FileRecord | None = None  # None: a manifest line from before checksums
    compact: FileRecord | None = None  # None: no compact rows (before checksums: not known)

    @property
    def checksummed(self) -> bool:
        return self.full is not None


@dataclass(frozen=True)
class Checkpoint:
    """What a run has durably recorded, read back from its manifest."""
    batch_size: int
    attempts: int
    shards: tuple[str, ...]
    done: frozenset[BatchKey]
    wide_batch_size: int = 0  # of batch-checked problems (runs from before it: batch_size)
    entries: tuple[ShardEntry, ...] = ()

    def __post_init__(self) -> None:
        if not self.wide_batch_size:
            object.__setattr__(self, "wide_batch_size", self.batch_size)


def start_manifest(run_dir: Path, batch_size: int, attempts: int, wide_batch_size: int) -> None:
    _append_synced(Path(run_dir) / MANIFEST, {"batch_size": batch_size, "attempts": attempts,
                                              "wide_batch_size": wide_batch_size})


def _file_record(value: Any) -> FileRecord | None:
    if value is None:
        return None
    record = FileRecord(int(value["rows"]), str(value["schema"]), str(value["sha256"]))
    if record.rows < 0 or not re.fullmatch(r"[0-9a-f]{64}", record.sha256):
        raise ValueError(f"not a file record: {value!r}")
    return record


def _shard_entry(entry: dict[str, Any]) -> ShardEntry:
    name = entry["shard"]
    if not isinstance(name, str) or not SHARD.fullmatch(name):
        raise ValueError(f"not a shard name: {name!r}")
    batches = tuple((str(p), int(a), int(b)) for p, a, b in entry["batches"])
    if "sha256" not in entry:  # written before checksums
        return ShardEntry(name, batches)
    return ShardEntry(name, batches, _file_record(entry), _file_record(entry["compact"]))


UNUSABLE = "this run cannot be resumed or read"


def read_checkpoint(run_dir: Path) -> Checkpoint:
    """The run's checkpoint. Raises ValueError naming the manifest (and the line) if a line is
    damaged, except a last line a crash cut short, or if a shard or a batch is listed twice."""
    path = Path(run_dir) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{run_dir} has no {MANIFEST}: not a run directory, or it never started")
    lines = _manifest_entries(path)[0]
    if not lines:
        raise ValueError(f"{path} is damaged (no header line): {UNUSABLE}")
    number, header = lines[0]
    try:
        try:
            batch_size, attempts = int(header["batch_size"]), int(header["attempts"])
            wide_batch_size = int(header.get("wide_batch_size", 0))
            entries = []
            for number, entry in lines[1:]:
                entries.append(_shard_entry(entry))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{type(exc).__name__}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path} is damaged (line {number}: {exc}): {UNUSABLE}") from None
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        twice = sorted(n for n in set(names) if names.count(n) > 1)
        raise ValueError(f"{path} lists shard {twice[0]} twice: {UNUSABLE}")
    done = frozenset(key for e in entries for key in e.batches)
    if sum(len(e.batches) for e in entries) != len(done):
        raise ValueError(f"{path} lists a batch twice: {UNUSABLE}")
    return Checkpoint(batch_size, attempts, tuple(names), done, wide_batch_size, tuple(entries))


ATTEMPTS = "attempts"  # the run folder's full rows
OPTIONAL = {"note", "operator"}  # columns that shards written before them lack
_RERUN = f"delete its line from {MANIFEST}, then resume, to run its batches again"


def check_shards(run_dir: Path, checkpoint: Checkpoint) -> None:
    """Every shard the manifest lists is there, a plain file, readable Parquet of the right columns
    and types, holding as many attempts as its batches (rows plus compact counts); with checksums
    in the manifest, also the same bytes, rows and schema as when written. Raises ValueError
    naming the first file that is not. Manifests from before checksums get every check but the
    checksum: there a row edited in place (same columns, same count) goes unseen."""
    run_dir = Path(run_dir)
    for entry in checkpoint.entries:
        full = run_dir / ATTEMPTS / entry.name
        rows = _check_file(full, ATTEMPT_SCHEMA, entry.full)
        compact = run_dir / COMPACT / entry.name
        if entry.checksummed and entry.compact is None:
            if os.path.lexists(compact):
                raise ValueError(f"{compact} is not listed in {MANIFEST} (its shard has no compact rows): "
                                 "the run was altered; remove the file")
            wrong = 0
        elif entry.checksummed or os.path.lexists(compact):
            _check_file(compact, COMPACT_SCHEMA, entry.compact)
            wrong = int(pc.sum(pq.read_table(compact, columns=["wrong"])["wrong"]).as_py() or 0)
        else:
            wrong = 0
        planned = sum(b - a for _, a, b in entry.batches)
        if rows + wrong != planned:
            absent = "" if os.path.lexists(compact) else f" (and there is no {COMPACT}/{entry.name})"
            raise ValueError(f"{full} holds {rows} rows and {wrong} counted wrong attempts{absent}, but its batches "
                             f"in {MANIFEST} are {planned} attempts: {_RERUN}")


def _check_file(path: Path, schema: pa.Schema, recorded: FileRecord | None) -> int:
    """The file's row count, once it is checked as `check_shards` says."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise ValueError(f"{path} is listed in {MANIFEST} but missing: {_RERUN}") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path} is not a plain file (a link or a folder): {_RERUN}")
    if recorded is not None and sha256_of(path) != recorded.sha256:
        raise ValueError(f"{path} does not match its checksum in {MANIFEST} (changed or damaged since it was "
                         f"written): {_RERUN}")
    try:
        rows, actual = pq.read_metadata(path).num_rows, pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"{path} is not a readable Parquet file ({exc}): {_RERUN}") from None
    types = {f.name: f.type for f in schema}
    problems = [*(f"column {f.name} is {f.type}, not {types[f.name]}" for f in actual
                  if f.name in types and f.type != types[f.name]),
                *(f"unknown column {f.name}" for f in actual if f.name not in types),
                *(f"no column {n}" for n in types if n not in actual.names and n not in OPTIONAL)]
    if problems:
        raise ValueError(f"{path} has the wrong schema ({'; '.join(problems)}): {_RERUN}")
    if recorded is not None and (rows, schema_digest(actual)) != (recorded.rows, recorded.schema):
        raise ValueError(f"{path} holds {rows} rows of schema {schema_digest(actual)}, {MANIFEST} says "
                         f"{recorded.rows} of {recorded.schema}: {_RERUN}")
    return rows


def discard_unrecorded(run_dir: Path, checkpoint: Checkpoint) -> list[Path]:
    """Before resuming: delete shards (and half-written files) the manifest does not list, so
    their batches run again, and drop a manifest line a crash cut short, so appends stay whole."""
    run_dir = Path(run_dir)
    refuse_links(run_dir, "a run folder")  # a linked folder would make this delete files elsewhere
    listed = set(checkpoint.shards)
    stray = [p for folder in (ATTEMPTS, COMPACT) if (run_dir / folder).is_dir()
             for p in (run_dir / folder).iterdir() if p.name not in listed]
    for path in stray:
        path.unlink()
    manifest = run_dir / MANIFEST
    entries, intact = _manifest_entries(manifest)
    if not intact:
        with replaced(manifest) as out:
            out.write("".join(json.dumps(entry) + "\n" for _, entry in entries))
            out.flush()
            os.fsync(out.fileno())
    return stray


def _manifest_entries(path: Path) -> tuple[list[tuple[int, Any]], bool]:
    """The manifest's entries with their line numbers, and whether it is intact. Only a last
    line without its newline may be cut short (a crash mid-append): it is then left out. Any
    other line that is not JSON makes the manifest damaged (ValueError naming the line)."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is damaged (not UTF-8: {exc}): {UNUSABLE}") from None
    *complete, tail = text.split("\n")  # tail: "" when the last line ended
    entries = []
    for number, line in enumerate(complete, 1):
        try:
            entries.append((number, json.loads(line)))
        except ValueError:
            rerun = "; delete that line to run its shard's batches again" if number > 1 else ""
            raise ValueError(f"{path} is damaged (line {number} is not JSON: {line[:60]!r}; only a last line "
                             f"cut short by a crash is left out): {UNUSABLE}{rerun}") from None
    if tail:
        try:
            entries.append((len(complete) + 1, json.loads(tail)))  # whole, only its newline was never written
        except ValueError:
            pass  # cut short by a crash
    return entries, not tail


def _append_synced(path: Path, entry: dict[str, Any]) -> None:
    append_synced(path, json.dumps(entry) + "\n")


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


def write_json(path: Path, data: dict[str, Any]) -> None:
    with replaced(path) as out:  # never through a link
        out.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
