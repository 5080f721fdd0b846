"""Values and derivatives in floats with an error bound (harness.probes): on random expressions,
at the antiderivative family's probe points, the exact value (sympy, 30 digits) is within the bound
of the float, for the value and for the derivative; and a probe rejects only beyond doubt."""
import random

import sympy

from harness.mirror import Defer
from harness.parse import ParseError, checked_tree, parse_written
from harness.probes import Probes, rejects
from harness.space import ExpressionGrammar
from problems.antiderivative import PROBE_POINTS

X = sympy.Symbol("x", real=True)
GRAMMAR = ExpressionGrammar("x", max_depth=4, functions=("sin", "cos", "exp", "log", "sqrt", "tan", "atan", "asin",
                                                         "sinh", "cosh", "tanh"), constants=(1, 2, 3, 40),
                            powers=("2", "3", "-1", "-2", "7"))


def exact(expr, point):
    value = complex(expr.evalf(30, subs={X: sympy.Float(point, 30)}))
    return value if value == value and abs(value) != float("inf") else None


def test_the_exact_value_and_derivative_are_within_the_bounds():
    rng, checked = random.Random(3), 0
    for _ in range(700):
        text = GRAMMAR.sample(rng)
        try:
            expr = parse_written(text, {"x": X}).expr
            payload = Probes("x", PROBE_POINTS).build(checked_tree(text))[2]
        except (ParseError, Defer):
            continue
        derivative = sympy.diff(expr, X)
        for point, found in zip(PROBE_POINTS, payload):
            if found is None:
                continue
            v, ev, d, ed = found
            true_v, true_d = exact(expr, point), exact(derivative, point)
            if true_v is None or true_d is None:
                continue
            assert abs(v - true_v) <= ev + 1e-25 * abs(true_v), (text, point, v, true_v, ev)
            assert abs(d - true_d) <= ed + 1e-25 * abs(true_d), (text, point, d, true_d, ed)
            checked += 1
    assert checked > 1000


def test_a_probe_rejects_only_beyond_its_error_bound():
    near = [(0.0, 0.0, 1e-9, 1e-12)]  # |F' - f| = 1e-9 exactly: not past 1e-9
    assert rejects(near, [0.0]) == (False, 1e-9)
    far = [(0.0, 0.0, 2.0, 0.5)]  # |F' - f| >= 1.5 whatever the rounding
    assert rejects(far, [0.0])[0]
    vague = [(0.0, 0.0, 2.0, 3.0)]  # the bound swallows the whole difference
    assert not rejects(vague, [0.0])[0]
