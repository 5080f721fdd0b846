"""Funnel: per arm, attempts and problems down the tiers, beside the reported funnel of an LLM."""
from __future__ import annotations

import pandas as pd

from harness.reporting import figures as draw, science
from harness.reporting.arms import Arm
from harness.reporting.markdown import table
from harness.reporting.science import REFERENCE_FUNNEL

TITLE = "Funnel"


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    return {"funnel": science.funnel(arms)}


def figures(f, out) -> dict[str, str]:
    return {"funnel": draw.funnel(f["funnel"], f.arms, out / "funnel.png").name}


def markdown(f) -> list[str]:
    return [
        f"Per arm, mean per seed, beside the reported funnel of an LLM on about "
        f"{REFERENCE_FUNNEL['problems']} open problems: {REFERENCE_FUNNEL['solved']} solved, "
        f"{REFERENCE_FUNNEL['interesting']} interesting. Table: `funnel.csv`.", "",
        f"![funnel]({f.figures['funnel']})", "",
        table(f["funnel"], {"arm": "arm", "attempts": "attempts", "attempts_valid": ">= valid",
                            "attempts_novel": ">= novel", "attempts_interesting": ">= interesting",
                            "problems": "problems", "solved": "solved", "problems_novel": "with novel",
                            "problems_interesting": "with interesting",
                            "interesting_share_of_solved": "interesting / solved"})]
