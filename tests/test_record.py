import pyarrow as pa

from harness.record import ATTEMPT_SCHEMA, Recorded, ShardWriter, compact_rows, read_attempts, read_compact


def rows(start, stop):
    n = stop - start
    return pa.Table.from_pydict({
        "problem_id": ["p/1"] * n, "attempt": list(range(start, stop)), "solver": ["random"] * n,
        "seed": [0] * n, "candidate": ["1"] * n, "tier": ["wrong"] * n, "canonical": [None] * n,
        "score": [-1.0] * n, "verify_s": [0.0] * n, "error": ["no"] * n,
        "prompt_tokens": [0] * n, "completion_tokens": [0] * n, "solve_s": [0.0] * n, "cost_usd": [0.0] * n,
        "note": [None] * n,
    }, schema=ATTEMPT_SCHEMA)


def test_shards_written_before_the_note_column_read_it_as_null(tmp_path):
    import pyarrow.parquet as pq

    (tmp_path / "attempts").mkdir()
    pq.write_table(rows(0, 5).drop_columns(["note"]), tmp_path / "attempts" / "part-00000.parquet")
    table = read_attempts(tmp_path)
    assert table.schema == ATTEMPT_SCHEMA and table["note"].null_count == 5


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
    from harness.record import MANIFEST, discard_unrecorded, read_checkpoint, start_manifest

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

    from harness.record import MANIFEST, read_checkpoint

    for text in ("garbage\n", '{"batch_size": 10}\n', '{"batch_size": 10, "attempts": 30}\n{"shard": "x"}\n',
                 '[1, 2]\n'):
        (tmp_path / MANIFEST).write_text(text)
        with pytest.raises(ValueError, match="is damaged"):
            read_checkpoint(tmp_path)


def test_compact_rows_land_beside_their_batch_full_rows_under_the_same_shard_name(tmp_path):
    from harness.record import MANIFEST, read_checkpoint, start_manifest

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
