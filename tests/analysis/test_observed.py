import numpy as np
import pandas as pd
import pyarrow as pa

from harness.analysis import DiscoveryLog, log_spaced_steps
from harness.store.records import ATTEMPT_SCHEMA


def batch(rows):
    """rows: (problem_id, attempt, tier, canonical)"""
    columns = {name: [] for name in ATTEMPT_SCHEMA.names}
    for pid, attempt, tier, canonical in rows:
        for name, value in zip(("problem_id", "attempt", "tier", "canonical"), (pid, attempt, tier, canonical)):
            columns[name].append(value)
        for name in set(ATTEMPT_SCHEMA.names) - {"problem_id", "attempt", "tier", "canonical"}:
            columns[name].append(None)
    return pa.Table.from_pydict(columns, schema=ATTEMPT_SCHEMA)


def test_curve_counts_first_arrivals_per_tier_whatever_the_batch_order():
    late = batch([("a", 5, "interesting", "x"), ("b", 6, "novel", "y"), ("a", 7, "wrong", None)])
    early = batch([("a", 0, "wrong", None), ("a", 1, "valid", "x"), ("a", 2, "valid", "z"),
                   ("b", 3, "malformed", None), ("a", 4, "novel", "x")])
    log = DiscoveryLog()
    log.update(late)
    log.update(early)
    curve = log.curve(np.array([1, 2, 3, 5, 6, 7, 8]))
    assert curve["valid"].tolist() == [0, 1, 2, 2, 2, 3, 3]
    assert curve["novel"].tolist() == [0, 0, 0, 1, 1, 2, 2]  # x became novel at attempt 4
    assert curve["interesting"].tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert curve["solved"].tolist() == [0, 1, 1, 1, 1, 2, 2]
    assert log.attempts == 8 and log.discoveries == 3
    assert log.tiers == {"wrong": 2, "valid": 2, "novel": 2, "malformed": 1, "interesting": 1}
    table = log.discovery_table().set_index(["problem_id", "canonical"])
    assert table.loc[("a", "x"), ["found_valid", "found_novel", "found_interesting"]].tolist() == [3, 2, 1]
    assert table.loc[("a", "x"), "first_novel"] == 4
    assert pd.isna(table.loc[("a", "z"), "first_novel"])


def test_discovery_table_counts_each_tier_level_and_the_early_attempts_across_many_batches():
    """Hits merged a batch at a time (repeats within a batch and across batches, batches out of
    order, discoveries growing past any initial room) agree with counting them one by one."""
    rng = np.random.default_rng(7)
    tiers = ["valid", "novel", "interesting", "wrong"]
    rows = [(f"p{rng.integers(3)}", attempt, tiers[rng.integers(4)], f"c{rng.integers(400)}")
            for attempt in range(5000)]
    early = 1200
    log = DiscoveryLog(early=early)
    for start in rng.permutation(range(0, 5000, 250)):
        log.update(batch(rows[start:start + 250]))
    expected = {}
    for pid, attempt, tier, canonical in rows:
        rank = {"valid": 1, "novel": 2, "interesting": 3}.get(tier, 0)
        if rank:
            first, found, early_found = expected.setdefault((pid, canonical), ([None] * 3, [0] * 3, [0] * 3))
            for level in range(rank):
                first[level] = attempt if first[level] is None else min(first[level], attempt)
                found[level] += 1
                early_found[level] += attempt < early
    table = log.discovery_table()
    assert list(zip(table["problem_id"], table["canonical"])) == sorted(expected)
    for (key, (first, found, early_found)), row in zip(sorted(expected.items()), table.itertuples(index=False)):
        assert [None if pd.isna(v) else v for v in row[2:5]] == first, key
        assert list(row[5:8]) == found and list(row[8:11]) == early_found, key
    assert log.discoveries == len(expected)


def test_log_spaced_steps_end_at_the_volume():
    steps = log_spaced_steps(10**6, points=30)
    assert steps[0] == 1 and steps[-1] == 10**6
    assert np.all(np.diff(steps) > 0) and 25 <= len(steps) <= 31
    assert log_spaced_steps(3).tolist() == [1, 2, 3]
    assert len(log_spaced_steps(0)) == 0


