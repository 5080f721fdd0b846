"""Markdown for the report: numbers for people, tables of data frames."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def num(x, digits: int = 3) -> str:
    """A number for a table: integers as integers, others to `digits` significant figures."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if float(x) == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) < 1e-4:  # tiny odds and slopes: scientific, not a row of zeros
        return f"{x:.{digits - 1}e}"
    text = f"{x:,.{max(digits - 1 - int(math.floor(math.log10(abs(x)))), 0)}f}"
    return text.removeprefix("-") if float(text.replace(",", "")) == 0 else text  # no negative zero


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


def band(row, column: str = "estimate") -> str:
    return f"{num(row[column])} [{num(row['lower'])}, {num(row['upper'])}]"
