"""Recordings of LLM completions: JSONL lines keyed by (request key, attempt index).

The request key hashes what decides the distribution of a completion: the model, the
messages and the sampling settings (the run's seed included). One line per attempt, so a
recording replays whatever the batch size or the number of workers. Workers append to
their own file (`<host>-<pid>.jsonl`), so no two processes write one file.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping

RecordKey = tuple[str, int]
_APPENDING = threading.Lock()  # a worker's batches run in threads and share its file  # (request key, attempt index)

PROVENANCE_FILE = "provenance.jsonl"  # beside the completions: who made them (harness.servers.provenance), not one


def request_key(model: str, prompt: list[dict[str, str]] | str, sampling: Mapping[str, Any]) -> str:
    """Chat messages, or a raw completion prompt's text (its own field: the two never collide)."""
    asked = {"messages": prompt} if isinstance(prompt, list) else {"prompt": prompt}
    blob = json.dumps({"model": model, **asked, "sampling": dict(sampling)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def append_records(directory: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{socket.gethostname()}-{os.getpid()}.jsonl"
    text = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
    with _APPENDING, path.open("a", encoding="utf-8") as out:  # one writer per file at a time
        out.write(text)


def recorded_tokens(directory: Path) -> int:
    """Prompt and completion tokens of every line the directory's recording files hold, a line
    asked twice counted twice (the server served it twice); a line still being written is not
    counted yet. What a live run served in a stretch is the difference before and after it."""
    total = 0
    for file in Path(directory).glob("*.jsonl") if Path(directory).is_dir() else ():
        if file.name == PROVENANCE_FILE:
            continue
        with open(file, encoding="utf-8") as lines:
            for line in lines:
                try:
                    row = json.loads(line)
                    total += int(row["prompt_tokens"]) + int(row["completion_tokens"])
                except (ValueError, KeyError, TypeError):
                    continue
    return total


def load_recording(path: Path) -> dict[RecordKey, dict[str, Any]]:
    """Every line of a recording file (.jsonl or .jsonl.gz) or of a directory of them."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no recording at {path}")
    files = sorted(p for p in path.rglob("*") if p.name.endswith((".jsonl", ".jsonl.gz"))
                   and p.name != PROVENANCE_FILE) if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"no .jsonl or .jsonl.gz files under {path}")
    records: dict[RecordKey, dict[str, Any]] = {}
    for file in files:
        opener = gzip.open if file.name.endswith(".gz") else open
        with opener(file, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    row = json.loads(line)
                    records[(row["key"], int(row["attempt"]))] = row
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{file}:{number}: not a recording line ({exc})") from None
    return records
