"""Values and derivatives in floats with an error bound (harness.exact.probes): on random expressions,
at the antiderivative family's probe points, the exact value (sympy, 30 digits) is within the bound
of the float, for the value and for the derivative; and a probe rejects only beyond doubt."""
import ast
import dataclasses
import random

import pytest
import sympy

from harness.core.parse import ParseError, parse_expression, parse_written
from harness.core.space import ExpressionGrammar
from harness.core.syntax import checked_tree
from harness.exact.mirror import Defer
from harness.exact.probes import Probes, rejects
from problems.antiderivative import PROBE_POINTS, make as antiderivative

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


B = "((x + 1)*50/177)"  # about 0.37 at x = 0.31, where B**740 is subnormal in floats and B**750 is 0
TINY = f"({B}**50)**15/(pi*({B}**37)**20)*pi"  # exactly B**10, though its parts underflow


def test_every_subtree_is_within_its_bound_where_products_underflow():
    """A product or quotient that underflows to 0 or into subnormals has lost its relative precision:
    its point is None (no number), not a number with a bound of about 0."""
    tree = checked_tree(f"{TINY} - {B}**10")
    mirror = Probes("x", PROBE_POINTS)
    with pytest.raises(Defer):  # a subtree in x that is constant: sympy may make it 0, the reference decides
        mirror.build(tree)
    checked = 0
    for node in ast.walk(tree):
        if id(node) not in mirror.seen:
            continue
        expr = parse_expression(ast.unparse(node), {"x": X})
        for point, found in zip(PROBE_POINTS, mirror.seen[id(node)][2]):
            true_v = exact(expr, point)
            if found is not None and true_v is not None:
                assert abs(found[0] - true_v) <= found[1] + 1e-25 * abs(true_v), (ast.unparse(node), point, found, true_v)
                checked += 1
    assert checked > 50


def reference_and_fast(problem, text):
    return dataclasses.replace(problem, checker="sympy").verify(text), problem.decided(text)


@pytest.mark.parametrize("text", [f"x**2 - {B}**10 + {TINY}", f"x**({TINY} - {B}**10 + 2)"])
def test_an_underflow_gives_the_reference_verdict(text):  # sympy builds both to exactly x**2
    ref, fast = reference_and_fast(antiderivative(integrand="2*x"), text)
    assert fast is None or (fast.tier, fast.canonical) == (ref.tier, ref.canonical)


def test_a_number_whose_imaginary_part_rounds_to_0_is_not_taken_for_a_real_one():
    """log(-x)*(1 - 1/10**40) - log(-x) has the imaginary part -pi/10**40, 0.0 in floats: a square root
    of it minus x + 1 lies just below the cut, where sqrt is about -1.1i, not the 1.1i of the real -1.3."""
    F = "x*sqrt(log(-x)*(1 - 1/10**40) - x - log(-x) - 1)"
    f = sympy.sstr(sympy.diff(parse_expression(F, {"x": X}), X))  # F is an antiderivative of f: sympy says novel
    ref, fast = reference_and_fast(antiderivative(integrand=f), F)
    assert fast is None or (fast.tier, fast.canonical) == (ref.tier, ref.canonical)
