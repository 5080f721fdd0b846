"""An independent second opinion on the verifier's verdicts.

Stroebl et al. (2024, "Inference Scaling fLaws: The Limits of LLM Resampling with Imperfect
Verifiers") show that a verifier's false positives cap what resampling can buy. Here every
family has a second checker written apart from its verifier: its own reading of the candidate
text (a regular expression for integer tuples and bit strings, a small recursive-descent parser
for expressions; never `ast`, sympy or harness.core.parse) and plain integer or rational arithmetic
(brute force over all k-subsets for Ramsey colourings). The one exception is stated:
antiderivatives are compared numerically at 40 digits (mpmath), since F' = f cannot be checked
in integers. Expressions are read as written: a step that is undefined (a division by zero, 0
to a negative power) where the family evaluates makes the candidate no solution, whatever the
rest would simplify to; factors are polynomials as written (no division by an expression in x);
an antiderivative must be defined wherever f is, checked at the real zeros (found numerically) of
its denominators that are polynomials as written. The checker answers one question: is the
candidate a solution (tier valid or better)? `audit_runs` puts it to every attempt the runs' verifier called a solution and to a
sample of those it called wrong.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Callable

import mpmath

from harness.audit.polynomials import (constant, mentions_x, polynomial, squarefree, subtrees, top_factors,
                                       written_polynomial)
from harness.audit.reader import Unreadable, evaluate, integers, rational_power, tree
from harness.core import extensions
from harness.core.problem import Problem


# One checker per family: (problem, candidate text) -> is it a solution?

def three_cubes(p, text: str) -> bool:
    x, y, z = integers(text, 3)
    return x * x * x + y * y * y + z * z * z == p.k


def erdos_straus(p, text: str) -> bool:
    x, y, z = integers(text, 3)
    # 4/n = 1/x + 1/y + 1/z  <=>  4xyz = n(yz + xz + xy), all positive
    return min(x, y, z) >= 1 and 4 * x * y * z == p.n * (y * z + x * z + x * y)


def egyptian(p, text: str) -> bool:
    ds = integers(text, p.terms)
    if min(ds) < 1 or len(set(ds)) != len(ds) or max(ds) > p.bound:
        return False
    common = math.prod(ds)  # a/b = sum 1/d  <=>  a * prod = b * sum(prod / d)
    return p.a * common == p.b * sum(common // d for d in ds)


def pell(p, text: str) -> bool:
    x, y = integers(text, 2)
    return x >= 0 and y >= 0 and x * x - p.d * y * y == 1


def taxicab(p, text: str) -> bool:
    a, b, c, d = integers(text, 4)
    return (min(a, b, c, d) >= 1 and max(a, b, c, d) <= p.bound and sorted((a, b)) != sorted((c, d))
            and a**3 + b**3 == c**3 + d**3)


def golomb(p, text: str) -> bool:
    marks = integers(text, p.marks)
    differences = [abs(a - b) for a, b in itertools.combinations(marks, 2)]
    return (len(set(marks)) == len(marks) and max(marks) - min(marks) <= p.bound
            and len(set(differences)) == len(differences))


def ramsey(p, text: str) -> bool:
    bits = text.strip()
    edges = [(i, j) for i in range(p.n) for j in range(i + 1, p.n)]
    if len(bits) != len(edges) or set(bits) - {"0", "1"}:
        return False
    colour = dict(zip(edges, bits))
    for group in itertools.combinations(range(p.n), p.k):  # brute force: every k-subset
        if len({colour[e] for e in itertools.combinations(group, 2)}) == 1:
            return False
    return True


def synthetic(p, text: str) -> bool:
    (label,) = integers(text, 1)
    return 0 <= label < p.size


SEQUENCE_EXTRA = 4  # the family's rule: a formula is evaluated at n = 1 .. shown + held out + 4


def sequence(p, text: str) -> bool:
    """Exact at every n the family evaluates: defined there, equal to the shown terms."""
    node = tree(text)
    for n in range(1, len(p.terms) + len(p.held_out) + SEQUENCE_EXTRA + 1):
        value = evaluate(node, {"n": Fraction(n), "__number__": Fraction}, {}, rational_power)
        if n <= len(p.terms) and value != p.terms[n - 1]:
            return False
    return True


def factor(p, text: str) -> bool:
    node = tree(text)
    if written_polynomial(node) != polynomial(p.polynomial):
        return False
    factors = [written_polynomial(f) for f in top_factors(node)]
    proper = [f for f in factors if f.degree >= 1]
    return len(proper) >= 2 and all(c.denominator == 1 for f in proper for c in f.c)


ANALYTIC = {name: getattr(mpmath, name) for name in
            ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt")}
DIGITS = 40
POINTS = ("0.41", "0.87", "1.29", "1.93", "2.57")


MAX_DENOMINATOR_DEGREE = 16


def singular_points(node):
    """The real zeros (numeric) of F's denominators that are polynomials as written: divisors,
    bases of negative powers, arguments of log. Unreadable if one has degree above 16."""
    for n in subtrees(node):
        denominator = None
        if n[0] == "/":
            denominator = n[2]
        elif n[0] == "**" and not mentions_x(n[2]):
            try:
                denominator = n[1] if constant(n[2]) < 0 else None
            except Unreadable:
                pass
        elif n[0] == "call" and n[1] == "log":
            denominator = n[2]
        if denominator is None:
            continue
        try:
            poly = written_polynomial(denominator)
        except Unreadable:
            continue  # not a polynomial as written: its zeros are not searched
        if poly.degree > MAX_DENOMINATOR_DEGREE:
            raise Unreadable("a denominator of too high a degree")
        if poly.degree >= 1:
            simple = squarefree(poly)
            roots = mpmath.polyroots([mpmath.mpf(c.numerator) / c.denominator for c in reversed(simple.c)],
                                     maxsteps=200, extraprec=2 * DIGITS * 4)
            yield from (mpmath.re(r) for r in roots if abs(mpmath.im(r)) <= mpmath.mpf(10) ** -12 * max(1, abs(r)))


def antiderivative(p, text: str) -> bool:
    """F' = f at five points, to 25 of 40 digits (numeric: the one family not checked exactly),
    and F defined wherever f is, at the zeros of F's polynomial denominators."""
    node, integrand = tree(text), tree(p.integrand)
    with mpmath.workdps(DIGITS):
        def at(expression, x):
            names = {"x": x, "pi": mpmath.pi, "E": mpmath.e, "__number__": mpmath.mpf}
            return evaluate(expression, names, ANALYTIC, lambda b, e: mpmath.power(b, e))
        for root in singular_points(node):
            try:
                value = at(integrand, root)
            except (ValueError, ZeroDivisionError, OverflowError, Unreadable):
                continue  # f is undefined there too
            if mpmath.isfinite(value) and abs(value) < 10**15:
                return False  # F is undefined where f is defined
        try:
            for point in POINTS:
                x = mpmath.mpf(point)
                slope, target = mpmath.diff(lambda t: at(node, t), x), at(integrand, x)
                if not abs(slope - target) <= mpmath.mpf(10) ** -25 * max(1, abs(target)):
                    return False
        except (ValueError, ZeroDivisionError, OverflowError):
            return False
    return True


