"""Compact records (records=compact) regenerate to exactly the full ones (records=full)."""
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harness.engine.regenerate import Selection, full_records
from harness.run.config import JobConfig
from harness.run.job import run_job
from harness.store.shards import read_attempts
from harness.tracking.tracker import TrackingSpec

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
    done = subprocess.run([sys.executable, "-m", "harness.app.regenerate", str(compact.run_dir), "--out", str(out),
                           "--problem", pid, "--start", "1234", "--stop", "15000"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith(f"{15000 - 1234} full records -> {out}")
    expected = read_attempts(full.run_dir).filter(Selection(pid, 1234, 15000).mask(read_attempts(full.run_dir)))
    pd.testing.assert_frame_equal(frame(pq.read_table(out)), frame(expected))
    missing = subprocess.run([sys.executable, "-m", "harness.app.regenerate", str(tmp_path / "nope"), "--out",
                              str(out)], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "config.yaml" in missing.stderr


# Issue 35, item 10: the command names an empty selection, refuses --out inside a run folder and
# bad indices, in one line each, and writes nothing then.
@pytest.fixture(scope="module")
def small_run(ray_local, tmp_path_factory):
    from harness.app.regenerate import main

    bank = {"three_cubes": [{"k": 3, "bound": 5, "known_solutions": ["1, 1, 1"]}],  # conftest's tiny bank
            "erdos_straus": [{"n": 5, "bound": 12}],
            "synthetic": [{"size": 20, "known_count": 5, "interesting_tail": 5}]}
    config = JobConfig(experiment="small", attempts=2000, seed=5, workers=2, batch_size=0, verify_timeout_s=30.0,
                       results_dir=tmp_path_factory.mktemp("small"), solver={"name": "random"}, bank_name="tiny",
                       bank=bank, tracking=TrackingSpec(enabled=False), records="compact",
                       resolved={"bank": {"name": "tiny", "families": bank}, "solver": {"name": "random"},
                                 "seed": 5, "verify_timeout_s": 30.0})
    return run_job(config, progress=False).run_dir


@pytest.mark.parametrize("selection, said", [
    (["--problem", "nope/k=1"], "the run has no problem 'nope/k=1' (it has 3: erdos_straus/n=5,B=12, "),
    (["--start", "2000"], "--start 2000 is beyond the run: it has attempts 0 to 1999 of each problem"),
    (["--problem", "three_cubes/k=3,B=5", "--start", "500", "--stop", "100"],
     "--start 500 is not below --stop 100: the selection is empty"),
    (["--start", "7", "--stop", "7"], "--start 7 is not below --stop 7: the selection is empty"),
])
def test_an_empty_selection_is_named_and_fails(small_run, tmp_path, capsys, selection, said):
    from harness.app.regenerate import main

    out = tmp_path / "rows.parquet"
    assert main([str(small_run), "--out", str(out), *selection]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"harness.regenerate: error: {said}") and err.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize("index", ["1" + "0" * 30, "10**30", "-1", "abc", "9" * 5000])
def test_an_index_out_of_range_or_not_a_number_is_refused_by_the_parser(small_run, tmp_path, capsys, index):
    from harness.app.regenerate import main

    with pytest.raises(SystemExit) as exited:
        main([str(small_run), "--out", str(tmp_path / "rows.parquet"), "--start", index])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "argument --start" in err and "Traceback" not in err
    assert "out of range" in err or "not a whole number" in err


def test_out_inside_a_run_folder_is_refused_and_the_run_untouched(small_run, tmp_path, capsys):
    import os

    from harness.app.regenerate import main

    shard = small_run / "attempts" / "part-00000.parquet"
    kept = {p: p.read_bytes() for p in small_run.rglob("*") if p.is_file()}
    os.symlink(shard, tmp_path / "link.parquet")
    for out in (shard, small_run / "rows.parquet", small_run / "attempts", tmp_path / "link.parquet"):
        assert main([str(small_run), "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert f"--out {out} is inside the run folder {small_run.resolve()}" in err and err.count("\n") == 1
    assert {p: p.read_bytes() for p in small_run.rglob("*") if p.is_file()} == kept


def test_a_selection_of_recorded_attempts_still_regenerates(small_run, tmp_path, capsys):
    from harness.app.regenerate import main

    out = tmp_path / "rows.parquet"
    assert main([str(small_run), "--out", str(out), "--problem", "erdos_straus/n=5,B=12", "--start", "1990",
                 "--stop", "5000"]) == 0
    assert capsys.readouterr().out.strip() == f"10 full records -> {out}"
    assert sorted(pq.read_table(out)["attempt"].to_pylist()) == list(range(1990, 2000))
