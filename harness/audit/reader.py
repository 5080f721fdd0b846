"""The checkers' own reading of candidate text: integer tuples by regular expression, expressions by
a small recursive-descent parser (never `ast`, sympy or harness.core.parse), evaluated exactly."""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Callable




MAX_TEXT = 2_000
MAX_EXPONENT = 64
MAX_DIGITS = 240  # an exact number with more digits is refused, as the verifiers' parser does


class Unreadable(ValueError):
    """The checker cannot read the candidate: not a solution, as far as it is concerned."""


def integers(text: str, arity: int) -> tuple[int, ...]:
    """`(1, -2, 3)`, `[1, -2, 3]` or `1, -2, 3`: exactly `arity` decimal integers."""
    match = re.fullmatch(r"\s*([(\[]?)([-+\d\s,]*?)\s*([)\]]?)\s*", text, flags=re.ASCII)
    if not match or len(text) > MAX_TEXT or {match.group(1), match.group(3)} not in ({""}, {"(", ")"}, {"[", "]"}):
        raise Unreadable("not a tuple of integers")
    parts = [p.strip() for p in match.group(2).split(",")]
    if len(parts) == arity + 1 and parts[-1] == "" and match.group(1):  # a trailing comma
        parts = parts[:-1]
    if len(parts) != arity or not all(re.fullmatch(r"[-+]?\d{1,60}", p) for p in parts):
        raise Unreadable(f"not {arity} integers")
    return tuple(int(p) for p in parts)


# Expressions: numbers, names, + - * / **, unary minus, calls f(e), parentheses.
TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_]\w*)|(\*\*|[-+*/()]))")


def tokens(text: str) -> list[str]:
    if len(text) > MAX_TEXT:
        raise Unreadable("too long")
    out, at = [], 0
    text = text.rstrip()
    while at < len(text):
        match = TOKEN.match(text, at)
        if not match:
            raise Unreadable(f"unexpected character at {at}")
        out.append(match.group(match.lastindex))
        at = match.end()
    return out


def tree(text: str):
    """A nested tuple: ("num", int) | ("name", s) | ("neg", t) | (op, t, t) | ("call", name, t)."""
    items = tokens(text)
    position = 0

    def peek():
        return items[position] if position < len(items) else None

    def take(expected=None):
        nonlocal position
        token = peek()
        if token is None or (expected is not None and token != expected):
            raise Unreadable(f"expected {expected or 'more'}")
        position += 1
        return token

    def sum_():
        node = product()
        while peek() in ("+", "-"):
            node = (take(), node, product())
        return node

    def product():
        node = unary()
        while peek() in ("*", "/"):
            node = (take(), node, unary())
        return node

    def unary():
        if peek() in ("+", "-"):
            sign = take()
            operand = unary()
            return ("neg", operand) if sign == "-" else operand
        return power()

    def power():
        base = atom()
        if peek() == "**":
            take()
            return ("**", base, unary())  # right-associative, binds tighter than unary minus on its left
        return base

    def atom():
        token = take()
        if token.isdigit():
            return ("num", int(token))
        if token == "(":
            node = sum_()
            take(")")
            return node
        if re.fullmatch(r"[A-Za-z_]\w*", token):
            if peek() == "(":
                take("(")
                argument = sum_()
                take(")")
                return ("call", token, argument)
            return ("name", token)
        raise Unreadable(f"unexpected {token!r}")

    node = sum_()
    if peek() is not None:
        raise Unreadable(f"unexpected {peek()!r}")
    return node


def evaluate(node, names: dict, functions: dict, power: Callable):
    kind = node[0]
    if kind == "num":
        if len(str(node[1])) > 60:
            raise Unreadable("an integer with more than 60 digits")
        return names["__number__"](node[1])
    if kind == "name":
        if node[1] not in names:
            raise Unreadable(f"unknown name {node[1]}")
        return names[node[1]]
    if kind == "neg":
        return -evaluate(node[1], names, functions, power)
    if kind == "call":
        if node[1] not in functions:
            raise Unreadable(f"unknown function {node[1]}")
        return functions[node[1]](evaluate(node[2], names, functions, power))
    left, right = (evaluate(n, names, functions, power) for n in node[1:])
    if kind == "+":
        return bounded(left + right)
    if kind == "-":
        return bounded(left - right)
    if kind == "*":
        return bounded(left * right)
    if kind == "/":
        if right == 0:
            raise Unreadable("division by zero")
        return bounded(left / right)
    return bounded(power(left, right))


def rational_power(base: Fraction, exponent: Fraction) -> Fraction:
    if exponent.denominator != 1 or abs(exponent) > MAX_EXPONENT or (base == 0 and exponent < 0):
        raise Unreadable("exponent out of range")
    if base != 0 and max(len(str(abs(base.numerator))), len(str(base.denominator))) * abs(int(exponent)) > MAX_DIGITS:
        raise Unreadable("value too large")
    return base ** int(exponent)


def bounded(value):
    """An exact number with at most MAX_DIGITS digits (numerator and denominator); others pass."""
    if isinstance(value, Fraction) and max(len(str(abs(value.numerator))), len(str(value.denominator))) > MAX_DIGITS:
        raise Unreadable("value too large")
    return value
