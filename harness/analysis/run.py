"""The estimated yield curve of one run, per tier, from its discovery table.

A run of T attempts per problem gives T sampling units (unit i holds attempt i of every
problem); a discovery's incidence count is the number of attempts that reached its tier.
Exchangeable solvers get rarefaction, extrapolation to twice the volume, the Chao estimate
and the verdict on the thesis; adaptive ones are refused, because their attempts are not
exchangeable (their curve is their observed accumulation, averaged over seeds).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.analysis.fits import ThesisVerdict, thesis_verdict
from harness.analysis.observed import log_spaced_steps
from harness.analysis.richness import ChaoEstimate, chao, pass_at_k, richness
from harness.problem import DISCOVERY_TIERS


class NotExchangeable(ValueError):
    """Rarefaction and extrapolation need exchangeable (i.i.d.) attempts."""


@dataclass(frozen=True)
class TierAnalysis:
    tier: str
    curve: pd.DataFrame  # m, estimate, lower, upper, method, coverage
    chao: ChaoEstimate
    verdict: ThesisVerdict


def analyse_run(discoveries: pd.DataFrame, attempts: int, exchangeable: bool, solver: str = "",
                n_boot: int = 200, seed: int = 0) -> list[TierAnalysis]:
    if not exchangeable:
        raise NotExchangeable(
            f"solver {solver!r} is adaptive: attempt i depends on earlier verdicts, so attempts "
            "are not exchangeable and rarefaction or extrapolation would misstate its curve; "
            "use its observed accumulation, averaged over seeds")
    steps = log_spaced_steps(2 * attempts, points=50)
    out = []
    for tier in DISCOVERY_TIERS:
        counts = discoveries[f"found_{tier.value}"].to_numpy(dtype=np.int64)
        counts = counts[counts > 0]
        curve = richness(counts, sampling_units=attempts, at=steps, n_boot=n_boot, seed=seed)
        out.append(TierAnalysis(tier.value, curve, chao(counts, sampling_units=attempts),
                                thesis_verdict(counts, attempts, n_boot=n_boot, seed=seed)))
    return out


def family_verdicts(discoveries: pd.DataFrame, attempts: int, n_boot: int = 200,
                    seed: int = 0) -> dict[str, dict[str, ThesisVerdict]]:
    """The verdict per problem family and tier (family = the id's part before '/')."""
    families = discoveries["problem_id"].str.split("/").str[0]
    return {
        family: {
            tier.value: thesis_verdict(part[f"found_{tier.value}"].to_numpy(dtype=np.int64)[
                part[f"found_{tier.value}"].to_numpy() > 0], attempts, n_boot=n_boot, seed=seed)
            for tier in DISCOVERY_TIERS
        }
        for family, part in discoveries.groupby(families)
    }


def solved_curve(discoveries: pd.DataFrame, problems: int, attempts: int, at) -> pd.DataFrame:
    """Expected problems solved at least once (coverage across problems) after m attempts:
    the sum over problems of pass@m, with c = the attempts that solved it (exact for m <= T)."""
    solving = discoveries.groupby("problem_id")["found_valid"].sum().to_numpy(dtype=np.int64)
    m = np.asarray([k for k in at if k <= attempts], dtype=np.int64)
    expected = [sum(pass_at_k(attempts, int(c), int(k)) for c in solving) for k in m]
    return pd.DataFrame({"m": m, "solved": expected, "share": np.asarray(expected) / max(problems, 1)})


def curves_table(analyses: list[TierAnalysis]) -> pd.DataFrame:
    return pd.concat([a.curve.assign(tier=a.tier) for a in analyses], ignore_index=True)


def summary(analyses: list[TierAnalysis]) -> dict:
    return {
        a.tier: {
            "verdict": a.verdict.verdict, "reason": a.verdict.reason,
            "slope": None if a.verdict.slope is None else round(a.verdict.slope.slope, 4),
            "slope_interval": None if a.verdict.slope is None else
            [round(a.verdict.slope.lower, 4), round(a.verdict.slope.upper, 4)],
            "coverage": round(a.verdict.coverage, 5), "chao": round(a.chao.estimate, 3),
            "chao_interval": [round(a.chao.lower, 3), round(a.chao.upper, 3)],
            "observed": a.chao.observed,
        }
        for a in analyses
    }
