"""What a report's sections are given: how to compute (Settings), and what was found (Findings)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import pandas as pd

from harness.reporting.arms import Arm
from harness.reporting.runs import RunData
from harness.reporting.science import USD_PER_CORE_HOUR


def quietly(items: Iterable, desc: str = "", unit: str = "") -> Iterable:
    return items


@dataclass(frozen=True)
class Settings:
    """How a sweep's tables are computed: its runs, bootstrap resamples, the price of compute, and a
    progress bar `progress(items, desc, unit)` around long loops."""
    runs: list[RunData]
    n_boot: int = 200
    usd_per_core_hour: float = USD_PER_CORE_HOUR
    progress: Callable[..., Iterable] = quietly


@dataclass(frozen=True)
class Findings:
    """The arms, every table the sections computed (by CSV name: `findings["verdicts"]` is verdicts.csv),
    the figures drawn (key -> file name), and what the report says of where it came from."""
    arms: list[Arm]
    tables: Mapping[str, pd.DataFrame]
    figures: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    usd_per_core_hour: float = USD_PER_CORE_HOUR
    experiment: str = ""
    description: str = ""  # the runs' own `description` setting
    not_audited: list = field(default_factory=list)  # harness.audit.verdicts.not_audited: families without a checker

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A table by its CSV name; an empty one where no section computed it (a test's partial findings)."""
        return self.tables.get(name, pd.DataFrame())
