import pyarrow as pa

from harness.record import ATTEMPT_SCHEMA, ShardWriter, read_attempts


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
            writer.write(rows(start, start + 10))
        writer.write(rows(100, 103))
    assert writer.rows == 103
    assert writer.shards == len(list((tmp_path / "attempts").glob("part-*.parquet"))) == 4
    table = read_attempts(tmp_path)
    assert sorted(table["attempt"].to_pylist()) == list(range(103))


def test_a_crash_mid_write_leaves_a_checkpoint_that_resumes_cleanly(tmp_path):
    from harness.record import MANIFEST, discard_unrecorded, read_checkpoint, start_manifest

    start_manifest(tmp_path, batch_size=10, attempts=30)
    with ShardWriter(tmp_path / "attempts", rows_per_shard=20, manifest=tmp_path / MANIFEST) as writer:
        for start in range(0, 30, 10):
            writer.write(rows(start, start + 10))
    # A crash: a shard renamed but never listed, a half-written one, a manifest line cut short.
    (tmp_path / "attempts" / "part-00002.parquet").write_bytes(b"PAR1 unlisted")
    (tmp_path / "attempts" / ".part-00003.parquet.tmp").write_bytes(b"half")
    with open(tmp_path / MANIFEST, "a") as manifest:
        manifest.write('{"shard": "part-00002.parquet", "batc')

    checkpoint = read_checkpoint(tmp_path)
    assert checkpoint.batch_size == 10 and checkpoint.shards == ("part-00000.parquet", "part-00001.parquet")
    assert checkpoint.done == {("p/1", 0, 10), ("p/1", 10, 20), ("p/1", 20, 30)}
    stray = discard_unrecorded(tmp_path, checkpoint)
    assert sorted(p.name for p in stray) == [".part-00003.parquet.tmp", "part-00002.parquet"]
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
