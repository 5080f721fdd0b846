import math

import numpy as np
import pandas as pd

from harness.analysis.richness import chao
from harness.analysis.runs import TIERS, SeededRuns, price, prices, prices_summary


def discoveries(rows):
    """problem_id, canonical and, per tier, found (incidences) and first attempt."""
    table = pd.DataFrame(rows, columns=["problem_id", "canonical", "found"])
    for tier in TIERS:
        table[f"found_{tier}"] = table["found"] if tier == "valid" else table["found"] // 2
        table[f"first_{tier}"] = np.where(table[f"found_{tier}"] > 0, 0, np.nan)
    return table.drop(columns="found")


def test_prices_per_problem_are_each_problems_own_price_problems_without_discoveries_included():
    seeds = (discoveries([("a/1", "x", 3), ("a/1", "y", 1), ("b/1", "x", 2)]),
             discoveries([("a/1", "x", 1), ("b/1", "z", 1)]))
    runs = SeededRuns(seeds, attempts=50, exchangeable=True)
    ids = ["a/1", "b/1", "c/1", "d/1"]  # c and d found nothing
    table = prices(runs, ids)
    assert list(table["problem_id"]) == [pid for pid in ids for _ in TIERS]
    for row in table.to_dict("records"):
        mine = runs.restrict([row["problem_id"]])
        counts = mine.counts(row["tier"])
        expected = price(mine, row["tier"])
        assert row["observed"] == len(counts) and row["volume"] == 100
        assert row["chao"] == chao(counts, sampling_units=100).estimate
        for got, want in ((row["more_attempts"], expected.more_attempts), (row["per_discovery"], expected.per_discovery)):
            assert got == want or (math.isinf(got) and math.isinf(want))
        assert row["trusted"] == expected.trusted
    assert table.loc[table["problem_id"] == "a/1", "observed"].tolist() == [2, 1, 1][:len(TIERS)]
    summary = prices_summary(table)
    assert list(summary) == ["a/1", "b/1"] and set(summary["b/1"]) == set(TIERS)  # c and d: in prices.csv only


def test_prices_of_runs_that_found_nothing():
    runs = SeededRuns((discoveries([]),), attempts=10, exchangeable=True)
    table = prices(runs, ["a/1"])
    assert table["observed"].tolist() == [0] * len(TIERS)
