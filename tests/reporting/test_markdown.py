"""Numbers for people: one formatter, its rules each with exact strings."""
import math

import numpy as np
import pandas as pd
import pytest

from harness.reporting.markdown import band, interval, more_rows, num, some, table


@pytest.mark.parametrize("value, text", [
    (3, "3"), (1234.0, "1,234"), (np.int64(40), "40"), (12.3456, "12.3"), (0.5, "0.500"), (2.0 / 3, "0.667"),
    (math.nan, "-"), (math.inf, "-"), (None, "-"), (0.0, "0"),
])
def test_integers_stay_whole_and_the_rest_get_three_significant_figures(value, text):
    assert num(value) == text


@pytest.mark.parametrize("value, text", [(123456.7, "123,000"), (9.9996, "10.0"), (0.099996, "0.100"),
                                         (-12.3456, "-12.3")])
def test_significant_figures_are_counted_after_rounding(value, text):
    assert num(value) == text


@pytest.mark.parametrize("value, digits, text", [(12.3456, 2, "12"), (0.0123456, 2, "0.012"), (3.14159, 5, "3.1416")])
def test_the_number_of_significant_figures_can_be_chosen(value, digits, text):
    assert num(value, digits) == text


@pytest.mark.parametrize("value, text", [
    (0.0000000000196, "1.96e-11"), (0.0000123, "1.23e-5"), (-0.0000123, "-1.23e-5"), (0.000123456, "0.000123"),
    (1.23e15, "1.23e15"), (4.5e20, "4.50e20"), (999_999_999_999_999.0, "999,999,999,999,999"),
])
def test_tiny_and_huge_values_are_written_in_scientific_notation(value, text):
    assert num(value) == text


@pytest.mark.parametrize("value, text", [(-0.0, "0"), (-1e-10, "-1.00e-10"), (-0.004, "-0.00400"),
                                         (-1e-300, "-1.00e-300")])
def test_no_negative_zero_is_ever_written(value, text):
    assert num(value) == text  # a negative value keeps its sign and its digits; zero has no sign


@pytest.mark.parametrize("estimate, lower, upper, text", [
    (3.0, 2.0, 4.5, "3 [2, 4.50]"), (3.0, 3.0, 3.0, "exactly 3"), (0.25, 0.25, 0.25, "exactly 0.250"),
    (1.0, 1.0, 1.0000001, "1 [1, 1.00]"), (2.0, math.nan, math.nan, "2"), (math.nan, 1.0, 2.0, "-"),
    (0.0, -0.0, 0.0, "exactly 0"), (1.96e-11, 0.0, 4e-11, "1.96e-11 [0, 4.00e-11]"),
])
def test_an_interval_whose_ends_are_the_estimate_is_written_exactly(estimate, lower, upper, text):
    assert interval(estimate, lower, upper) == text


def test_a_rows_band_is_the_same_interval():
    assert band({"estimate": 5.0, "lower": 5.0, "upper": 5.0}) == "exactly 5"
    assert band({"share": 0.5, "lower": 0.25, "upper": 0.75}, "share") == "0.500 [0.250, 0.750]"


def test_markdown_table_renames_columns_and_formats_numbers():
    frame = pd.DataFrame({"a": ["x"], "b": [2.5], "c": [True]})
    assert table(frame, {"a": "name", "b": "value", "c": "ok"}).splitlines() == [
        "| name | value | ok |", "| --- | --- | --- |", "| x | 2.50 | yes |"]


def test_a_table_of_some_rows_says_how_many_more_the_csv_has_and_which():
    frame = pd.DataFrame({"a": ["x", "y", "z", "w"], "b": [1, 0, 2, 0]})
    lines = some(frame, frame["b"] > 0, {"a": "name", "b": "n"}, "t.csv", "rows with n = 0")
    assert lines == ["| name | n |\n| --- | --- |\n| x | 1 |\n| z | 2 |", "",
                     "2 more rows in `t.csv`: rows with n = 0."]
    assert some(frame, None, {"a": "name"}, "t.csv", "the rest", limit=3)[-1] == "1 more row in `t.csv`: the rest."
    assert some(frame, None, {"a": "name"}, "t.csv", "none") == [table(frame, {"a": "name"})]  # nothing left out
    assert some(frame, frame["b"] > 1, {"a": "name"}, "t.csv", "others", total=10)[-1].startswith("9 more rows")
    assert more_rows(0, "t.csv", "x") == []
