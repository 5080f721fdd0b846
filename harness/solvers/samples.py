"""Attempts grouped into LLM requests, and one choice of a request as a sample: its answer
extracted as it arrives, its usage shared evenly among a request's choices, and the samples a
recording holds."""
from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.solvers.prompting import extract_answer
from harness.solvers.recording import load_recording


@dataclass(frozen=True)
class Sample:
    """One choice of one request: its completion until its answer is extracted (as it arrives,
    so that a batch holds answers, not whole completions), then the answer alone."""
    completion: str | None  # None when the request failed, or once the answer is extracted
    prompt_tokens: int = 0
    completion_tokens: int = 0
    solve_s: float = 0.0
    error: str | None = None
    note: str | None = None  # e.g. the request's usage could not be used
    answer: str | None = None  # extracted from the completion (then dropped)


def answer_only(sample: Sample) -> Sample:
    """The sample with its completion replaced by the answer extracted from it."""
    return sample if sample.completion is None else dataclasses.replace(
        sample, completion=None, answer=extract_answer(sample.completion))


def recorded_sample(row: Mapping[str, Any]) -> Sample:
    """A recording's line as the sample it recorded."""
    return Sample(row["completion"], int(row["prompt_tokens"]), int(row["completion_tokens"]),
                  float(row["solve_s"]), row.get("error"), row.get("note"))


class RecordedSamples:
    """The samples a record_dir holds, by (request key, attempt), as answers only."""

    def __init__(self, record_dir: str | None) -> None:
        self._lock = threading.Lock()  # a worker's batches run in threads
        try:
            rows = load_recording(Path(record_dir)) if record_dir is not None else {}
        except FileNotFoundError:  # nothing recorded there yet
            rows = {}
        self._samples = {k: answer_only(recorded_sample(row)) for k, row in rows.items()}
        self._record_dir = record_dir

    def __reduce__(self):  # a lock does not pickle: a copy reads the record_dir afresh
        return (RecordedSamples, (self._record_dir,))

    def held(self, key: str, attempts: Sequence[int]) -> dict[int, Sample]:
        with self._lock:
            return {i: self._samples[(key, i)] for i in attempts if (key, i) in self._samples}

    def add(self, key: str, attempts: Sequence[int], samples: Sequence[Sample]) -> None:
        if self._record_dir is not None:
            with self._lock:
                self._samples.update(((key, i), s) for i, s in zip(attempts, samples))


def noted(sample: Sample, note: str) -> Sample:
    return dataclasses.replace(sample, note=f"{sample.note}; {note}" if sample.note else note)


def share(total: int, parts: int) -> list[int]:
    """`total` split into `parts` integers that differ by at most one and sum to it."""
    base, extra = divmod(total, parts)
    return [base + (i < extra) for i in range(parts)]


def request_groups(attempts: Sequence[int], n: int) -> list[list[int]]:
    """The attempts in requests of up to n: a run of consecutive indices is cut at multiples
    of n, so requests (and their seeds) do not depend on how a run is split into batches."""
    groups: list[list[int]] = []
    for i in attempts:
        if not groups or len(groups[-1]) == n or (i % n == 0 and i == groups[-1][-1] + 1):
            groups.append([i])
        else:
            groups[-1].append(i)
    return groups
