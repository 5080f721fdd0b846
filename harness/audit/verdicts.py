"""A run's verdicts put to the independent checkers: every solution and a sample of the wrong ones,
per family, with exact binomial upper bounds on the verifier's false-valid and false-wrong rates."""
from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import Callable

import pandas as pd
from scipy import stats

from harness.audit import checkers
from harness.audit.sample import attempts_to_audit
from harness.core.problem import Tier


WRONG_SAMPLE = 10_000  # wrong verdicts re-checked per family (at least, where the runs have them)


def upper_bound(disputed: int, checked: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound on a rate from `disputed` of `checked`."""
    if checked == 0:
        return float("nan")
    return 1.0 if disputed >= checked else float(stats.beta.ppf(confidence, disputed + 1, checked - disputed))


def audit_runs(runs, wrong_sample: int = WRONG_SAMPLE, seed: int = 0, progress: Callable = iter) -> tuple[
        pd.DataFrame, pd.DataFrame]:
    """Per family: solution verdicts checked and disputed, wrong verdicts checked and disputed,
    and the 95% upper bounds on the false-valid and false-wrong rates; and the disputed attempts.
    Runs whose attempt records are not on this machine are left out; none reachable: empty tables.
    Each run's wrong sample is keyed by (seed, arm, run seed) and depends only on its wrong attempts
    (harness.audit.sample): the same however the runs are listed (MLflow, a directory, a sweep's
    children), and when a sweep is run again and cuts its records differently."""
    reachable = [r for r in runs if (Path(str(r.summary.get("run_dir", ""))) / "manifest.jsonl").is_file()]
    if not reachable:
        return pd.DataFrame(), pd.DataFrame()
    reachable = sorted(reachable, key=lambda r: (r.arm, r.seed, r.run_id))  # one order, however runs were listed
    per_family_runs: dict[str, int] = {}
    for run in reachable:
        for family in run.families:
            per_family_runs[family] = per_family_runs.get(family, 0) + 1
    counts: dict[str, list[int]] = {}
    disputes = []
    for run in progress(reachable):
        problems = {p.id: p for p in run.bank_problems}
        families = {pid: p.family for pid, p in problems.items()}
        checked = {f: list(ids) for f, ids in run.problems.items() if checkers.audited(f)}  # not_audited: the rest
        if not checked:
            continue
        quota = max(math.ceil(wrong_sample / per_family_runs[f]) for f in checked)
        table = attempts_to_audit(Path(run.summary["run_dir"]), checked, quota,
                                  zlib.crc32(f"{seed}/{run.arm}/{run.seed}".encode()))
        answers: dict[tuple[str, str | None], bool] = {}  # deterministic: one check per distinct candidate
        for pid, candidate, tier in zip(*(table[c].to_pylist() for c in ("problem_id", "candidate", "tier"))):
            if families[pid] not in checked:
                continue  # a solution verdict of a family with no checker
            called_solution = tier != Tier.WRONG.value
            if (pid, candidate) not in answers:
                answers[pid, candidate] = checkers.solves(problems[pid], candidate)
            agrees = answers[pid, candidate] == called_solution
            row = counts.setdefault(families[pid], [0, 0, 0, 0])
            row[0 if called_solution else 2] += 1
            if not agrees:
                row[1 if called_solution else 3] += 1
                disputes.append({"run_id": run.run_id, "problem_id": pid, "tier": tier, "candidate": candidate})
    table = pd.DataFrame([{"family": f, "valid_checked": c[0], "valid_disputed": c[1],
                           "false_valid_upper": upper_bound(c[1], c[0]), "wrong_checked": c[2],
                           "wrong_disputed": c[3], "false_wrong_upper": upper_bound(c[3], c[2])}
                          for f, c in sorted(counts.items())])
    return table, pd.DataFrame(disputes, columns=["run_id", "problem_id", "tier", "candidate"])


def not_audited(runs) -> list[str]:
    """The runs' families without an independent checker: their verdicts are not audited."""
    return sorted({family for run in runs for family in run.families if not checkers.audited(family)})
