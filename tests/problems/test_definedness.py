"""Expressions are checked as written (issue 34, item 1): a padding that sympy's evaluation
simplifies away, e.g. `(n - n)/(n - 3)`, is still undefined where it is written to be, and
both the verifier and the audit's independent checker refuse it."""
import re

import pytest

from harness.audit import checkers as audit
from harness.core.problem import Tier
from problems.antiderivative import make as antiderivative
from problems.factor import make as factor
from problems.sequence import make as sequence

NATURALS = sequence(name="naturals", terms=(1, 2, 3, 4, 5), held_out=(6, 7, 8))
TWO_X = antiderivative(integrand="2*x")
ONE_OVER_X = antiderivative(integrand="1/x")
X2_MINUS_1 = factor(polynomial="x**2 - 1")


def test_the_audits_false_valid_is_wrong_and_names_the_undefined_point():
    verdict = NATURALS.verify("(((n) - (n)) / ((n) - (3))) + (n)")
    assert verdict.tier is Tier.WRONG and "undefined at n = 3" in verdict.reason
    assert not audit.solves(NATURALS, "(((n) - (n)) / ((n) - (3))) + (n)")


@pytest.mark.parametrize("problem, text, reason", [
    # sequence: undefined at a shown, a held-out or an extra point (n = 1 .. 12)
    (NATURALS, "(n - n)/(n - 1) + n", "undefined at n = 1"),
    (NATURALS, "n*0/(n - 5) + n", "undefined at n = 5"),
    (NATURALS, "(n - n)/(n - 7) + n", "undefined at n = 7"),  # held out
    (NATURALS, "0/(n - 12) + n", "undefined at n = 12"),  # an extra term of the canonical form
    (NATURALS, "0*(n - 3)**-1 + n", "undefined at n = 3"),
    (NATURALS, "0*(n - 4)**-2 + n", "undefined at n = 4"),
    (NATURALS, "(n - n)/((n - 2)*(n - 9)) + n", "undefined at n = 2"),
    (NATURALS, "n + (2**n - 2**n)/(2**n - 8)", "undefined at n = 3"),
    (NATURALS, "n + 0/(n*n - 5*n + 6)", "undefined at n = 2"),
    (NATURALS, "n + (n - n)/((n - 6)/(n - 6))", "undefined at n = 6"),
    (NATURALS, "n + sin(n) - sin(n)", "uses sin"),
    (NATURALS, "n + pi - pi", "integers, n"),
    # antiderivative: undefined at a real zero of a polynomial denominator where f is defined
    (TWO_X, "x**2 + (x - x)/(x - 1)", "undefined at x = 1"),
    (TWO_X, "x**2 + x*0/(x - 3)", "undefined at x = 3"),
    (TWO_X, "x**2 + 0/(x**2 - 2)", "undefined at x = -sqrt\\(2\\)"),
    (TWO_X, "x**2 + 0*(x + 2)**-3", "undefined at x = -2"),
    (TWO_X, "x**2 + 0*log(x - 5)", "undefined at x = 5"),
    (TWO_X, "x**2 + (x - x)/(2*x - 1)", "undefined at x = 1/2"),
    (TWO_X, "x**2 + (x - x)/x", "undefined at x = 0"),
    (ONE_OVER_X, "log(x) + (x - x)/(x - 2)", "undefined at x = 2"),
    # factor: a division by an expression in x, functions and other names are not polynomials
    (X2_MINUS_1, "(x - x)/(x - 3) + (x - 1)*(x + 1)", "division by an expression in x"),
    (X2_MINUS_1, "x*0/(x - 2) + (x - 1)*(x + 1)", "division by an expression in x"),
    (X2_MINUS_1, "(x - 1)*(x + 1)/(x - x + 1)", "division by an expression in x"),
    (X2_MINUS_1, "(x**2 - 1)/(x - 1)*(x - 1)", "division by an expression in x"),
    (X2_MINUS_1, "(x - 1)*(x + 1) + sin(x) - sin(x)", "function"),
    (X2_MINUS_1, "(x - 1)*(x + 1) + pi - pi", "name 'pi'"),
    (X2_MINUS_1, "(x - 1)*(x + 1)*x**(x - x)", "exponent"),
])
def test_paddings_are_wrong_with_the_undefined_step_named(problem, text, reason):
    verdict = problem.verify(text)
    assert verdict.tier is Tier.WRONG, verdict
    assert re.search(reason, verdict.reason), verdict
    assert not audit.solves(problem, text)


@pytest.mark.parametrize("problem, text", [
    (NATURALS, "n"), (NATURALS, "n**0*n"), (NATURALS, "(n - n)/(n + 1) + n"),  # defined at every n checked
    (NATURALS, "n*(n + 1)/(n + 1)"), (NATURALS, "0**0*n"), (NATURALS, "(n**2 - 1)/(n + 1) + 1"),
    (TWO_X, "x**2"), (TWO_X, "x**2 + x**0"), (TWO_X, "x**2 + (x - x)/(x**2 + 1)"),  # no real zero
    (TWO_X, "x*x + 0*log(x**2 + 1)"),
    (ONE_OVER_X, "log(x)"), (ONE_OVER_X, "log(x) + (x - x)/x"),  # f is undefined at 0 too
    (X2_MINUS_1, "(x - 1)*(x + 1)"), (X2_MINUS_1, "(x + 1)*(x - 1)*(x - 5)**0"),
    (X2_MINUS_1, "-(-(x - 1)*(x + 1))"), (X2_MINUS_1, "((x - 1)*(x + 1))/1"),
    (X2_MINUS_1, "(x - 1)*(x + 1)*(x - x + 1)"), (X2_MINUS_1, "(x - 1)**(3 - 2)*(x + 1)"),
])
def test_expressions_defined_as_written_still_pass(problem, text):
    assert problem.verify(text).tier.rank >= 1, problem.verify(text)
    assert audit.solves(problem, text)


@pytest.mark.parametrize("problem, text", [
    (NATURALS, "0**-1 + n"), (NATURALS, "n + 1/(3 - 3)"), (TWO_X, "x**2 + log(0)"),
    (X2_MINUS_1, "(x - 1)*(x + 1)/(2 - 2)"), (X2_MINUS_1, "(x - 1)*(x + 1)*(3 - 3)**-1"),
])
def test_a_step_undefined_everywhere_is_malformed_and_no_solution(problem, text):
    assert problem.verify(text).tier is Tier.MALFORMED
    assert not audit.solves(problem, text)
