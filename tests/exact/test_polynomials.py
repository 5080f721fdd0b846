"""Exact polynomials over Q without sympy (harness.exact.polynomials), each piece against sympy."""
import ast
import random
from fractions import Fraction

import pytest
import sympy

from harness.core.parse import not_polynomial_as_written, parse_written
from harness.exact import polynomials

X = sympy.Symbol("x")


def random_poly(rng: random.Random, rational: bool = True) -> tuple:
    degree = rng.randint(0, 6)
    coefficients = [rng.randint(-5, 5) for _ in range(degree + 1)]
    if rational and rng.random() < 0.3:
        coefficients = [Fraction(c, rng.randint(1, 4)) for c in coefficients]
    return polynomials.trim(coefficients)


def as_sympy(p: tuple) -> sympy.Poly:
    return sympy.Poly(sum((sympy.Rational(c.numerator, c.denominator) if isinstance(c, Fraction) else sympy.Integer(c))
                          * X**k for k, c in enumerate(p)), X)


def test_arithmetic_and_printing_agree_with_sympy():
    rng = random.Random(1)
    for _ in range(400):
        a, b = random_poly(rng), random_poly(rng)
        for mine, theirs in ((polynomials.add(a, b), as_sympy(a) + as_sympy(b)),
                             (polynomials.sub(a, b), as_sympy(a) - as_sympy(b)),
                             (polynomials.mul(a, b), as_sympy(a) * as_sympy(b))):
            assert polynomials.written(mine) == sympy.sstr(theirs.as_expr())
            assert polynomials.degree(mine) == (theirs.degree() if not theirs.is_zero else -1)
        assert polynomials.at(a, Fraction(3, 2)) == as_sympy(a).eval(sympy.Rational(3, 2))


def test_whole_coefficients_are_ints():
    assert polynomials.add((Fraction(1, 2),), (Fraction(1, 2),)) == (1,) and type(polynomials.add(
        (Fraction(1, 2),), (Fraction(1, 2),))[0]) is int
    assert polynomials.scale((2, 4), Fraction(1, 2)) == (1, 2)


def test_of_tree_bounds_the_degree_before_expanding():
    def tree(text):
        return ast.parse(text, mode="eval").body
    assert polynomials.written_degree(tree("((x + 1)**64)**64"), "x") == 4096
    with pytest.raises(polynomials.TooLarge):  # before expanding (seconds)
        polynomials.of_tree(tree("((x + 1)**64)**64"), "x")
    assert polynomials.of_tree(tree("((x + 1)**64)**64*pi"), "x") is None  # not a polynomial as written, at once
    assert polynomials.of_tree(tree("((x + 1)**64)**64*x**-1"), "x") is None
    assert polynomials.of_tree(tree("(x + 1)**64"), "x") == tuple(sympy.Poly((X + 1)**64, X).all_coeffs()[::-1])
    assert polynomials.written_degree(tree("(x**3 - x**3)*x + 2"), "x") == 4  # a bound: sums may cancel


EXPRESSIONS = ["x**2 + 1", "(x - 1)*(x + 1)/2", "x/(x + 1)", "x**(3 - 2)", "x**(x - x)", "sin(x)", "pi*x",
               "x/(x - x + 1)", "(x + 1)**64", "(x + 1)**(4/2)", "x**-1", "-(x - 3)", "+x", "x*0 + 1", "3/(2 - 1/2)"]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_of_tree_is_a_polynomial_exactly_where_the_parser_says_so(text):
    written = parse_written(text, {"x": X})
    mine = polynomials.of_tree(written.tree, "x")
    if not_polynomial_as_written(written, written.tree, "x") is not None:
        assert mine is None
    else:
        theirs = sympy.Poly(written.expr, X)
        assert mine is not None and polynomials.written(mine) == sympy.sstr(theirs.as_expr())
