"""The report of a sweep's runs (harness-report, harness/app/report.py): its arms analysed,
REPORT.md written with its PNG figures and CSV tables into one self-contained directory."""
from __future__ import annotations

import dataclasses
import datetime
import json
import os
from pathlib import Path

import pandas as pd
from tqdm import tqdm

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

from harness.audit.verdicts import not_audited  # noqa: E402
from harness.store.files import refuse_links, replaced  # noqa: E402
from harness.reporting import science  # noqa: E402
from harness.reporting.arms import group_arms  # noqa: E402
from harness.reporting.document import render  # noqa: E402
from harness.reporting.findings import Findings, Settings, quietly  # noqa: E402
from harness.reporting.runs import ReportError, RunData  # noqa: E402
from harness.reporting.sections import SECTIONS  # noqa: E402


MARKER = ".harness-report.json"  # in a report's folder: the files harness-report wrote there


def clear_previous_report(out: Path) -> None:
    """Make `out` ready for a report: new, empty, or a previous report whose files (those its
    marker lists, nothing else) are removed, so no figure of an earlier sweep lingers."""
    if not out.exists():
        out.mkdir(parents=True)
        return
    if not out.is_dir():
        raise ReportError(f"--out {out} is a file, not a folder")
    try:
        refuse_links(out, "a report's folder")  # the report would write, or delete, through them
    except ValueError as exc:
        raise ReportError(f"--out: {exc}") from None
    marker = out / MARKER
    if not marker.exists():
        if any(out.iterdir()):
            raise ReportError(f"--out {out} is not empty and is not a report of harness-report (no {MARKER}): "
                              "choose a new folder, or empty this one")
        return
    try:
        written = json.loads(marker.read_text())["files"]
        names = [name for name in written if isinstance(name, str) and Path(name).name == name
                 and name not in ("", ".", "..")]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ReportError(f"{marker} is not harness-report's marker; remove it to write a report here") from None
    for name in names:
        if (out / name).is_file():
            (out / name).unlink()


def build_report(runs: list[RunData], out: Path, source: str, n_boot: int = 200,
                 usd_per_core_hour: float = science.USD_PER_CORE_HOUR, progress: bool = True) -> Path:
    """Analyse the runs and write REPORT.md, its figures (PNG) and tables (CSV) into `out`: each
    section computes its tables (sections.SECTIONS, in order), then draws its figures, then writes."""
    arms = group_arms(runs)
    clear_previous_report(out)
    bar = (lambda items, desc="", unit="": tqdm(items, desc=desc, unit=unit)) if progress else quietly
    settings = Settings(runs, n_boot, usd_per_core_hour, bar)
    tables: dict[str, pd.DataFrame] = {}
    for section in sorted(SECTIONS, key=lambda s: getattr(s, "SUMMARISES", False)):  # stable: else in order
        if hasattr(section, "tables"):
            tables.update(section.tables(arms, settings, tables))
    for name, frame in tables.items():
        with replaced(out / f"{name}.csv") as table:  # never written through a link
            frame.to_csv(table, index=False, float_format="%.6g")  # committed: small, stable diffs
    first = arms[0].runs[0]
    findings = Findings(arms, tables, {}, source, usd_per_core_hour,
                        experiment=str(first.summary.get("experiment", "")),
                        description=str(first.config.get("description") or ""), not_audited=not_audited(runs))
    names: dict[str, str] = {}
    for section in bar([s for s in SECTIONS if hasattr(s, "figures")], desc="figures", unit="section"):
        names.update(section.figures(findings, out))
    report = out / "REPORT.md"
    with replaced(report) as text:
        text.write(render(dataclasses.replace(findings, figures=names), datetime.date.today().isoformat()))
    written = [report.name, *names.values(), *(f"{name}.csv" for name in tables)]
    with replaced(out / MARKER) as marker:
        marker.write(json.dumps({"files": sorted(written)}, indent=1) + "\n")
    return report
