import pyarrow as pa

from harness.record import ATTEMPT_SCHEMA, ShardWriter, read_attempts


def rows(start, stop):
    n = stop - start
    return pa.Table.from_pydict({
        "problem_id": ["p/1"] * n, "attempt": list(range(start, stop)), "solver": ["random"] * n,
        "seed": [0] * n, "candidate": ["1"] * n, "tier": ["wrong"] * n, "canonical": [None] * n,
        "score": [-1.0] * n, "verify_s": [0.0] * n, "error": ["no"] * n,
        "prompt_tokens": [0] * n, "completion_tokens": [0] * n, "solve_s": [0.0] * n, "cost_usd": [0.0] * n,
    }, schema=ATTEMPT_SCHEMA)


def test_shards_hold_every_row_once(tmp_path):
    with ShardWriter(tmp_path / "attempts", rows_per_shard=25) as writer:
        for start in range(0, 100, 10):
            writer.write(rows(start, start + 10))
        writer.write(rows(100, 103))
    assert writer.rows == 103
    assert writer.shards == len(list((tmp_path / "attempts").glob("part-*.parquet"))) == 4
    table = read_attempts(tmp_path)
    assert sorted(table["attempt"].to_pylist()) == list(range(103))
