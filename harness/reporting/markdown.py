"""Markdown for the report: numbers for people, intervals, tables of data frames."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

SCIENTIFIC_BELOW, SCIENTIFIC_FROM = 1e-4, 1e15  # beyond these a row of zeros or digits says less than 1.96e-11


def num(x, digits: int = 3) -> str:
    """A number for people: integers as integers (with thousands separators), others to `digits`
    significant figures; tiny and huge values in scientific notation; never a negative zero."""
    if x is None or not math.isfinite(float(x)):
        return "-"
    x = float(x)
    if x == 0 or (abs(x) < SCIENTIFIC_FROM and x == int(x)):
        return f"{int(x):,}"
    rounded = float(f"{x:.{digits - 1}e}")  # to significant figures first: 9.9996 is 10.0, not 10.00
    if abs(rounded) < SCIENTIFIC_BELOW or abs(rounded) >= SCIENTIFIC_FROM:
        mantissa, exponent = f"{rounded:.{digits - 1}e}".split("e")
        return f"{mantissa}e{int(exponent)}"  # 1.96e-11 and 1.23e15, not e-05 or e+15
    decimals = max(digits - 1 - math.floor(math.log10(abs(rounded))), 0)
    text = f"{rounded:,.{decimals}f}"
    return text.removeprefix("-") if float(text.replace(",", "")) == 0 else text


def interval(estimate, lower, upper, digits: int = 3) -> str:
    """An estimate with its band: "X [lower, upper]"; "exactly X" when both ends are the estimate
    (a band of no width says the value is certain, and three equal numbers hide that); the estimate
    alone when the band has no finite end."""
    if estimate is None or not math.isfinite(float(estimate)):
        return "-"
    ends = [float(b) for b in (lower, upper) if b is not None and math.isfinite(float(b))]
    if not ends:
        return num(estimate, digits)
    if len(ends) == 2 and all(math.isclose(b, float(estimate), rel_tol=1e-12, abs_tol=1e-15) for b in ends):
        return f"exactly {num(estimate, digits)}"
    return f"{num(estimate, digits)} [{num(lower, digits)}, {num(upper, digits)}]"


def band(row, column: str = "estimate") -> str:
    """A row's `column` with its band from the row's `lower` and `upper`."""
    return interval(row[column], row["lower"], row["upper"])


def cell(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return num(value)


def table(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    """A Markdown table of `frame`, columns renamed by `columns` (source -> header)."""
    head = "| " + " | ".join(columns.values()) + " |"
    rule = "| " + " | ".join("---" for _ in columns) + " |"
    rows = ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for _, r in frame.iterrows()]
    return "\n".join([head, rule, *rows])


def more_rows(left: int, csv: str, which: str) -> list[str]:
    """The sentence after a table that shows only some rows: how many more the CSV has, and which they are
    (none when nothing was left out)."""
    return [f"{left:,} more {'row' if left == 1 else 'rows'} in `{csv}`: {which}."] if left > 0 else []


def some(frame: pd.DataFrame, keep, columns: dict[str, str], csv: str, which: str, total: int | None = None,
         limit: int | None = None) -> list[str]:
    """A table of the rows of `frame` that the boolean `keep` selects (the first `limit` of them), and the
    sentence that names the rows left out (`which`) and the CSV that has all `total` (default: frame's)."""
    shown = frame[keep] if keep is not None else frame
    shown = shown.head(limit) if limit is not None else shown
    more = more_rows((len(frame) if total is None else total) - len(shown), csv, which)
    return [table(shown, columns), *(["", *more] if more else [])]
