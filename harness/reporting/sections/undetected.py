"""Discoveries left undetected: Chao's lower bound on what each i.i.d. arm would find with unlimited volume."""
from __future__ import annotations

from harness.reporting.markdown import interval, some

TITLE = "Discoveries left undetected"
SHOWN_TIER = "novel"  # the report's table; every tier is in verdicts.csv


def markdown(f) -> list[str]:
    v = f["verdicts"]
    detected = v[v["chao"].notna() & (v["observed"] > 0)]
    detected = detected.assign(chao_text=detected.apply(
        lambda r: interval(r["chao"], r["chao_lower"], r["chao_upper"]), axis=1)) if len(detected) else detected
    left = (detected["tier"] == SHOWN_TIER) & (detected["undetected"] > 0) if len(detected) else None
    return [
        "Chao's estimate of the distinct discoveries the i.i.d. arm would make with unlimited volume "
        "(Chao2 for incidence data, log-normal 95% interval), and what it leaves undetected; novel-tier rows "
        "that leave some undetected. It is a lower bound (Chao 1984): read it as \"at least\"; where the truth "
        "is known, Against the truth sets it beside the discoveries in reach. Adaptive arms have none: their "
        "attempts are not exchangeable.", "",
        *some(detected, left, {"family": "family", "arm": "arm", "observed": "found",
                               "chao_text": "Chao, at least [95%]", "undetected": "undetected", "coverage": "coverage"},
              "verdicts.csv", "the other tiers, rows that leave nothing undetected, and rows with no discoveries "
              "or no estimate (adaptive arms)", total=len(v))]
