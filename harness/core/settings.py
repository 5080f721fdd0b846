"""Checks of settings, shared by configs and solvers: one message shape for every bad value.

NaN and infinity are refused wherever a number bounds something: a NaN compares false with
every bound, so `timeout > limit` would never fire and a hang would never be cut off.
"""
from __future__ import annotations

import difflib
import math
from typing import Any, Iterable


def number(name: str, value: Any, low: float = -math.inf, high: float = math.inf, *,
           low_included: bool = True) -> float:
    """`value` as a finite float in [low, high] (or (low, high] without `low_included`)."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if is_number and (value > low or (low_included and value == low)) and value <= high:
        return float(value)
    raise ValueError(f"{name} must be a finite number {_range(low, high, low_included)}, got {value!r}")


def positive(name: str, value: Any) -> float:
    return number(name, value, 0.0, low_included=False)


def whole(name: str, value: Any, low: int = 0) -> int:
    """`value` as an int of at least `low` (booleans and fractions refused)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= low:
        return value
    raise ValueError(f"{name} must be a whole number of at least {low}, got {value!r}")


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The choices a typo of `word` most likely meant (e.g. attemps -> attempts), best first."""
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def unknown_setting_message(key: str, known: Iterable[str], prefix: str = "") -> str:
    """One line for an unknown setting (`prefix` its section, e.g. `solver.`): the close ones, else every one."""
    known = sorted(known)
    close = close_matches(key, known)
    if close:
        return f"unknown setting {prefix}{key}; did you mean {' or '.join(prefix + c for c in close)}"
    return f"unknown setting {prefix}{key}; the settings are: {', '.join(prefix + k for k in known)}"


def _range(low: float, high: float, low_included: bool) -> str:
    if high < math.inf:
        return f"in {'[' if low_included else '('}{low:g}, {high:g}]"
    if low == 0:
        return "of at least 0" if low_included else "above 0"
    return f"of at least {low:g}" if low > -math.inf else ""
