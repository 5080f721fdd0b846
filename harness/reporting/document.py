"""REPORT.md: the answer as its title, where the numbers came from, then every section in the order
sections.SECTIONS gives."""
from __future__ import annotations

from harness.reporting.findings import Findings
from harness.reporting.sections import SECTIONS as MODULES

SECTIONS = tuple(section.TITLE for section in MODULES)  # the headings, in order


def render(f: Findings, created: str) -> str:
    said = next((section.headline(f) for section in MODULES if hasattr(section, "headline")), "Yield against volume")
    lines = [
        f"# {said}{' (' + f.experiment + ')' if f.experiment else ''}", "",
        f"Made by `harness-report` from {sum(len(a.runs) for a in f.arms)} runs ({f.source}) on {created}. "
        "Each table's numbers are in the CSV file it names, beside this report.", ""]
    for section in MODULES:
        lines += [f"## {section.TITLE}", "", *section.markdown(f), ""]
    return "\n".join(lines)
