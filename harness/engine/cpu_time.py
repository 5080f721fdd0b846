"""How much CPU time a process has spent on the work in hand: the sandbox's bound, which a
loaded machine does not move the way it moves wall-clock time."""
from __future__ import annotations

import os


class CpuWatch:
    """The CPU seconds a process has spent on the items in hand since the parent first saw
    them there. The parent takes each reading itself: a reading the child wrote beside the item
    could be paired, in a page read mid-write, with a newer item (0.1 ms of work once read as
    'exceeded 5 CPU-s'). Items are first seen at most a poll late, so the count errs low."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._seen: object = None
        self._at = 0.0

    def used(self, in_hand: object) -> float | None:
        """CPU seconds since `in_hand` was first seen, or None where /proc cannot say."""
        cpu = cpu_seconds(self.pid)
        if cpu is None:
            return None
        if in_hand != self._seen:
            self._seen, self._at = in_hand, cpu
        return cpu - self._at


_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds a process has used (all its threads, to a clock tick), or None where /proc
    cannot say."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()  # the name, in parentheses, may hold spaces
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_S  # utime, stime: fields 14 and 15 of stat
