"""Which items of one piece of sandbox work are still owed, and how the rest is cut into
runs (in batches or one by one) after a timeout or a failure: the sandbox parent's bookkeeping."""
from __future__ import annotations


class Pending:
    """The items of one call not yet done, as sorted disjoint runs [a, b), each checked in
    batches or one by one. Runs, not a mask per item: a batch holds millions of items, and
    the parent's bookkeeping must cost per message, not per item (as masks, the two workers
    took 0.155 of the 2 cores at 50M attempts/s on three_cubes, as runs 0.05: ad hoc,
    per-process CPU in steady state, 2026-12-04)."""

    def __init__(self, size: int, batched: bool = False) -> None:
        self.size = size
        self.left = size
        self.runs: list[tuple[int, int, bool]] = [(0, size, batched)] if size else []

    def __contains__(self, item: int) -> bool:
        return any(a <= item < b for a, b, _ in self.runs)

    def first(self) -> int:
        return self.runs[0][0]

    def items(self) -> list[int]:
        return [item for a, b, _ in self.runs for item in range(a, b)]

    def done(self, a: int, b: int) -> None:
        """Items a..b-1 are done (any already done stay so)."""
        self._recut(a, b, None)

    def one_by_one(self, a: int, b: int) -> None:
        """Items a..b-1 still pending are to be checked one by one."""
        self._recut(a, b, False)

    def _recut(self, a: int, b: int, batched: bool | None) -> None:
        """Cuts [a, b) out of the runs; with `batched`, puts it back flagged so."""
        if a >= b:
            return
        runs = []
        for x, y, flag in self.runs:
            if y <= a or b <= x:
                runs.append((x, y, flag))
                continue
            if x < a:
                runs.append((x, a, flag))
            if batched is None:
                self.left -= min(y, b) - max(x, a)
            else:
                runs.append((max(x, a), min(y, b), batched))
            if b < y:
                runs.append((b, y, flag))
        self.runs = runs
