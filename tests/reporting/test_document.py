"""REPORT.md from hand-made runs: every section, numbers as people read them, a conclusion that follows the data."""
import math
import re

import pandas as pd
import pytest

from harness.reporting import science
from harness.reporting.arms import group_arms
from harness.reporting.document import SECTIONS, Findings, num, render, table


@pytest.mark.parametrize("value, text", [(3, "3"), (1234.0, "1,234"), (12.3456, "12.3"), (0.000123456, "0.000123"),
                                         (math.nan, "-"), (None, "-"), (0.0, "0")])
def test_numbers_are_written_to_three_significant_figures(value, text):
    assert num(value) == text


def test_markdown_table_renames_columns_and_formats_numbers():
    frame = pd.DataFrame({"a": ["x"], "b": [2.5], "c": [True]})
    assert table(frame, {"a": "name", "b": "value", "c": "ok"}).splitlines() == [
        "| name | value | ok |", "| --- | --- | --- |", "| x | 2.50 | yes |"]


def test_report_has_every_section_and_a_conclusion_from_the_verdicts(run):
    # pell/D=2: one discovery made in nearly every attempt (saturated); golomb never solved.
    saturated = [("pell/D=2,B=20", "3,2", 0, 0, None, 990, 990, 0)]
    runs = [run(s, saturated, arm="random_a") for s in (0, 1, 2)]
    runs += [run(s, saturated, arm="evolve_a", solver="evolve", exchangeable=False) for s in (0, 1, 2)]
    arms = group_arms(runs)
    curves = pd.concat([science.family_curve(a, f, n_boot=10) for a in arms for f in a.families])
    findings = Findings(arms, curves, science.verdicts(arms, n_boot=10), science.funnel(arms),
                        science.equal_cost(arms), science.calibration(arms, curves),
                        {"slopes": "slopes.png", "funnel": "funnel.png", "equal_cost": "equal_cost.png"},
                        "hand-made runs", 0.04, experiment="toy", description="Why this sweep.")
    text = render(findings, "2026-11-23")
    assert re.findall(r"^## (.+)$", text, flags=re.M) == list(SECTIONS)
    assert text.startswith("# Yield against volume: toy") and "Why this sweep." in text
    conclusion = text.split("## Conclusion")[1].split("## The sweep")[0]
    assert "| pell | 2 problems | 1,000 x 3 seeds | 1 |" in conclusion
    assert "(2 families: 0 proportional, 0 diminishing, 1 saturated, 1 no discoveries)" in conclusion
    assert "**has stopped paying**" in conclusion and "pell (2 problems)" in conclusion
    assert "No solver found anything novel on 2: golomb/m=4,L=6, pell/D=3,B=30." in conclusion
    assert "a novel solution: 1 by evolve, 1 by random; only by evolve: 0, only by random: 0." in conclusion
    assert re.search(r"At equal cost \(\$[0-9.]+ each\) on the toy bank, \w+ made 2 novel", conclusion)
