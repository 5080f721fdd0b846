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


def problem_ids(arm: Arm) -> set[str]:
    return {pid for members in arm.problems.values() for pid in members}


def problem_sets(arms: list[Arm], family: str) -> list[tuple[tuple[str, ...], list[Arm]]]:
    """The family's problem sets among `arms`, each with the arms that ran on exactly it, largest set first."""
    sets: dict[tuple[str, ...], list[Arm]] = {}
    for arm in arms:
        if family in arm.families:
            sets.setdefault(tuple(sorted(arm.problems[family])), []).append(arm)
    return sorted(sets.items(), key=lambda item: (-len(item[0]), item[0]))

# The kinds of search the report compares. Whether an arm is exchangeable (i.i.d.) or adaptive, and
# whether a model proposed (it spent tokens), its runs record; which odds an i.i.d. stub draws with
# is its solver's, declared here once: the one place the report names solvers.
EXCHANGEABLE, ADAPTIVE, MODEL = "exchangeable", "adaptive", "model"
UNIFORM, HEAVY_TAILED, URN = "uniform", "heavy-tailed", "calibration urn"
ODDS_OF = {"random": UNIFORM, "heavy_tailed": HEAVY_TAILED, "synthetic": URN}


def is_model(arm: Arm) -> bool:
    """Whether a language model proposed (some of) the arm's candidates: its attempts spent tokens."""
    return any(run.summary.get("spend", {}).get("tokens", 0) > 0 for run in arm.runs)


def odds(arm: Arm) -> str | None:
    """UNIFORM, HEAVY_TAILED or URN for an i.i.d. stub whose odds are one of those; else None."""
    return ODDS_OF.get(arm.solver) if arm.exchangeable and not is_model(arm) else None


def kind(arm: Arm) -> str:
    """The one kind an arm is shown as: a model's, an adaptive search, its stub's odds, or exchangeable."""
    if is_model(arm):
        return MODEL
    return (odds(arm) or EXCHANGEABLE) if arm.exchangeable else ADAPTIVE


def of_kind(arms: list[Arm], *kinds: str) -> list[Arm]:
    """The arms that are any of `kinds`: MODEL, ADAPTIVE (models among them), EXCHANGEABLE
    (every i.i.d. arm), or a stub's odds."""
    def matches(arm: Arm, wanted: str) -> bool:
        return {MODEL: is_model(arm), ADAPTIVE: not arm.exchangeable,
                EXCHANGEABLE: arm.exchangeable}.get(wanted, odds(arm) == wanted)
    return [arm for arm in arms if any(matches(arm, wanted) for wanted in kinds)]


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
