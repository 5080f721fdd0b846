"""The symbolic families' fast paths (no sympy) against their sympy reference (issue 39): the same
tier and canonical form on every candidate of the labelled corpus, the hostile corpus, the
definedness paddings and random attempts of every bank instance (10^5 per family when slow tests
run), and the same score and reason where both are exact (sequence, factor). An antiderivative's
probe score, |F' - f| at the worst probe point, is a floating-point measurement on both paths
(sympy's evalf, floats with an error bound here: tests/exact/test_probes.py): a wrong one is wrong on
both, with scores that may differ in their last digits (by 10^-4 relative where F' is 10^12)."""
import dataclasses
import json
from pathlib import Path

import pytest

from harness.bank.banks import bank_from_config_name
from harness.core.problem import Tier
from harness.exact import polynomials, roots
from harness.exact.fast_verify import FastVerify
from harness.solvers import RandomSolver
from problems.antiderivative import make as antiderivative
from problems.factor import make as factor, plain_product
from problems.sequence import make as sequence
from tests.problems.test_adversarial import hostile_corpus
from tests.problems.test_definedness import NATURALS, ONE_OVER_X, TWO_X, X2_MINUS_1

FAMILIES = ("sequence", "factor", "antiderivative")
BANK = [p for p in bank_from_config_name("default") if p.family in FAMILIES]
CORPUS = Path(__file__).parent.parent / "data" / "labelled.jsonl"


def reference(problem):
    return dataclasses.replace(problem, checker="sympy")


def disagreements(problem, texts) -> tuple[list, int]:
    """(candidates whose fast verdict differs from the reference's, how many the fast path decided)."""
    sympy_path, differ, decided = reference(problem), [], 0
    for text in dict.fromkeys(texts):
        fast = problem.decided(text)
        if fast is None:
            continue
        decided += 1
        ref = sympy_path.verify(text)
        same = fast.tier is ref.tier and fast.canonical == ref.canonical
        if problem.family == "antiderivative":  # a probe's |F' - f| is measured in floats on both paths
            same = same and (fast.score == ref.score or fast.score < 0 and ref.score < 0)
        else:
            same = same and fast.score == ref.score and fast.reason == ref.reason
        if not same:
            differ.append((text, ref, fast))
    return differ, decided


def test_every_fast_family_defaults_to_the_fast_path_and_keeps_the_reference():
    for family in FAMILIES:
        problem = next(p for p in BANK if p.family == family)
        assert isinstance(problem, FastVerify) and problem.checker == "fast"
        assert reference(problem).checker == "sympy"
    with pytest.raises(ValueError, match="checker"):
        sequence(name="n", terms=(1,), held_out=(2,), checker="symengine")


def test_the_labelled_corpus_gets_the_reference_verdicts():
    problems = {p.id: p for p in BANK}
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    by_problem: dict[str, list[str]] = {}
    for row in rows:
        if row["problem_id"] in problems:
            by_problem.setdefault(row["problem_id"], []).append(row["candidate"])
    assert sum(map(len, by_problem.values())) >= 80
    for pid, texts in by_problem.items():
        assert disagreements(problems[pid], texts)[0] == [], pid


@pytest.mark.parametrize("problem", [NATURALS, TWO_X, ONE_OVER_X, X2_MINUS_1, *BANK], ids=lambda p: p.id)
def test_hostile_candidates_get_the_reference_verdicts(problem, tmp_path):
    texts = [t for t in hostile_corpus(str(tmp_path / "pwned")) if len(t) < 5_000]  # the huge ones: malformed by length
    assert disagreements(problem, texts)[0] == []


