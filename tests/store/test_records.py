import pyarrow as pa

from harness.store.records import ATTEMPT_SCHEMA, Recorded, compact_rows
from harness.store.shards import ShardWriter, read_attempts, read_compact


def rows(start, stop):
    n = stop - start
    return pa.Table.from_pydict({
        "problem_id": ["p/1"] * n, "attempt": list(range(start, stop)), "solver": ["random"] * n,
        "seed": [0] * n, "candidate": ["1"] * n, "tier": ["wrong"] * n, "canonical": [None] * n,
        "score": [-1.0] * n, "verify_s": [0.0] * n, "error": ["no"] * n,
        "prompt_tokens": [0] * n, "completion_tokens": [0] * n, "solve_s": [0.0] * n, "cost_usd": [0.0] * n,
        "note": [None] * n, "operator": ["fresh"] * n,
    }, schema=ATTEMPT_SCHEMA)


def test_shards_written_before_the_note_and_operator_columns_read_them_as_null(tmp_path):
    import pyarrow.parquet as pq

    from harness.store.records import COMPACT_SCHEMA
    from harness.store.shards import read_shards

    (tmp_path / "attempts").mkdir()
    pq.write_table(rows(0, 5).drop_columns(["note", "operator"]), tmp_path / "attempts" / "part-00000.parquet")
    table = read_attempts(tmp_path)
    assert table.schema == ATTEMPT_SCHEMA and table["note"].null_count == table["operator"].null_count == 5
    [shard] = read_shards(tmp_path, ("part-00000.parquet",), ["attempt", "operator"])  # as a resumed run reads
    assert shard["operator"].null_count == 5
    (tmp_path / "compact").mkdir()
    old = compact_rows([("p/1", "random", 0, 5, 10, 5, 0.01)]).drop_columns(["operator"])
    pq.write_table(old, tmp_path / "compact" / "part-00000.parquet")
    [compact] = read_compact(tmp_path, ("part-00000.parquet",))
    assert compact.schema == COMPACT_SCHEMA and compact["operator"].to_pylist() == [None]


def test_shards_hold_every_row_once(tmp_path):
    with ShardWriter(tmp_path / "attempts", rows_per_shard=25) as writer:
        for start in range(0, 100, 10):
            writer.write(Recorded(("p/1", start, start + 10), rows(start, start + 10)))
        writer.write(Recorded(("p/1", 100, 103), rows(100, 103)))
    assert writer.rows == 103
    assert writer.shards == len(list((tmp_path / "attempts").glob("part-*.parquet"))) == 4
    table = read_attempts(tmp_path)
    assert sorted(table["attempt"].to_pylist()) == list(range(103))


def test_a_crash_mid_write_leaves_a_checkpoint_that_resumes_cleanly(tmp_path):
    from harness.store.manifest import MANIFEST, discard_unrecorded, read_checkpoint, start_manifest

    start_manifest(tmp_path, batch_size=10, attempts=30, wide_batch_size=10)
    with ShardWriter(tmp_path / "attempts", rows_per_shard=20, manifest=tmp_path / MANIFEST) as writer:
        for start in range(0, 30, 10):
            writer.write(Recorded(("p/1", start, start + 10), rows(start, start + 10)))
    # A crash: a shard renamed but never listed, a half-written one, a manifest line cut short.
    (tmp_path / "attempts" / "part-00002.parquet").write_bytes(b"PAR1 unlisted")
    (tmp_path / "attempts" / ".part-00003.parquet.tmp").write_bytes(b"half")
    (tmp_path / "compact").mkdir()
    (tmp_path / "compact" / "part-00002.parquet").write_bytes(b"PAR1 unlisted")
    with open(tmp_path / MANIFEST, "a") as manifest:
        manifest.write('{"shard": "part-00002.parquet", "batc')

    checkpoint = read_checkpoint(tmp_path)
    assert checkpoint.batch_size == 10 and checkpoint.shards == ("part-00000.parquet", "part-00001.parquet")
    assert checkpoint.done == {("p/1", 0, 10), ("p/1", 10, 20), ("p/1", 20, 30)}
    stray = discard_unrecorded(tmp_path, checkpoint)
    assert sorted(p.name for p in stray) == [".part-00003.parquet.tmp", "part-00002.parquet", "part-00002.parquet"]
    assert not (tmp_path / "compact" / "part-00002.parquet").exists()
    assert read_attempts(tmp_path).num_rows == 30
    with open(tmp_path / MANIFEST, "a") as manifest:  # the next append lands on a line of its own
        manifest.write('{"shard": "part-00002.parquet", "batches": [["p/1", 30, 40]]}\n')
    assert ("p/1", 30, 40) in read_checkpoint(tmp_path).done