def test_spend_sums_the_cost_of_the_first_k_attempts_of_every_problem():
    table = batch([("a", 0, "wrong", None), ("b", 0, "wrong", None), ("a", 1, "valid", "x"), ("a", 3, "wrong", None)])
    table = table.set_column(table.schema.get_field_index("prompt_tokens"), "prompt_tokens",
                             pa.array([10, 20, 30, 40], pa.int64()))
    table = table.set_column(table.schema.get_field_index("cost_usd"), "cost_usd", pa.array([1.0, 2.0, 4.0, 8.0]))
    log = DiscoveryLog()
    log.update(table.slice(2))  # batches in any order
    log.update(table.slice(0, 2))
    curve = log.curve(np.array([1, 2, 3, 4]))
    assert curve["tokens"].tolist() == [30, 60, 60, 100]  # nulls (completion tokens) count as zero
    assert curve["cost_usd"].tolist() == [3.0, 7.0, 7.0, 15.0]
    assert curve["compute_s"].tolist() == [0.0] * 4


def test_spend_memory_is_bounded_and_coarse_bins_interpolate(monkeypatch):
    import harness.analysis.observed as observed

    monkeypatch.setattr(observed, "SPEND_BINS", 8)
    table = batch([("a", i, "wrong", None) for i in range(40)])
    table = table.set_column(table.schema.get_field_index("cost_usd"), "cost_usd", pa.array([1.0] * 40))
    log = DiscoveryLog()
    log.update(table.slice(0, 5))
    assert log.curve(np.array([1, 3, 5]))["cost_usd"].tolist() == [1.0, 3.0, 5.0]  # exact: one index per bin
    log.update(table.slice(5))
    assert len(log._spend) <= 8 and log._width == 8
    assert log.curve(np.array([8, 20, 40]))["cost_usd"].tolist() == [8.0, 20.0, 40.0]  # uniform spend: still exact


def with_operators(table, operators):
    return table.set_column(table.schema.get_field_index("operator"), "operator", pa.array(operators, pa.string()))


def test_each_discovery_is_credited_to_the_operator_of_its_first_attempt_whatever_the_batch_order():
    from harness.analysis import discoveries_by_operator

    # x is found by mutation at 5 and by the model at 2 (arriving later); y by the model only; z by an
    # attempt that names no operator (a record from before the column).
    late = with_operators(batch([("a", 5, "valid", "x"), ("a", 6, "novel", "y"), ("a", 7, "wrong", None)]),
                          ["mutation", "model", "model"])
    early = with_operators(batch([("a", 0, "wrong", None), ("a", 2, "novel", "x"), ("a", 3, "valid", "z")]),
                           ["fresh", "model", None])
    for order in ((late, early), (early, late)):
        log = DiscoveryLog()
        for table in order:
            log.update(table)
        credited = log.discovery_table().set_index("canonical")["operator"]
        assert credited.to_dict() == {"x": "model", "y": "model", "z": "unknown"}
        assert log.operators == {"model": 3, "mutation": 1, "fresh": 1, "unknown": 1}
    counts = discoveries_by_operator(log.discovery_table()).set_index("operator")
    assert counts["valid"].to_dict() == {"model": 2, "unknown": 1} and counts["novel"].to_dict() == {"model": 2,
                                                                                                       "unknown": 0}
    assert counts["valid"].sum() == log.discoveries


def test_records_and_discovery_tables_from_before_operators_count_as_unknown():
    from harness.analysis import discoveries_by_operator
    from harness.store.records import compact_rows

    log = DiscoveryLog()
    log.update(batch([("a", 0, "valid", "x"), ("a", 1, "wrong", None)]).drop_columns(["operator"]))
    log.update_compact(compact_rows([("a", "random", 0, 2, 12, 10, 0.1, "fresh"), ("a", "random", 0, 12, 20, 8, 0.1)]))
    assert log.operators == {"unknown": 10, "fresh": 10} and log.attempts == 20
    old = log.discovery_table().drop(columns=["operator"])  # a discoveries.csv written before the column
    assert discoveries_by_operator(old)[["operator", "valid"]].values.tolist() == [["unknown", 1]]
