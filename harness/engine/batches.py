"""Batch planning, in one place: attempt ranges in volume order, their sizes, and how they are
gathered into actor calls."""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Iterator, Mapping

from harness.core.batch import batch_capable
from harness.core.problem import Problem
from harness.solvers.capabilities import SamplesInBatches


@dataclass(frozen=True)
class Batch:
    problem_id: str
    start: int
    stop: int

    def __str__(self) -> str:
        return f"{self.problem_id} [{self.start}, {self.stop})"


Parcel = tuple[Batch, ...]  # the batches of one actor call: one, or many small ones (few attempts, many problems)


def plan_batches(problem_ids: list[str], attempts: int, batch_size: int,
                 sizes: Mapping[str, int] | None = None) -> Iterator[Batch]:
    """Attempt ranges in volume order, each problem's batches `sizes[problem]` long (else
    batch_size): no batch starts before every batch starting earlier has been given."""
    sizes = sizes or {}

    def of(pid: str) -> Iterator[Batch]:
        size = sizes.get(pid, batch_size)
        return (Batch(pid, start, min(start + size, attempts)) for start in range(0, attempts, size))

    return heapq.merge(*(of(pid) for pid in problem_ids), key=lambda batch: batch.start)  # stable: bank order


SCALAR_BATCH_CAP = 4_000


WIDE_BATCH_CAP = 1 << 23  # checked in batches: records are mostly counts (2^23 ran ~4% faster than 2^21, ad hoc)


def auto_call_size(problems: int, attempts: int, workers: int, cap: int = SCALAR_BATCH_CAP) -> int:
    """Attempts per actor call: about eight calls per worker over the run, between 1 and `cap`.
    Not much smaller: a Ray call costs the driver about 2 ms of CPU (benchmarks/throughput.py)."""
    return max(1, min(cap, math.ceil(problems * attempts / (8 * workers))))


def auto_batch_size(problems: int, attempts: int, workers: int, cap: int = SCALAR_BATCH_CAP) -> int:
    """Attempts per batch: a call's worth, within one problem's attempts."""
    return min(attempts, auto_call_size(problems, attempts, workers, cap))


def parcels(batches: Iterator[Batch], size: int) -> Iterator[Parcel]:
    """Consecutive batches, in order, gathered into calls of about `size` attempts (a batch
    of `size` or more is a call of its own)."""
    parcel: list[Batch] = []
    attempts = 0
    for batch in batches:
        parcel.append(batch)
        attempts += batch.stop - batch.start
        if attempts >= size:
            yield tuple(parcel)
            parcel, attempts = [], 0
    if parcel:
        yield tuple(parcel)


def described(parcel: Parcel) -> str:
    return f"batch {parcel[0]}" if len(parcel) == 1 else f"{len(parcel)} batches ({parcel[0]} ... {parcel[-1]})"


def attempts_in(parcel: Parcel) -> int:
    return sum(b.stop - b.start for b in parcel)


def checks_in_batches(problem: Problem, solver, compact: bool) -> bool:
    """Are this solver's attempts on this problem checked in batches (wrong ones kept compact)?"""
    return compact and isinstance(solver, SamplesInBatches) and batch_capable(problem)


@dataclass(frozen=True)
class Sizes:
    """A run's batches: which problems are checked in batches, and every size."""
    in_batches: frozenset[str]  # problems checked in batches (records=compact)
    batch_size: int  # attempts per batch of the other problems (the unit of records and resume)
    wide_batch_size: int  # attempts per batch of those checked in batches
    call_size: int  # attempts per actor call (small batches of many problems go together)


def plan_sizes(problems, solver, exchangeable: bool, compact: bool, attempts: int, workers: int,
               batch_size: int = 0) -> Sizes:
    """The batches of a run of `attempts` per problem on `workers`: `batch_size` if set, else sizes
    that give each worker about eight calls; an adaptive solver's state lives in one call, so its
    batch is all of a problem's attempts, in order."""
    in_batches = frozenset(p.id for p in problems if checks_in_batches(p, solver, compact))
    if exchangeable:
        scalar = len(problems) - len(in_batches) or len(problems)
        size = batch_size or auto_batch_size(scalar, attempts, workers)
        wide = batch_size or auto_batch_size(len(in_batches), attempts, workers, cap=WIDE_BATCH_CAP)
    else:
        size = wide = attempts
    return Sizes(in_batches, size, wide, batch_size or auto_call_size(len(problems), attempts, workers))
