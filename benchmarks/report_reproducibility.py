"""Do two runs of a sweep agree? Run by run, counts must be identical; timings may not be.

    .venv/bin/python benchmarks/report_reproducibility.py RUNS_A RUNS_B [--common] [--audit]
    e.g. RUNS_A = results/volume-thesis-runs/volume-thesis (a `make report`), RUNS_B = the same
    folder of another clone's `make report`

For each (arm, seed): are discoveries.csv, curve.csv without its timing column (compute_s)
and the tier counts identical? Then, per arm, the rate (attempts/s) of each sweep and their
ratio, and the comparison at equal cost of each, whose budget comes from timings. With --audit,
both sweeps are audited (a few minutes each) and their audit tables must be identical too: the
sample of wrong verdicts depends on the attempts, not on how each sweep cut its records. Exits 1
if any count differs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from harness.audit.verdicts import audit_runs
from harness.reporting.arms import group_arms
from harness.reporting.runs import runs_from_directory
from harness.reporting.science import TIERS, equal_cost

COUNTED = ["attempts", *TIERS, "solved", "tokens", "cost_usd"]  # curve.csv minus compute_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs_a", type=Path)
    parser.add_argument("runs_b", type=Path)
    parser.add_argument("--common", action="store_true",
                        help="compare the runs both sweeps have (B may be a sweep of some of A's arms: "
                             "+arm=a,b,c); the others are listed, not compared")
    parser.add_argument("--audit", action="store_true", help="audit both sweeps and compare the audit tables")
    args = parser.parse_args(argv)
    a = {(r.arm, r.seed): r for r in runs_from_directory(args.runs_a)}
    b = {(r.arm, r.seed): r for r in runs_from_directory(args.runs_b)}
    if set(a) != set(b):
        print(f"different runs: only in A {sorted(set(a) - set(b))}, only in B {sorted(set(b) - set(a))}")
        if not args.common:
            return 1
        a, b = ({key: runs[key] for key in sorted(set(a) & set(b))} for runs in (a, b))
        print(f"comparing the {len(a)} runs both have\n")
    differing = 0
    for key in sorted(a):
        same = {"discoveries": a[key].discoveries.equals(b[key].discoveries),
                "curve": a[key].curve[COUNTED].equals(b[key].curve[COUNTED]),
                "tiers": a[key].summary["tiers"] == b[key].summary["tiers"]}
        differing += not all(same.values())
        verdicts = ", ".join(f"{k} {'same' if v else 'DIFFERENT'}" for k, v in same.items())
        print(f"{key[0]:>16} seed {key[1]}: {verdicts}")
    print(f"\n{len(a) - differing} of {len(a)} runs have identical counts\n")
    arms_a, arms_b = group_arms(list(a.values())), group_arms(list(b.values()))
    def rate(arm) -> float:
        return sum(r.summary["attempts_per_s"] for r in arm.runs) / len(arm.runs)

    rates = pd.DataFrame([{"arm": x.name, "attempts/s A": rate(x), "attempts/s B": rate(y)}
                          for x, y in zip(arms_a, arms_b)])
    rates["B / A"] = rates["attempts/s B"] / rates["attempts/s A"]
    print(rates.round(3).to_string(index=False))
    cost = equal_cost(arms_a).merge(equal_cost(arms_b), on=["bank", "arm"], suffixes=(" A", " B"))
    print("\nat equal cost (dollars; the budget follows timings):")
    print(cost[["bank", "arm", "budget A", "budget B", "novel A", "novel B"]].to_string(index=False))
    if args.audit:
        audits = [audit_runs(list(runs.values()), progress=lambda runs: tqdm(runs, unit="run", desc="audit"))[0]
                  for runs in (a, b)]
        same = audits[0].equals(audits[1])
        differing += not same
        print(f"\naudit tables: {'identical' if same else 'DIFFERENT'}; wrong verdicts checked "
              f"{audits[0]['wrong_checked'].sum():,} and {audits[1]['wrong_checked'].sum():,}, "
              f"solution verdicts {audits[0]['valid_checked'].sum():,} and {audits[1]['valid_checked'].sum():,}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
