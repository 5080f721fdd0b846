"""The sections of REPORT.md, one module each, in the order the report shows them.

A section module has
- TITLE: its heading;
- markdown(findings) -> list[str]: its text, tables and figure links (findings: harness.reporting.findings);
- optionally tables(arms, settings, done) -> {name: DataFrame}: the tables it computes, written as
  name.csv beside the report (`done`: the tables of the sections before it);
- optionally figures(findings, out) -> {key: file name}: the PNGs it draws into `out`;
- optionally SUMMARISES = True: its tables are made from the other sections' (computed after theirs);
- optionally headline(findings) -> str: the report's title (the first section's that has one).
build.py and document.py walk SECTIONS and know no section by name: adding one is adding a module here.
"""
from harness.reporting.sections import (answer, audit, calibration, conclusion, equal_cost, forecasts, funnel, prices,
                                         real_model, reproducing, slopes, sweep, truth, undetected, yield_curves)

SECTIONS = (answer, conclusion, sweep, yield_curves, slopes, undetected, forecasts, prices, funnel, equal_cost, real_model,
            calibration, truth, audit, reproducing)