PADDINGS = [
    "(n - n)/(n - 1) + n", "n*0/(n - 5) + n", "0/(n - 12) + n", "0*(n - 3)**-1 + n", "n + (2**n - 2**n)/(2**n - 8)",
    "n + 0/(n*n - 5*n + 6)", "n + (n - n)/((n - 6)/(n - 6))", "n**0*n", "(n - n)/(n + 1) + n", "n*(n + 1)/(n + 1)",
    "0**0*n", "(n**2 - 1)/(n + 1) + 1", "0**-1 + n", "n + 1/(3 - 3)", "2**(n + 1) - n", "(-1)**n", "(-1)**(2*n)",
    "1**n + n - 1", "n**n", "2**(n/2)", "2**(4*n)", "11**n", "(n + 1)**2 - n**2 - 2*n", "2**(n + 62)", "(10**60)**4",
    "n/(n - n)", "(n - n)**-1", "n + (n*n)/(n**2) - 1", "((n) + (n))/(n)", "(3 + n) - n + n - 3",
]
PADDINGS_X = [
    "x**2 + (x - x)/(x - 1)", "x**2 + x*0/(x - 3)", "x**2 + 0/(x**2 - 2)", "x**2 + 0*(x + 2)**-3", "x**2 + 0*log(x - 5)",
    "x**2 + (x - x)/(2*x - 1)", "x**2 + (x - x)/x", "log(x) + (x - x)/(x - 2)", "x**2 + (x - x)/(x**2 + 1)",
    "x*x + 0*log(x**2 + 1)", "log(x)", "log(x) + (x - x)/x", "x**2 + log(0)", "x**2 + 1/log(1)", "x**2 + 1/sin(0)",
    "x**2 + sqrt(4)**3", "x**2 + sqrt(2)", "x**2 + exp(log(3))", "x**2 + log(exp(2))", "x**2 + sin(1) - sin(1)",
    "x**2 + asin(1)/pi", "x**(2*asin(1)/pi) * x", "x**2 + (x - x)**0", "x**2 + 1/(x**2 - 4*x + 4)", "x**2 + 1/(x**3 - 2)",
    "(x - 1)*(x + 1)", "(x + 1)*(x - 1)*(x - 5)**0", "-(-(x - 1)*(x + 1))", "((x - 1)*(x + 1))/1", "(x - 1)*(x + 1)*(x - x + 1)",
    "(x - 1)**(3 - 2)*(x + 1)", "(x - x)/(x - 3) + (x - 1)*(x + 1)", "(x**2 - 1)/(x - 1)*(x - 1)", "(2*x - 2)*(x + 1)/2",
    "(x - 1)*(x + 1)*(3 - 3)**-1", "(x**2 - 1)*1", "(x**2 - 1)*(x - x + 2)/2", "x**65", "(x + 1)**64*(x - 1)",
    "sinh(x) + cosh(x) - tanh(x)", "asin(x/4) + acos(x/4) + atan(x)", "tan(x) + sqrt(x) - x**(-2)", "exp(x)*exp(-x) + x**2",
]


@pytest.mark.parametrize("problem", [NATURALS, TWO_X, ONE_OVER_X, X2_MINUS_1, antiderivative(integrand="sin(x)*cos(x)"),
                                     factor(polynomial="x**4 - 1"), sequence(name="p", terms=(2, 4, 8, 16, 32),
                                                                            held_out=(64, 128, 256))],
                         ids=lambda p: p.id)
def test_paddings_and_edges_get_the_reference_verdicts(problem):
    assert disagreements(problem, PADDINGS + PADDINGS_X)[0] == []


def random_texts(problem, attempts: int) -> list[str]:
    return RandomSolver().propose(problem, 11, 0, attempts)


