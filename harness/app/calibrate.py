"""Measure each bank instance's regime under the random solver (problems/README.md).

    python -m harness.app.calibrate --lists three_cubes pell --attempts 100000 --out table.md

Runs the random solver through the ordinary harness (Ray, sandbox, Parquet), then reads
each problem's discoveries back and counts them at every decade of volume. The measured
regime: `saturating` when nothing new arrived in the last decade, `growing` when something
did, `unreachable` when nothing novel was found at all.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from harness.analysis.runs import SeededRuns
from harness.bank.banks import bank_entries, bank_spec
from harness.run.config import JobConfig
from harness.run.job import run_job
from harness.tracking.tracker import TrackingSpec


def decades(attempts: int) -> list[int]:
    out, k = [], 1_000
    while k < attempts:
        out.append(k)
        k *= 10
    return out + [attempts]


def measured_regime(counts: list[int]) -> str:
    if counts[-1] == 0:
        return "unreachable"
    return "growing" if len(counts) > 1 and counts[-1] > counts[-2] else "saturating"


def calibrate(instance_lists: list[str], attempts: int, results_dir: Path, seed: int = 0) -> pd.DataFrame:
    spec = bank_spec(instance_lists)
    config = JobConfig(
        experiment="calibration", attempts=attempts, seed=seed, workers=0, batch_size=0,
        verify_timeout_s=5.0, results_dir=results_dir, solver={"name": "random"},
        bank_name="calibration", bank=spec, tracking=TrackingSpec(enabled=False),
        resolved={"instance_lists": instance_lists, "attempts": attempts, "seed": seed},
    )
    result = run_job(config)
    found = SeededRuns((pd.read_csv(result.run_dir / "discoveries.csv", dtype={"canonical": str}),), attempts,
                       exchangeable=True)
    steps = decades(attempts)
    rows = []
    for entry in bank_entries(spec):
        mine = found.restrict([entry.problem.id])
        novel = [int(n) for n in mine.found_within("novel", steps)[0]]
        valid, interesting = (int(mine.found_within(tier, [attempts])[0, 0]) for tier in ("valid", "interesting"))
        rows.append({
            "problem": entry.problem.id, "declared": entry.regime,
            **{f"novel@{k:.0e}".replace("+0", ""): n for k, n in zip(steps, novel)},
            "valid": valid, "interesting": interesting, "measured": measured_regime(novel),
        })
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", nargs="+", required=True, help="instance lists (problems/instances)")
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the markdown table here too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        table = calibrate(args.lists, args.attempts, Path(scratch), args.seed)
    markdown = markdown_table(table)
    print(markdown)
    if args.out:
        args.out.write_text(markdown + "\n")


def markdown_table(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
