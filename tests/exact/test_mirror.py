"""The parser's decisions mirrored without sympy (harness.exact.mirror): on random expressions with every
construct the parser meets (zero divisors, huge and fractional powers, symbolic exponents,
functions of constants, pi and E, unknown names), the mirror refuses exactly what the sympy builder
refuses, with the same message, and knows which subtrees sympy builds to a number (exactly which)."""
import random
from fractions import Fraction

import pytest
import sympy

from harness.core.parse import ParseError, parse_written
from harness.core.syntax import checked_tree
from harness.exact.as_polynomial import AsPolynomial
from harness.exact.mirror import CONST, TRANS, VAR, Defer
from harness.exact.points import AtPoints
from harness.exact.probes import Probes
from problems.antiderivative import PROBE_POINTS

LEAVES = ["0", "1", "2", "3", "10**30", "10**61", "pi", "E", "y"]
EXPONENTS = ["-1", "0", "1", "2", "3", "65", "1/2", "(2 - 2)", "{v}", "({v} + 1)", "(2*{v})", "({v} - {v})"]
FUNCTIONS = ["sin", "cos", "log", "sqrt", "exp", "asin", "acos", "atan", "tanh", "f"]


def expression(rng: random.Random, v: str, depth: int) -> str:
    roll = rng.random()
    if depth == 0 or roll < 0.25:
        return v if rng.random() < 0.5 else rng.choice(LEAVES)
    if roll < 0.4:
        return f"{rng.choice(FUNCTIONS)}({expression(rng, v, depth - 1)})"
    if roll < 0.55:
        return f"({expression(rng, v, depth - 1)})**{rng.choice(EXPONENTS).format(v=v)}"
    if roll < 0.6:
        return f"-({expression(rng, v, depth - 1)})"
    op = rng.choice(["+", "-", "*", "/", "/", "^"] if rng.random() < 0.05 else ["+", "-", "*", "/", "/"])
    return f"({expression(rng, v, depth - 1)}) {op} ({expression(rng, v, depth - 1)})"


SETTINGS = {
    "sequence": ("n", sympy.Symbol("n", integer=True, positive=True), True,
                 lambda: AtPoints("n", tuple(range(1, 13)), symbolic_exponents=True)),
    "factor": ("x", sympy.Symbol("x"), False, AsPolynomial),
    "antiderivative": ("x", sympy.Symbol("x", real=True), False, lambda: Probes("x", PROBE_POINTS)),
}


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_the_mirror_refuses_what_the_builder_refuses_and_knows_its_numbers(setting):
    name, symbol, symbolic, mirror_of = SETTINGS[setting]
    rng, decided = random.Random(5), 0
    for _ in range(1500):
        text = expression(rng, name, 4)
        try:
            expr, refused = parse_written(text, {name: symbol}, symbolic_exponents=symbolic).expr, None
        except ParseError as exc:
            expr, refused = None, str(exc)
        try:
            kind, value, _ = mirror_of().build(checked_tree(text))
        except Defer:
            continue
        except ParseError as exc:
            assert str(exc) == refused, text
            decided += 1
            continue
        decided += 1
        assert refused is None, (text, refused)
        if kind == CONST:
            exact = Fraction(value)
            assert expr == sympy.Rational(exact.numerator, exact.denominator) and expr.is_Rational, text
        elif kind == TRANS:
            assert not expr.free_symbols and not expr.is_Number, text
        else:
            assert kind == VAR and expr.free_symbols, text
    assert decided > 750  # the mirror decides most of them, hostile as they are


def test_sympy_collects_what_the_mirror_says_it_collects():
    for text, value in [("(n - n)", 0), ("n/n", 1), ("(3 + n) - n", 3), ("(n*n)/(n**2)", 1), ("n/(n/2)", 2),
                        ("(n + n)/n", 2), ("0*(n - 3)**-1", 0), ("(n - 3)**0", 1), ("1**n", 1)]:
        kind, found, _ = AtPoints("n", tuple(range(1, 13)), True).build(checked_tree(text))
        assert (kind, found) == (CONST, value), text
    for text, value in [("sin(1) - sin(1)", 0), ("exp(x)/exp(x)", 1), ("cos(0) + log(1)", 1)]:
        kind, found, _ = Probes("x", PROBE_POINTS).build(checked_tree(text))
        assert (kind, found) == (CONST, value), text
    with pytest.raises(Defer):  # sympy does not expand it: left to the reference
        AtPoints("n", tuple(range(1, 13)), True).build(checked_tree("(n + 1)**2 - n**2 - 2*n"))