@pytest.mark.parametrize("problem", BANK, ids=lambda p: p.id)
def test_random_attempts_get_the_reference_verdicts(problem):
    texts = random_texts(problem, 600)
    differ, decided = disagreements(problem, texts)
    assert differ == []
    assert decided >= 0.9 * len(set(texts))  # the fast path, not the reference, decides nearly all


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_100000_random_attempts_per_family_get_the_reference_verdicts(family):
    instances = [p for p in BANK if p.family == family]
    per = -(-100_000 // len(instances))
    for problem in instances:
        texts = random_texts(problem, per)
        differ, decided = disagreements(problem, texts)
        assert differ == [], (problem.id, differ[:5])
        assert decided >= 0.9 * len(set(texts)), problem.id


def test_the_plain_products_that_skip_the_syntax_tree_are_within_the_parsers_bounds():
    # the densest texts the plain reading admits: the parser builds them, and they are read alike
    densest = "*".join(["(" + " + ".join(["-1*x**64"] * 8) + ")"] * 2)
    longest = "*".join(["(x + -1)"] * 8)
    for text in (densest[:160].rsplit("*(", 1)[0], longest):
        assert plain_product(text) is not None
        problem = factor(polynomial="x**2 - 1")
        assert problem.decided(text) == reference(problem).verify(text)
    assert plain_product("(x + 1)*(x + 1)" + "*(x + 1)" * 8) is None  # 10 factors: read from the tree


def test_a_repeated_candidate_is_verified_once_and_gets_the_same_verdict(monkeypatch):
    problem = sequence(name="cache", terms=(1, 2, 3, 4, 5), held_out=(6, 7, 8))
    calls = []
    original = type(problem).fast_verdict
    monkeypatch.setattr(type(problem), "fast_verdict", lambda self, text: calls.append(text) or original(self, text))
    first = [problem.verify(t) for t in ("n", "n + 1", "n", "n", "n + 1")]
    assert calls == ["n", "n + 1"]
    assert first[0] is first[2] is first[3] and first[0].tier is Tier.INTERESTING and first[1].tier is Tier.WRONG
    reference(problem).verify("n")  # the reference path is not cached
    assert calls == ["n", "n + 1"]


class WorkExhausted(BaseException):  # not an Exception: the fast path's fallback must not swallow it
    pass


@pytest.fixture
def work_budget(monkeypatch):
    """Count the coefficient operations of harness.exact.polynomials (a product of polynomials of n and m
    terms is n*m, a value at a point is n) and stop past 10^6: expanding (x + 1)**4096 takes 8x10^6."""
    spent = [0]

    def spend(n):
        spent[0] += n
        if spent[0] > 10**6:
            raise WorkExhausted(f"{spent[0]} coefficient operations")
    mul, at = polynomials.mul, polynomials.at
    monkeypatch.setattr(polynomials, "mul", lambda a, b: spend(len(a) * len(b)) or mul(a, b))
    for module in (polynomials, roots):
        monkeypatch.setattr(module, "at", lambda a, x: spend(len(a)) or at(a, x))
    return spent


FACTOR_X2_MINUS_1, ANTIDERIVATIVE_2X = factor(polynomial="x**2 - 1"), antiderivative(integrand="2*x")


@pytest.mark.parametrize("problem, text, decided", [
    (FACTOR_X2_MINUS_1, "(((x+1)**64)**64)**3", True),  # reference: wrong at x = 3 in 0.03 s
    (FACTOR_X2_MINUS_1, "((x+1)**64)**64", True),
    (FACTOR_X2_MINUS_1, "-((x - 1)*((x + 1)**64)**64)*(x + 1)*2/2", True),
    (FACTOR_X2_MINUS_1, "(x - 1)*(x + 1)*((x + 1)**64)**64/((x + 1)**64)**64", False),  # x in a divisor
    (FACTOR_X2_MINUS_1, "((x + 1)**64)**64 - (((x + 1)**16)**16)**16 + (x - 1)*(x + 1)", False),  # may be constant
    (FACTOR_X2_MINUS_1, "((x + 1)**64)**64*sin(x)", False),
    (ANTIDERIVATIVE_2X, "x**2 + 0/(((1 + x/10**7)**64)**64*pi)", False),  # reference: novel in 0.06 s
    (ANTIDERIVATIVE_2X, "x**2 + 0/(((1 + x/10**7)**64)**64*sin(x))", False),
    (ANTIDERIVATIVE_2X, "x**2 + 0/(720720*x**16 + 720719*x**15 - 720720)", False),  # 240 x 240 candidate roots
    (sequence(name="p", terms=(2, 4, 8), held_out=(16,)), "2**(((n + 1)**16)**16)", False),  # an exponent of degree 256
], ids=lambda v: v if isinstance(v, str) else v.family if not isinstance(v, bool) else "")
def test_exponent_bombs_get_the_reference_verdict_without_expanding(problem, text, decided, work_budget):
    """Where the reference is quick (a probe at x = 3, a name that makes a denominator no polynomial),
    the fast path gives its verdict or defers, without expanding a polynomial of degree 4096."""
    assert (problem.decided(text) is not None) == decided
    assert work_budget[0] < 10**5
    assert disagreements(problem, [text])[0] == []