# The harness's own checkers, one per family of the bank; an installed package declares more
# (entry point harness.audit_checkers, harness.core.extensions). A family with none is "not audited".
CHECKERS: dict[str, Callable[[Problem, str], bool]] = {
    "three_cubes": three_cubes, "erdos_straus": erdos_straus, "egyptian": egyptian, "pell": pell,
    "taxicab": taxicab, "golomb": golomb, "ramsey": ramsey, "synthetic": synthetic, "sequence": sequence,
    "factor": factor, "antiderivative": antiderivative,
}
NOT_AUDITED = "not audited: no independent checker of this family"


class NotAudited(LookupError):
    """The family has no independent checker: its verdicts are not audited (said so, never a crash)."""


def checker_for(family: str) -> Callable[[Problem, str], bool] | None:
    """The family's independent checker: the harness's own, else one an installed package declares."""
    return CHECKERS.get(family) or extensions.load(extensions.AUDIT_CHECKERS, family)


def audited(family: str) -> bool:
    return checker_for(family) is not None


def solves(problem: Problem, text: str | None) -> bool:
    """The independent checker's answer; text it cannot read is not a solution. NotAudited
    when the family has no checker."""
    checker = checker_for(problem.family)
    if checker is None:
        raise NotAudited(f"{problem.family}: {NOT_AUDITED}")
    try:
        return text is not None and checker(problem, text)
    except Unreadable:
        return False