def test_a_manifest_with_a_garbage_header_or_entry_is_called_damaged(tmp_path):
    import pytest

    from harness.store.manifest import MANIFEST, read_checkpoint

    for text in ("garbage\n", '{"batch_size": 10}\n', '{"batch_size": 10, "attempts": 30}\n{"shard": "x"}\n',
                 '[1, 2]\n'):
        (tmp_path / MANIFEST).write_text(text)
        with pytest.raises(ValueError, match="is damaged"):
            read_checkpoint(tmp_path)


def test_compact_rows_land_beside_their_batch_full_rows_under_the_same_shard_name(tmp_path):
    from harness.store.manifest import MANIFEST, read_checkpoint, start_manifest

    start_manifest(tmp_path, batch_size=10, attempts=1000, wide_batch_size=1000)
    solution = rows(7, 8).set_column(5, "tier", pa.array(["valid"]))
    counted = compact_rows([("p/1", "random", 0, 0, 500, 499, 0.01), ("p/1", "random", 0, 500, 1000, 500, 0.01)])
    recorded = Recorded(("p/1", 0, 1000), solution, counted)
    assert recorded.attempts == 1000 and Recorded.from_wire(recorded.to_wire()) == recorded
    with ShardWriter(tmp_path / "attempts", manifest=tmp_path / MANIFEST) as writer:
        writer.write(recorded)
        writer.write(Recorded(("p/2", 0, 10), rows(0, 10).set_column(0, "problem_id", pa.array(["p/2"] * 10))))
    checkpoint = read_checkpoint(tmp_path)
    assert checkpoint.done == {("p/1", 0, 1000), ("p/2", 0, 10)} and checkpoint.wide_batch_size == 1000
    [compact] = read_compact(tmp_path, checkpoint.shards)
    assert compact.equals(counted) and read_attempts(tmp_path).num_rows == 11


# Issue 35, item 1: a damaged manifest line loses nothing silently, a shard name is never reused.
def four_shards(directory, compact=False):
    """A run folder whose manifest lists four shards of ten attempts each (compact: counts, one row each)."""
    from harness.store.manifest import MANIFEST, start_manifest

    start_manifest(directory, batch_size=10, attempts=40, wide_batch_size=10)
    with ShardWriter(directory / "attempts", manifest=directory / MANIFEST, flush_s=0.0) as writer:
        for start in range(0, 40, 10):
            if compact:
                writer.write(Recorded(("p/1", start, start + 10), rows(start, start + 1),
                                      compact_rows([("p/1", "random", 0, start, start + 10, 9, 0.01)])))
            else:
                writer.write(Recorded(("p/1", start, start + 10), rows(start, start + 10)))
    return directory / MANIFEST


def test_a_damaged_manifest_line_other_than_a_cut_off_last_one_is_refused_naming_it(tmp_path):
    import pytest

    from harness.store.manifest import read_checkpoint

    manifest = four_shards(tmp_path)
    lines = manifest.read_text().splitlines(keepends=True)
    assert len(lines) == 5
    for damaged in (lines[:2] + ["{garbage\n"] + lines[3:], lines[:4] + ["{garbage\n"], lines[:2] + ["\n"] + lines[2:]):
        manifest.write_text("".join(damaged))
        with pytest.raises(ValueError, match=r"manifest.jsonl is damaged \(line 3 is not JSON|line 5 is not JSON"):
            read_checkpoint(tmp_path)
    manifest.write_text("".join(lines[:4]) + lines[4][:30])  # only a last line without its newline is cut off
    assert len(read_checkpoint(tmp_path).shards) == 3


