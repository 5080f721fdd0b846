"""Verifier audit: what an independent checker said of the verifier's verdicts, and the miss check."""
from __future__ import annotations

import pandas as pd

from harness.audit.misses import audit_misses, default_cache_dir, misses_by_family
from harness.audit.verdicts import audit_runs
from harness.reporting.arms import Arm
from harness.reporting.markdown import table

TITLE = "Verifier audit"


def tables(arms: list[Arm], settings, done) -> dict[str, pd.DataFrame]:
    audit, disputes = audit_runs(settings.runs, progress=lambda items: settings.progress(
        items, desc="verifier audit", unit="run"))
    misses = audit_misses([p for run in settings.runs for p in run.bank_problems], default_cache_dir(),
                          progress=lambda items: settings.progress(items, desc="miss check", unit="problem"))
    return {"audit": with_misses(audit, misses), "audit_disputes": disputes, "audit_misses": misses}


def with_misses(audit: pd.DataFrame, misses: pd.DataFrame) -> pd.DataFrame:
    """The audit's table per family with the miss check's columns (harness.audit.misses.misses_by_family)."""
    by_family = misses_by_family(misses)
    if not len(by_family) or not len(audit):
        return audit  # nothing audited: the report shows the miss check on its own
    columns = ["family", "instances_enumerated", "points_checked", "points_missed", "misses"]
    return audit.merge(by_family[columns], on="family", how="left")


def markdown(f) -> list[str]:
    """What an independent checker said of the verifier's verdicts (harness.audit), and the miss
    check of every enumerated solution point."""
    a, disputes, misses = f["audit"], f["audit_disputes"], f["audit_misses"]
    unchecked = ([f"Not audited (no independent checker of the family): {', '.join(f.not_audited)}. Its verdicts "
                  "stand as the verifier gave them.", ""] if f.not_audited else [])
    if not len(a):
        none_has_one = bool(f.not_audited) and {x for arm in f.arms for x in arm.families} <= set(f.not_audited)
        why = ("no family of these runs has one" if none_has_one
               else "the runs' attempt records (their Parquet shards) were not reachable from here")
        return [*unchecked, f"Not audited: {why}.", *([""] + misses_lines(misses) if len(misses) else [])]
    total = {column: int(a[column].sum()) for column in ("valid_checked", "valid_disputed", "wrong_checked",
                                                          "wrong_disputed")}
    columns = {"family": "family", "valid_checked": "valid checked", "valid_disputed": "checker disagrees",
               "false_valid_upper": "false-valid rate, 95% upper", "wrong_checked": "wrong checked",
               "wrong_disputed": "checker disagrees", "false_wrong_upper": "false-wrong rate, 95% upper"}
    if "misses" in a:
        columns["misses"] = "misses, enumerated solution points"
    return [
        "Stroebl et al. (2024, \"Inference Scaling fLaws\") show that a verifier's false positives cap what "
        "resampling can buy. Every attempt the verifier called valid (or better) in these runs, and a random "
        "sample of the ones it called wrong, were checked again by an independent checker per family "
        "(`harness/audit.py`: its own parsing and plain integer or rational arithmetic, no code shared with "
        "the verifiers). Upper bounds: exact binomial (Clopper-Pearson) 95%, one-sided. Table: `audit.csv`.", "",
        table(a, columns), "", *unchecked,
        f"In all: {total['valid_checked']:,} valid verdicts checked, {total['valid_disputed']} disputed; "
        f"{total['wrong_checked']:,} wrong verdicts checked, {total['wrong_disputed']} disputed"
        + (". The disputed attempts (all in `audit_disputes.csv`), each to be read as a possible verifier error:"
           if len(disputes) else "."),
        *([""] + [f"- {r['problem_id']}, verdict {r['tier']}: `{r['candidate']}` (run {r['run_id'][:8]})"
                  for _, r in disputes.head(10).iterrows()] if len(disputes) else []),
        *([""] + misses_lines(misses) if len(misses) else [])]


def misses_lines(misses: pd.DataFrame) -> list[str]:
    """Per enumerated instance: its solution points checked and missed (harness.audit.misses.miss_check)."""
    enumerated = misses[misses["enumerated"]]
    others = sorted(misses.loc[~misses["enumerated"], "problem_id"])
    missed = int(enumerated["missed"].sum())
    lines = [
        "A sample of wrong verdicts bounds the false-wrong rate, but cannot rule out rare misses, and rare hits are "
        "what the thesis counts. So wherever the solutions of an instance's box are enumerated (the exact truth, "
        "`Problem.solution_points`), every solution point, each ordering that is a solution, confirmed by the "
        "independent checker, was put to the family's scalar verifier (tier valid or better) and to its batch "
        "check (`batch_valid` over an int64 array): a miss is seen, not bounded. Where there are more than "
        "50,000 orderings (Golomb rulers of 5 marks or more), every point was checked in representative orderings, "
        "as the row says. Table: `audit_misses.csv`.", ""]
    if len(enumerated):
        lines += [table(enumerated, {"problem_id": "problem", "checked": "checked", "scalar_missed": "verifier missed",
                                     "batch_missed": "batch check missed", "misses": "misses"}), "",
                  f"In all: {missed} of {int(enumerated['checked'].sum()):,} enumerated solution points missed, on "
                  f"{len(enumerated)} instances ({int(enumerated['exhaustive'].sum())} exhaustive)"
                  + (": the missed points are in `audit_misses.csv`." if missed else ".")]
    if others:
        lines += ["", f"Not enumerated ({len(others)} instances; there the sampled false-wrong bound of the family "
                      f"is all the audit says): {', '.join(others)}."]
    return lines
