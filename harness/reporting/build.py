"""The report of a sweep's runs (harness-report, harness/app/report.py): its arms analysed,
REPORT.md written with its PNG figures and CSV tables into one self-contained directory."""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pandas as pd
from tqdm import tqdm

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

from harness.audit.misses import audit_misses, default_cache_dir, misses_by_family  # noqa: E402
from harness.audit.verdicts import audit_runs, not_audited  # noqa: E402
from harness.store.files import refuse_links, replaced  # noqa: E402
from harness.reporting import equal_compute, figures, forecasts, science, truth_check  # noqa: E402
from harness.reporting.arms import Arm, group_arms  # noqa: E402
from harness.reporting.document import Findings, render  # noqa: E402
from harness.reporting.runs import ReportError, RunData  # noqa: E402


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
    """Analyse the runs and write REPORT.md, its figures (PNG) and tables (CSV) into `out`."""
    def bar(desc: str, unit: str):  # a bar that moves per arm or problem, not per step of the report
        return lambda items: tqdm(items, desc=desc, unit=unit, disable=not progress)

    arms = group_arms(runs)
    clear_previous_report(out)
    pairs = [(arm, family) for arm in arms for family in arm.families]
    curves = pd.concat([science.family_curve(arm, family, n_boot=n_boot)
                        for arm, family in bar("yield curves", "curve")(pairs)], ignore_index=True)
    verdicts = truth_check.verdicts_against_truth(
        science.verdicts(arms, n_boot=n_boot, progress=bar("verdicts", "arm")), arms)
    funnel = science.funnel(arms)
    equal_cost = pd.concat([science.equal_cost(arms, usd_per_core_hour, axis)
                            for axis in ("usd", "compute_s", "attempts")],
                           ignore_index=True)
    calibration = science.calibration(arms, curves)
    forecast_check = forecasts.forecast_check(arms, n_boot=n_boot, progress=bar("forecast checks", "arm"))
    solved_forecast = forecasts.solved_forecast(arms, n_boot=n_boot, progress=bar("solved forecasts", "arm"))
    check = truth_check.truth_check(arms, n_boot=n_boot, progress=bar("against the truth", "arm"))
    prices = science.prices(arms)
    real_model = science.model_against_random(arms)
    operators = science.model_operators(arms)
    at_equal_compute = equal_compute.table_of(arms, n_boot=n_boot)
    audit, disputes = audit_runs(runs, progress=bar("verifier audit", "run"))
    misses = audit_misses([p for run in runs for p in run.bank_problems], default_cache_dir(),
                          progress=bar("miss check", "problem"))
    audit = with_misses(audit, misses)
    spend = {arm.name: science.spend_curves(arm, usd_per_core_hour) for arm in arms}

    names: dict[str, str] = {}
    for family in tqdm(sorted({f for arm in arms for f in arm.families}), desc="figures", unit="figure",
                       disable=not progress):
        names[f"yield_{family}"] = figures.family_yield(curves, arms, family, out / f"yield_{family}.png").name
    names["slopes"] = figures.slopes(verdicts, arms, out / "slopes.png").name
    names["funnel"] = figures.funnel(funnel, out / "funnel.png").name
    if len(equal_cost):
        names["equal_cost"] = figures.equal_cost(spend, equal_cost, arms, out / "equal_cost.png",
                                                 usd_per_core_hour).name
    if figures.real_model(real_model, out / "real_model.png"):
        names["real_model"] = "real_model.png"
    if equal_compute.figure(arms, at_equal_compute, out / "equal_compute.png"):
        names["equal_compute"] = "equal_compute.png"
    spent_tokens = figures.tokens(spend, arms, out / "tokens.png")
    if spent_tokens:
        names["tokens"] = spent_tokens.name

    tables = {"curves": curves, "verdicts": verdicts, "funnel": funnel, "equal_cost": equal_cost,
              "calibration": calibration, "forecast_check": forecast_check, "solved_forecast": solved_forecast,
              "prices": prices, "real_model": real_model, "real_model_operators": operators,
              "equal_compute": at_equal_compute, "audit": audit,
              "audit_disputes": disputes,
              "truth_check": check, "audit_misses": misses,
              "runs": runs_table(arms)}
    for name, frame in tables.items():
        with replaced(out / f"{name}.csv") as table:  # never written through a link
            frame.to_csv(table, index=False, float_format="%.6g")  # committed: small, stable diffs
    first = arms[0].runs[0]
    findings = Findings(arms, curves, verdicts, funnel, equal_cost, calibration, real_model, names, source,
                        usd_per_core_hour, forecast_check=forecast_check, solved_forecast=solved_forecast,
                        prices=prices, audit=audit, disputes=disputes, truth_check=check, misses=misses,
                        operators=operators, equal_compute=at_equal_compute, not_audited=not_audited(runs),
                        experiment=str(first.summary.get("experiment", "")),
                        description=str(first.config.get("description") or ""))
    report = out / "REPORT.md"
    with replaced(report) as text:
        text.write(render(findings, datetime.date.today().isoformat()))
    written = [report.name, *names.values(), *(f"{name}.csv" for name in tables)]
    with replaced(out / MARKER) as marker:
        marker.write(json.dumps({"files": sorted(written)}, indent=1) + "\n")
    return report


def with_misses(audit: pd.DataFrame, misses: pd.DataFrame) -> pd.DataFrame:
    """The audit's table per family with the miss check's columns (harness.audit.misses.misses_by_family)."""
    by_family = misses_by_family(misses)
    if not len(by_family) or not len(audit):
        return audit  # nothing audited: the report shows the miss check on its own
    columns = ["family", "instances_enumerated", "points_checked", "points_missed", "misses"]
    return audit.merge(by_family[columns], on="family", how="left")


def runs_table(arms: list[Arm]) -> pd.DataFrame:
    """Which run is which: arm, seed, run id, and what it took."""
    return pd.DataFrame([
        {"arm": arm.name, "seed": run.seed, "run_id": run.run_id, "solver": run.solver, "bank": run.bank,
         "attempts_per_problem": run.attempts, "attempts": run.summary["attempts"],
         **{f"tier_{k}": v for k, v in run.summary["tiers"].items()},
         "elapsed_s": run.summary["elapsed_s"], "attempts_per_s": run.summary["attempts_per_s"]}
        for arm in arms for run in arm.runs])
