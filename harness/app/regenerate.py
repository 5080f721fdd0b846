"""Full records of a run's attempts, the compactly kept ones rebuilt exactly (records=compact).

    python -m harness.app.regenerate RUN_DIR --out rows.parquet [--problem ID] [--start A] [--stop B]

A selection that holds no attempt of the run (an unknown problem, a range beyond the run,
start not below stop) is an error, and so is an --out inside a run folder (harness.engine.regenerate).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyarrow.parquet as pq

from harness.engine.regenerate import Selection, full_records
from harness.store.files import replaced
from harness.store.manifest import MANIFEST
from harness.store.records import ATTEMPT_SCHEMA


def attempt_index(text: str) -> int:
    """An attempt index from the command line: a whole number from 0 to 2^63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text[:40]} is out of range: attempt indices are 0 to 2^63 - 1")
    return value


def run_folder_holding(path: Path) -> Path | None:
    """The run folder (one with a manifest) that `path`, links resolved, is in or is; else None."""
    target = Path(path).resolve()
    return next((folder for folder in (target, *target.parents) if (folder / MANIFEST).exists()), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.app.regenerate", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="Parquet file of the full records")
    parser.add_argument("--problem", help="one problem id (default: every problem)")
    parser.add_argument("--start", type=attempt_index, default=0, help="first attempt index (default 0)")
    parser.add_argument("--stop", type=attempt_index, help="attempt index to stop before (default: the end)")
    args = parser.parse_args(argv)
    selection = Selection(args.problem, args.start, args.stop)
    try:
        run = run_folder_holding(args.out)
        if run is not None:
            raise ValueError(f"--out {args.out} is inside the run folder {run}: write the records elsewhere")
        rows = 0
        with replaced(args.out, "wb") as out, pq.ParquetWriter(out, ATTEMPT_SCHEMA) as writer:
            for table in full_records(args.run_dir, selection, progress=True):
                writer.write_table(table)
                rows += table.num_rows
            if not rows:  # e.g. an unfinished run that has not recorded them yet
                raise ValueError(f"the run has recorded none of the selected attempts ({selection.describe()})")
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"harness.regenerate: error: {exc}", file=sys.stderr)
        return 1
    print(f"{rows} full records -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