def test_a_shard_listed_twice_is_refused(tmp_path):
    import pytest

    from harness.store.manifest import read_checkpoint

    manifest = four_shards(tmp_path)
    manifest.write_text(manifest.read_text().replace("part-00003", "part-00001"))
    with pytest.raises(ValueError, match="lists shard part-00001.parquet twice"):
        read_checkpoint(tmp_path)


def test_new_shards_never_reuse_or_overwrite_a_name(tmp_path):
    from harness.store.manifest import MANIFEST, read_checkpoint

    four_shards(tmp_path, compact=True)
    before = {p: p.read_bytes() for p in tmp_path.glob("*/part-*.parquet")}
    assert len(before) == 8
    (tmp_path / "attempts" / "part-00007.parquet").write_bytes(b"stray, as a crash leaves it")
    with ShardWriter(tmp_path / "attempts", manifest=tmp_path / MANIFEST) as writer:  # as a resume opens it
        writer.write(Recorded(("p/1", 40, 50), rows(40, 50)))
    assert {p: p.read_bytes() for p in before} == before  # nothing overwritten
    assert read_checkpoint(tmp_path).shards[-1] == "part-00008.parquet"


def test_a_shard_is_never_written_over_an_existing_file(tmp_path):
    import pytest

    from harness.store.files import write_once

    (tmp_path / "part-00000.parquet").write_bytes(b"kept")
    with pytest.raises(FileExistsError, match="part-00000.parquet exists already"):
        write_once(tmp_path / "part-00000.parquet", b"new")
    assert (tmp_path / "part-00000.parquet").read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["part-00000.parquet"]


# Issue 35, item 8: every listed shard is checked (rows, schema, checksum) before a run resumes.
def forge(path, change):
    import pyarrow.parquet as pq

    pq.write_table(change(pq.read_table(path)), path)


def as_type(column, kind):
    return lambda t: t.set_column(t.schema.get_field_index(column), column, t[column].cast(kind))


def interesting_first(t):
    tiers = pa.array(["interesting"] + ["wrong"] * (t.num_rows - 1))
    return t.set_column(t.schema.get_field_index("tier"), "tier", tiers)


DAMAGE = {
    "string attempt": (lambda d: forge(d / "attempts/part-00001.parquet", as_type("attempt", pa.string())),
                       "attempts/part-00001.parquet", "column attempt is string, not int64"),
    "float attempt": (lambda d: forge(d / "attempts/part-00001.parquet", as_type("attempt", pa.float64())),
                      "attempts/part-00001.parquet", "column attempt is double, not int64"),
    "missing shard": (lambda d: (d / "attempts/part-00002.parquet").unlink(), "attempts/part-00002.parquet",
                      "is listed in manifest.jsonl but missing"),
    "missing compact shard": (lambda d: (d / "compact/part-00002.parquet").unlink(), "compact/part-00002.parquet",
                              None),
    "forged interesting row": (lambda d: forge(d / "attempts/part-00000.parquet", interesting_first),
                               "attempts/part-00000.parquet", None),
    "extra row": (lambda d: forge(d / "attempts/part-00003.parquet", lambda t: pa.concat_tables([t, t.slice(0, 1)])),
                  "attempts/part-00003.parquet", None),
    "not parquet": (lambda d: (d / "attempts/part-00000.parquet").write_bytes(b"PAR1 garbage"),
                    "attempts/part-00000.parquet", None),
}


def test_listed_shards_are_checked_and_a_damaged_one_is_named(tmp_path):
    import re

    import pytest

    from harness.store.manifest import check_shards, read_checkpoint

    for name, (damage, culprit, said) in DAMAGE.items():
        run_dir = tmp_path / name.replace(" ", "-")
        run_dir.mkdir()
        four_shards(run_dir, compact=True)
        check_shards(run_dir, read_checkpoint(run_dir))  # as written: fine
        damage(run_dir)
        with pytest.raises(ValueError, match=re.escape(culprit)) as raised:
            check_shards(run_dir, read_checkpoint(run_dir))
        assert "\n" not in str(raised.value), name
        if culprit.startswith("attempts/") and name not in ("missing shard",):
            assert "does not match its checksum in manifest.jsonl" in str(raised.value), name


