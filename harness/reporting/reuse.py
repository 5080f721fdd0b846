"""A report a sweep's parent run already holds: harness-report --experiment copies it instead of
computing it again, when the parent's children are exactly the runs to report and the report was
made with the same settings (the parent's report step uses build_report's defaults)."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from harness.reporting.build import MARKER, clear_previous_report
from harness.reporting.runs import RunData
from harness.tracking.tracker import PARENT_TAG, SWEEP_TAG


def parent_with_report(client, experiment: str, runs: list[RunData]) -> str | None:
    """The id of the finished sweep parent of `experiment` whose finished children are exactly
    `runs`, none of them finished after it (a job resumed since: its report is stale), and whose
    report was made (no `harness.report` tag saying why not); else None."""
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return None
    wanted = sorted(run.run_id for run in runs)
    every = client.search_runs([found.experiment_id], max_results=10_000)
    for parent in (r for r in every if SWEEP_TAG in r.data.tags and r.info.status == "FINISHED"):
        if "harness.report" in parent.data.tags:
            continue
        children = [r for r in every if r.data.tags.get(PARENT_TAG) == parent.info.run_id
                    and r.info.status == "FINISHED"]
        later = any((child.info.end_time or 0) > (parent.info.end_time or 0) for child in children)
        if sorted(child.info.run_id for child in children) == wanted and not later:
            return parent.info.run_id
    return None


def copy_parent_report(client, parent_id: str, out: Path) -> Path | None:
    """The parent's report/ artifact into `out` (the files its marker lists, and the marker), as
    harness-report would write them; None if the artifact is missing or has no marker."""
    with tempfile.TemporaryDirectory() as scratch:
        try:
            folder = Path(client.download_artifacts(parent_id, "report", scratch))
            written = json.loads((folder / MARKER).read_text())["files"]
        except Exception:  # no such artifact (MLflow raises its own types) or an unreadable marker
            return None
        names = [n for n in written if isinstance(n, str) and Path(n).name == n and (folder / n).is_file()]
        if "REPORT.md" not in names:
            return None
        clear_previous_report(out)
        for name in [*names, MARKER]:
            shutil.copyfile(folder / name, out / name)
    return out / "REPORT.md"
