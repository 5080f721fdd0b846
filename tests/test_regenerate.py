"""Compact records (records=compact) regenerate to exactly the full ones (records=full)."""
import subprocess
import sys

import pandas as pd
import pytest
import pyarrow as pa
import pyarrow.parquet as pq

from harness.config import JobConfig
from harness.job import run_job
from harness.record import read_attempts
from harness.regenerate import Selection, full_records
from harness.tracking import TrackingSpec

ORDER = ["problem_id", "attempt"]


def run(tmp_path, tiny_bank, records):
    config = JobConfig(experiment=records, attempts=20_000, seed=5, workers=2, batch_size=0, verify_timeout_s=30.0,
                       results_dir=tmp_path, solver={"name": "random"}, bank_name="tiny", bank=tiny_bank,
                       tracking=TrackingSpec(enabled=False), records=records,
                       resolved={"bank": {"name": "tiny", "families": tiny_bank}, "solver": {"name": "random"},
                                 "seed": 5, "verify_timeout_s": 30.0})
    return run_job(config, progress=False)


def frame(table: pa.Table) -> pd.DataFrame:
    return table.drop_columns(["verify_s"]).to_pandas().sort_values(ORDER).reset_index(drop=True)


def test_a_compact_run_regenerates_to_the_full_run_and_measures_the_same(ray_local, tmp_path, tiny_bank):
    compact, full = run(tmp_path, tiny_bank, "compact"), run(tmp_path, tiny_bank, "full")
    kept = read_attempts(compact.run_dir)
    assert kept.num_rows < 0.5 * 3 * 20_000  # the wrong attempts of two of the three problems are counts
    assert compact.summary["tiers"] == full.summary["tiers"] and compact.summary["attempts"] == 3 * 20_000
    regenerated = frame(pa.concat_tables(list(full_records(compact.run_dir))))
    pd.testing.assert_frame_equal(regenerated, frame(read_attempts(full.run_dir)))
    for name, drop in (("discoveries.csv", []), ("curve.csv", ["compute_s"]), ("estimate.csv", [])):
        pd.testing.assert_frame_equal(pd.read_csv(compact.run_dir / name).drop(columns=drop),
                                      pd.read_csv(full.run_dir / name).drop(columns=drop), obj=name)


@pytest.mark.slow
def test_the_command_regenerates_one_range_of_one_problem(ray_local, tmp_path, tiny_bank):
    compact, full = run(tmp_path, tiny_bank, "compact"), run(tmp_path, tiny_bank, "full")
    pid, out = "three_cubes/k=3,B=5", tmp_path / "rows.parquet"
    done = subprocess.run([sys.executable, "-m", "harness.regenerate", str(compact.run_dir), "--out", str(out),
                           "--problem", pid, "--start", "1234", "--stop", "15000"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith(f"{15000 - 1234} full records -> {out}")
    expected = read_attempts(full.run_dir).filter(Selection(pid, 1234, 15000).mask(read_attempts(full.run_dir)))
    pd.testing.assert_frame_equal(frame(pq.read_table(out)), frame(expected))
    missing = subprocess.run([sys.executable, "-m", "harness.regenerate", str(tmp_path / "nope"), "--out",
                              str(out)], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "config.yaml" in missing.stderr
