"""The sweep: one row per arm, what it ran and what it took; runs.csv says which run is which."""
from __future__ import annotations

import pandas as pd

from harness.reporting.arms import Arm
from harness.reporting.markdown import table

TITLE = "The sweep"


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    return {"runs": runs_table(arms)}


def runs_table(arms: list[Arm]) -> pd.DataFrame:
    """Which run is which: arm, seed, run id, and what it took."""
    return pd.DataFrame([
        {"arm": arm.name, "seed": run.seed, "run_id": run.run_id, "solver": run.solver, "bank": run.bank,
         "attempts_per_problem": run.attempts, "attempts": run.summary["attempts"],
         **{f"tier_{k}": v for k, v in run.summary["tiers"].items()},
         "elapsed_s": run.summary["elapsed_s"], "startup_s": run.summary.get("startup_s", 0),
         "attempts_per_s": run.summary["attempts_per_s"]}
        for arm in arms for run in arm.runs])


def sweep_table(arms: list[Arm]) -> pd.DataFrame:
    rows = []
    for arm in arms:
        summaries = [r.summary for r in arm.runs]
        rows.append({
            "arm": arm.name, "solver": arm.solver, "bank": arm.bank,
            "problems": summaries[0]["problems"], "families": len(arm.families),
            "attempts": arm.attempts, "seeds": ", ".join(str(s) for s in arm.seeds),
            "kind": "i.i.d." if arm.exchangeable else "adaptive",
            "total": sum(s["attempts"] for s in summaries),
            "rate": sum(s["attempts_per_s"] for s in summaries) / len(summaries),
            "seconds": sum(s["elapsed_s"] + s.get("startup_s", 0) for s in summaries),
            "timeouts": sum(s["tiers"].get("timeout", 0) for s in summaries),
        })
    return pd.DataFrame(rows)


def markdown(f) -> list[str]:
    return [
        *([f.description, ""] if f.description else []),
        "One arm is one solver on one bank at one volume, run once per seed (`configs/arm/`).", "",
        table(sweep_table(f.arms), {"arm": "arm", "solver": "solver", "bank": "bank", "problems": "problems",
                                    "families": "families", "attempts": "attempts per problem", "seeds": "seeds",
                                    "kind": "attempts", "total": "attempts, all seeds", "rate": "attempts/s (mean)",
                                    "seconds": "seconds, all seeds", "timeouts": "timeouts"})]
