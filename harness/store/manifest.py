"""A run's checkpoint: the manifest of its shards (name, size, schema, digest), read back and
checked before a resume or a read, and what a killed run left unlisted discarded."""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from harness.store.files import append_synced, refuse_links, replaced, sha256_of, write_once
from harness.store.records import ATTEMPT_SCHEMA, COMPACT_SCHEMA


MANIFEST = "manifest.jsonl"


COMPACT = "compact"  # the run folder's compact rows


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


def write_whole(table: pa.Table, path: Path) -> dict[str, Any]:
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
    append_entry(Path(run_dir) / MANIFEST, {"batch_size": batch_size, "attempts": attempts,
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


def append_entry(path: Path, entry: dict[str, Any]) -> None:
    append_synced(path, json.dumps(entry) + "\n")
