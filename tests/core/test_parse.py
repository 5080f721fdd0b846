import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harness.core.parse import (Limits, ParseError, Undefined, _int_tuple_from_tree, _plain_ints, parse_expression,
                                parse_int_tuple, parse_written)
from harness.core.syntax import checked_tree

x = sympy.Symbol("x")


@pytest.mark.parametrize("text, expected", [
    ("1, -2, 3", (1, -2, 3)),
    ("(1, -2, 3)", (1, -2, 3)),
    ("[0, +4, 5]", (0, 4, 5)),
    ("  (7,8,9)  ", (7, 8, 9)),
])
def test_int_tuple_accepts_plain_forms(text, expected):
    assert parse_int_tuple(text, 3) == expected


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("   \n", "empty"),
    ("1, 2", "expected 3 integers"),
    ("1.0, 2, 3", "integer literal"),
    ("True, 2, 3", "integer literal"),
    ("1+1, 2, 3", "integer literal"),
    ("__import__('os').system('true')", "tuple"),
    ("1, 2, " + "9" * 100, "digits"),
    ("1, 2, 3" + " " * 3000 + ",", "characters"),
    ("１, 2, 3", "non-ASCII"),
    ("1, 2, (3", "not a Python expression"),
])
def test_int_tuple_rejects_with_reason(text, reason):
    with pytest.raises(ParseError, match=reason):
        parse_int_tuple(text, 3)


def outcome(read, text, arity, limits):
    try:
        return read(text, arity, limits)
    except ParseError:
        return ParseError


NEAR_INTEGERS = st.text(alphabet="0123456789-+ ,()[]\t\n_x", max_size=24)


@settings(max_examples=3000, deadline=None)
@given(text=NEAR_INTEGERS, arity=st.integers(1, 4),
       limits=st.sampled_from([Limits(), Limits(max_int_digits=2), Limits(max_nodes=8), Limits(max_chars=6)]))
@example(text="007, 1, 2", arity=3, limits=Limits())
@example(text="-0, +4, 1_0", arity=3, limits=Limits())
@example(text="(1, 2, 3,)", arity=3, limits=Limits())
@example(text="(5,)", arity=1, limits=Limits())
@example(text="[5]", arity=1, limits=Limits())
@example(text="1, 2, 3", arity=3, limits=Limits(max_nodes=10))
def test_int_tuple_without_a_tree_reads_exactly_what_the_tree_reads(text, arity, limits):
    """The plain-integer shortcut never answers differently from the syntax tree: the same
    tuple, or a refusal (which then comes from the tree)."""
    assert outcome(parse_int_tuple, text, arity, limits) == outcome(_int_tuple_from_tree, text, arity, limits)
    shortcut = _plain_ints(text, arity, limits)
    assert shortcut is None or shortcut == _int_tuple_from_tree(text, arity, limits)


def test_plain_answers_take_the_shortcut():
    assert _plain_ints(" (12, -3, 0) ", 3, Limits()) == (12, -3, 0)
    assert _plain_ints("[1,2]", 2, Limits()) == (1, 2)
    assert _plain_ints("1, 2", 3, Limits()) is None  # the tree says why not
    assert _plain_ints("9" * 61, 1, Limits()) is None


def test_expression_builds_exact_sympy():
    expr = parse_expression("x**2/2 + sin(x) - 3*E**2", {"x": x})
    assert sympy.simplify(expr - (x**2 / 2 + sympy.sin(x) - 3 * sympy.E**2)) == 0
    assert parse_expression("1/3", {"x": x}) == sympy.Rational(1, 3)


@pytest.mark.parametrize("text, reason", [
    ("x.__class__", "not allowed"),
    ("(lambda: 1)()", "not allowed"),
    ("__import__('os')", "not allowed"),
    ("f'{x}'", "not allowed"),
    ("y + 1", "unknown name"),
    ("x ** x", "integer literals"),
    ("x ** 1000", "exceeds"),
    ("(10**60) ** 60", "too large"),
    ("1.5 * x", "integer constants"),
    ("log(0)", "undefined"),
    ("1/(x - x)", "division by zero"),
    ("sin(x, 2)", "exactly one argument"),
    ("sin(x=1)", "exactly one argument"),
    ("sin(" * 100 + "x" + ")" * 100, "nesting"),
    ("x^2", "use \\*\\* for powers"),
])
def test_expression_rejects_hostile_text(text, reason):
    with pytest.raises(ParseError, match=reason):
        parse_expression(text, {"x": x})


def test_node_and_depth_limits_apply_before_building():
    with pytest.raises(ParseError, match="syntax nodes"):
        parse_expression("+".join(["x"] * 200), {"x": x}, Limits(max_nodes=50))
    with pytest.raises(ParseError, match="nesting"):
        parse_expression("-" * 30 + "x", {"x": x}, Limits(max_depth=10))


def test_written_expressions_are_evaluated_step_by_step_as_written():
    n = sympy.Symbol("n")
    written = parse_written("(((n) - (n)) / ((n) - (3))) + (n)", {"n": n})
    assert written.expr == n  # sympy's evaluation has already cancelled the padding
    assert written.at({"n": 2}) == 2
    with pytest.raises(Undefined, match="division by zero"):
        written.at({"n": 3})
    with pytest.raises(Undefined, match="negative power"):
        parse_written("0*(n - 1)**-2 + n", {"n": n}).at({"n": 1})
    with pytest.raises(Undefined, match="undefined"):
        parse_written("n + 0*log(n - 1)", {"n": n}).at({"n": 1})
    assert parse_written("n**0", {"n": n}).at({"n": 0}) == 1  # 0**0 is 1, as in Python and sympy
    assert parse_written("2**(n + 1)", {"n": n}, symbolic_exponents=True).at({"n": 5}) == 64


def test_a_checked_tree_of_a_deep_unary_chain_is_refused_as_the_builder_refuses_it():
    text = "-" * 1998 + "x"  # Python parses it; a recursive walk of it overflows the stack
    with pytest.raises(ParseError) as fast:
        checked_tree(text)
    with pytest.raises(ParseError) as reference:
        parse_expression(text, {"x": x})
    assert str(fast.value) == str(reference.value)
