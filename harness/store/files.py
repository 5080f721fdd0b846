"""Files of a run (or a report) written and checked without ever following a symbolic link."""
from __future__ import annotations

import errno
import hashlib
import os
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Iterator

NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


def refuse_links(folder: Path, what: str) -> None:
    """Raise ValueError naming the first symbolic link found inside `folder`, at any depth (a
    linked folder is named, never entered). `what` says what the folder is, for the message."""
    for root, folders, files in os.walk(folder, followlinks=False):
        for name in sorted(folders + files):
            path = Path(root) / name
            if path.is_symlink():
                raise ValueError(f"{path} is a symbolic link: links inside {what} are refused (they could make "
                                 "it write or delete files elsewhere); put the file itself there, or remove the link")


def open_new(path: Path) -> int:
    """A new file at `path`, opened for writing: fails if anything, a link included, is there."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o666)


@contextmanager
def replaced(path: Path, mode: str = "w") -> Iterator[IO]:
    """A file object whose contents replace `path` when the block ends without error: written
    to a fresh file beside it (never through a link), then renamed over `path`, so a link at
    `path` is replaced, not followed, and a failed write leaves the old file as it was."""
    path = Path(path)
    aside = path.with_name(f".{path.name}.tmp")  # a leading dot: readers of the folder skip it
    with suppress(FileNotFoundError):
        os.unlink(aside)  # a leftover of a crash (unlink removes a link, not its target)
    descriptor = open_new(aside)
    try:
        with os.fdopen(descriptor, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as out:
            yield out
        os.replace(aside, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(aside)
        raise


def write_once(path: Path, data: bytes) -> None:
    """`data` as a new file at `path`, appearing whole (written aside, synced, then linked into
    place) and never over an existing file: a shard name is never reused."""
    path = Path(path)
    if path.parent.is_symlink():  # e.g. compact/ made a link mid-run
        raise OSError(errno.ELOOP, f"{path.parent} is a symbolic link: a shard is not written through it")
    aside = path.with_name(f".{path.name}.tmp")
    with suppress(FileNotFoundError):
        os.unlink(aside)
    with os.fdopen(open_new(aside), "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(aside, path, follow_symlinks=False)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, f"{path} exists already: a shard is never overwritten") from None
    finally:
        os.unlink(aside)


def append_synced(path: Path, text: str) -> None:
    """`text` appended to `path` (created if need be, never through a link) and synced to disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | NOFOLLOW, 0o666)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file at `path` (hex), read without following a link there (ELOOP if one is)."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | NOFOLLOW), "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
