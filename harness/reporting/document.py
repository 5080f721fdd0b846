"""REPORT.md: a heading, where the numbers came from, then every section in the order sections.SECTIONS gives."""
from __future__ import annotations

from harness.reporting.findings import Findings
from harness.reporting.sections import SECTIONS as MODULES

SECTIONS = tuple(section.TITLE for section in MODULES)  # the headings, in order


def render(f: Findings, created: str) -> str:
    lines = [
        f"# Yield against volume{': ' + f.experiment if f.experiment else ''}", "",
        f"Made by `harness-report` from {sum(len(a.runs) for a in f.arms)} runs ({f.source}) on {created}. "
        "Every number below is in the CSV files beside this report; `make report` regenerates all of it.", ""]
    for section in MODULES:
        lines += [f"## {section.TITLE}", "", *section.markdown(f), ""]
    return "\n".join(lines)
