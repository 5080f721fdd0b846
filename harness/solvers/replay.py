"""The `replay` solver: the `llm` solver with its server replaced by a recording.

Its settings are the llm solver's plus `recording`; the prompt, model and sampling settings
must be those of the recorded run, since they make the key each completion is found by.
Answers are extracted and verified afresh, so the analysis of the recorded run is
reproduced with no server (and a changed extraction rule or verifier is re-measured).
It also stands in for evolve's llm operator: `solver.llm={name: replay, recording: ..., ...}`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from harness.core.problem import Problem
from harness.solvers.llm import LLMSolver
from harness.solvers.recording import load_recording
from harness.solvers.samples import Sample, recorded_sample


@dataclass(frozen=True)
class ReplaySolver(LLMSolver):
    name: ClassVar[str] = "replay"

    recording: str = ""  # a .jsonl(.gz) file or a directory of them

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.recording:
            raise ValueError("set `recording` to a recorded .jsonl(.gz) file or directory")
        path = Path(self.recording).resolve()
        if not path.exists():
            raise ValueError(f"no recording at {path}")
        object.__setattr__(self, "recording", str(path))

    def preflight(self) -> None:
        """The recording stands in for the server: nothing to reach."""

    def model_settings(self) -> None:
        """A recording, not a model behind a server: nothing for a server to serve."""
        return None

    @cached_property
    def records(self) -> dict:
        return load_recording(Path(self.recording))

    def samples(self, problem: Problem, seed: int, messages, fields, key: str, attempts) -> list[Sample]:
        out = []
        for i in attempts:
            row = self.records.get((key, i))
            if row is None:
                out.append(Sample(None, error=f"no recorded completion for {problem.id} attempt {i} "
                                              f"(key {key}: model, prompt, sampling or seed differ)"))
            else:
                out.append(recorded_sample(row))
        return out