def test_a_manifest_from_before_checksums_gets_every_other_check(tmp_path):
    """Old manifests (no rows, schema or sha256) are accepted, with the checks still possible: files
    there, plain Parquet of the right columns and types, as many attempts as their batches. What
    goes unseen there: a row edited in place (same columns, same count)."""
    import json
    import re

    import pytest

    from harness.store.manifest import MANIFEST, check_shards, read_checkpoint

    def legacy(run_dir):
        lines = [json.loads(line) for line in (run_dir / MANIFEST).read_text().splitlines()]
        old = [lines[0], *({"shard": e["shard"], "batches": e["batches"]} for e in lines[1:])]
        (run_dir / MANIFEST).write_text("".join(json.dumps(e) + "\n" for e in old))

    for name, (damage, culprit, said) in DAMAGE.items():
        run_dir = tmp_path / name.replace(" ", "-")
        run_dir.mkdir()
        four_shards(run_dir, compact=True)
        legacy(run_dir)
        assert not read_checkpoint(run_dir).entries[0].checksummed
        check_shards(run_dir, read_checkpoint(run_dir))
        damage(run_dir)
        if name == "forged interesting row":  # the one a checksum alone can see
            check_shards(run_dir, read_checkpoint(run_dir))
            continue
        if name == "missing compact shard":  # seen by the count: its batches' attempts are not all there
            culprit = "attempts/part-00002.parquet holds 1 rows and 0 counted wrong attempts (and there is no " \
                      "compact/part-00002.parquet)"
        with pytest.raises(ValueError, match=re.escape(culprit)) as raised:
            check_shards(run_dir, read_checkpoint(run_dir))
        if said:
            assert said in str(raised.value)


# Issue 35, item 4: a run's own files are written and deleted without following links.
def test_a_linked_manifest_or_compact_folder_is_not_written_or_deleted_through(tmp_path):
    import os

    import pytest

    from harness.store.manifest import MANIFEST, discard_unrecorded, read_checkpoint

    run_dir, outside = tmp_path / "run", tmp_path / "outside"
    run_dir.mkdir()
    outside.mkdir()
    four_shards(run_dir)
    (outside / "precious.txt").write_text("mine")
    (outside / "manifest.jsonl").write_text((run_dir / MANIFEST).read_text())
    (run_dir / MANIFEST).unlink()
    os.symlink(outside / "manifest.jsonl", run_dir / MANIFEST)
    kept = (outside / "manifest.jsonl").read_text()
    with pytest.raises(OSError):
        with ShardWriter(run_dir / "attempts", manifest=run_dir / MANIFEST) as writer:
            writer.write(Recorded(("p/1", 40, 50), rows(40, 50)))
    assert (outside / "manifest.jsonl").read_text() == kept

    (run_dir / MANIFEST).unlink()
    (run_dir / MANIFEST).write_text(kept)
    os.symlink(outside, run_dir / "compact")
    with pytest.raises(ValueError, match=r"compact is a symbolic link: links inside a run folder are refused"):
        discard_unrecorded(run_dir, read_checkpoint(run_dir))
    assert (outside / "precious.txt").read_text() == "mine"


def test_the_run_lock_is_not_taken_through_a_link(tmp_path):
    import os

    import pytest

    from harness.store.locks import file_lock

    (tmp_path / "precious.txt").write_text("mine")
    os.symlink(tmp_path / "precious.txt", tmp_path / "run.lock")
    with pytest.raises(OSError):
        with file_lock(tmp_path / "run.lock", wait=False):
            pass
    assert (tmp_path / "precious.txt").read_text() == "mine"


def test_a_shard_is_not_written_into_a_folder_linked_mid_run(tmp_path):
    import os

    import pytest

    from harness.store.files import write_once

    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "compact")
    with pytest.raises(OSError, match="compact is a symbolic link: a shard is not written through it"):
        write_once(tmp_path / "compact" / "part-00000.parquet", b"rows")
    assert list((tmp_path / "elsewhere").iterdir()) == []
