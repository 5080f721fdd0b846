"""Arms: the runs of one solver on one bank at one volume, one run per seed."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harness.analysis.runs import SeededRuns
from harness.reporting.runs import ReportError, RunData


@dataclass(frozen=True)
class Arm:
    name: str
    solver: str
    bank: str
    attempts: int  # per problem, per seed
    exchangeable: bool
    runs: tuple[RunData, ...]  # in seed order

    @property
    def seeds(self) -> list[int]:
        return [run.seed for run in self.runs]

    @property
    def label(self) -> str:
        """How figures and tables name the arm: solver, bank and volume."""
        return f"{self.solver} on {self.bank}, {self.attempts:,}/problem"

    @property
    def families(self) -> dict[str, int]:
        return self.runs[0].families

    @property
    def problems(self) -> dict[str, tuple[str, ...]]:
        return self.runs[0].problems

    def seeded(self, family: str | None = None) -> SeededRuns:
        """The arm's runs as the analysis takes them, restricted to one family if given."""
        early = {int(run.summary.get("early_attempts", 0)) for run in self.runs}
        return SeededRuns(tuple(self.discoveries(family)), self.attempts, self.exchangeable,
                          early=early.pop() if len(early) == 1 else 0)

    def discoveries(self, family: str | None = None) -> list[pd.DataFrame]:
        """Each seed's discovery table, restricted to one family if given."""
        if family is None:
            return [run.discoveries for run in self.runs]
        return [run.discoveries[run.discoveries["problem_id"].str.split("/").str[0] == family] for run in self.runs]


def group_arms(runs: list[RunData]) -> list[Arm]:
    """Runs grouped by arm, sorted by name; an arm must be one solver, bank and volume, one run per seed."""
    by_name: dict[str, list[RunData]] = {}
    for run in runs:
        by_name.setdefault(run.arm, []).append(run)
    arms = []
    for name, members in sorted(by_name.items()):
        kinds = {(r.solver, r.bank, r.attempts, r.exchangeable, tuple(sorted(r.families.items()))) for r in members}
        if len(kinds) > 1:
            raise ReportError(f"arm {name!r} mixes runs of different solvers, banks or volumes: {sorted(kinds)[:3]}")
        seeds = [r.seed for r in members]
        if len(set(seeds)) < len(seeds):
            raise ReportError(f"arm {name!r} has two runs of one seed ({sorted(seeds)}): "
                              "report one sweep at a time (a fresh results directory or experiment)")
        members.sort(key=lambda r: r.seed)
        first = members[0]
        arms.append(Arm(name, first.solver, first.bank, first.attempts, first.exchangeable, tuple(members)))
    return arms
