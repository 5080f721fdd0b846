"""Property tests (issue 34, item 2): on generated candidates of every expression family (random
small expressions, near misses of known solutions, and paddings that sympy's evaluation would
hide, such as `(x - x)/(x - c)`, `x*0/(x - c)` and `x**0`), the family's verifier and the
audit's independent checker agree on whether the candidate is a solution.

Fixed budget and seed: `derandomize=True` (examples derived from the test itself, no example
database), so CI runs the same examples every time.
"""
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from harness.audit import checkers as audit
from problems.antiderivative import make as antiderivative
from problems.factor import make as factor
from problems.sequence import make as sequence

SETTINGS = dict(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def expressions(var: str, functions: tuple[str, ...] = (), powers=("0", "1", "2", "3", "-1", "-2"),
                symbolic_powers: bool = False) -> st.SearchStrategy[str]:
    """Small expressions in `var`, in the candidate syntax, fully parenthesised."""
    leaves = st.sampled_from([var, var, "0", "1", "2", "3", "5"])

    def extend(inner):
        options = [
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, st.sampled_from(powers)).map(lambda t: f"({t[0]})**{t[1]}"),
            inner.map(lambda e: f"-({e})"),
        ]
        if functions:
            options.append(st.tuples(st.sampled_from(functions), inner).map(lambda t: f"{t[0]}({t[1]})"))
        if symbolic_powers:
            options.append(st.tuples(st.sampled_from("23"), st.sampled_from(["", " + 1", " - 1"])).map(
                lambda t: f"{t[0]}**({var}{t[1]})"))
        return st.one_of(*options)

    return st.recursive(leaves, extend, max_leaves=6)


def paddings(var: str, extra: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Terms that are 0 wherever they are defined, undefined somewhere (or nowhere)."""
    c = st.integers(-3, 13).map(lambda k: f"{var} - {k}" if k >= 0 else f"{var} + {-k}")
    zero = st.sampled_from([f"({var} - {var})", f"{var}*0", "0", f"(({var})**2 - {var}*{var})"])
    defined = st.sampled_from([f"{var}**2 + 1", f"{var} + 20", "7", f"({var} - 1)**2 + 1"])
    return st.one_of(
        st.tuples(zero, c).map(lambda t: f"{t[0]}/({t[1]})"),
        st.tuples(zero, defined).map(lambda t: f"{t[0]}/({t[1]})"),
        st.tuples(zero, c).map(lambda t: f"0*({t[1]})**-1"),
        st.tuples(zero, c, c).map(lambda t: f"{t[0]}/(({t[1]})*({t[2]}))"),
        st.tuples(zero, expressions(var)).map(lambda t: f"{t[0]}/({t[1]})"),
        expressions(var).map(lambda e: f"({e}) - ({e})"),
        *(st.tuples(st.just(e), c).map(lambda t: t[0].format(c=t[1])) for e in extra),
    )


def candidates(var: str, bases: list[str], near: list[str], **kw) -> st.SearchStrategy[str]:
    """Solutions (`bases`), near misses, random expressions, and either with paddings."""
    pad = paddings(var, kw.pop("extra", ()))
    base = st.sampled_from(bases + bases + near)
    return st.one_of(
        expressions(var, **kw),
        base,
        st.tuples(base, pad).map(lambda t: f"{t[0]} + {t[1]}"),
        st.tuples(pad, base).map(lambda t: f"{t[0]} + {t[1]}"),
        st.tuples(base, st.sampled_from([f"{var}**0", f"({var} - 1)**0", f"(({var} - {var})**0)"])).map(
            lambda t: f"({t[0]})*{t[1]}"),
        st.tuples(base, expressions(var, **kw)).map(lambda t: f"{t[0]} + ({t[1]}) - ({t[1]})"),
    )


def agree(problem, text: str) -> None:
    verdict = problem.verify(text)
    event(f"tier {verdict.tier.value}")
    assert (verdict.tier.rank >= 1) == audit.solves(problem, text), (text, verdict)


def cases(problems: list[tuple], var: str, **kw):
    """(problem, candidate): candidates built around each problem's own solutions."""
    return st.sampled_from(problems).flatmap(
        lambda p: st.tuples(st.just(p[0]), candidates(var, p[1], p[2], **kw)))


SEQUENCES = [
    (sequence(name="naturals", terms=(1, 2, 3, 4, 5), held_out=(6, 7, 8)),
     ["n", "(n**2 - 1)/(n + 1) + 1", "n**0*n"], ["n + 1", "2*n - 1", "n**2"]),
    (sequence(name="triangular", terms=(1, 3, 6, 10, 15), held_out=(21, 28, 36)),
     ["n*(n + 1)/2", "(n**2 + n)/2", "n*(n + 1)/(4 - 2)"], ["n*(n - 1)/2", "n**2 - n + 1"]),
    (sequence(name="powers_of_two", terms=(2, 4, 8, 16, 32), held_out=(64, 128, 256)),
     ["2**n", "2*2**(n - 1)", "4**n/2**n"], ["2**n - 1", "2*n", "2**(n + 1)"]),
]


@settings(max_examples=250, **SETTINGS)
@given(cases(SEQUENCES, "n", symbolic_powers=True))
def test_sequence_verifier_and_checker_agree(case):
    agree(*case)


FACTORS = [
    (factor(polynomial="x**2 - 1"), ["(x - 1)*(x + 1)", "-(1 - x)*(x + 1)", "(2*x + 2)*(x - 1)/2",
                                     "(x - 1)**1*(x + 1)**(2 - 1)", "((x - 1)*(x + 1))/1"],
     ["(x - 1)*(x - 1)", "(x - 1)*(x + 2)", "x**2 - 1", "(x**2 - 1)/(x + 1)*(x + 1)"]),
    (factor(polynomial="x**3 - x"), ["x*(x - 1)*(x + 1)", "x*(x**2 - 1)", "(x**2 - x)*(x + 1)"],
     ["x*(x - 1)", "(x - 1)*(x + 1)", "x*(x**2 + 1)"]),
    (factor(polynomial="x**4 - 5*x**2 + 4"), ["(x**2 - 1)*(x**2 - 4)", "(x - 1)*(x + 1)*(x - 2)*(x + 2)"],
     ["(x**2 - 1)*(x**2 + 4)", "(x - 1)**2*(x + 2)**2"]),
]


@settings(max_examples=250, **SETTINGS)
@given(cases(FACTORS, "x"))
def test_factor_verifier_and_checker_agree(case):
    agree(*case)


ANTIDERIVATIVES = [
    (antiderivative(integrand="2*x"), ["x**2", "x*x + 1", "(x**3 - x)/x*0 + x**2 - 0*x"], ["x**2 + x", "2*x", "x**3/3"]),
    (antiderivative(integrand="cos(x)"), ["sin(x)", "sin(x) - 3", "2*sin(x)/2"], ["cos(x)", "-sin(x)", "sin(2*x)/2"]),
    (antiderivative(integrand="1/x"), ["log(x)", "log(2*x)", "log(x**2)/2"], ["log(x + 1)", "1/x**2", "exp(x)"]),
]


@settings(max_examples=150, **SETTINGS)
@given(cases(ANTIDERIVATIVES, "x", functions=("sin", "cos", "exp", "log"), powers=("0", "1", "2", "-1"),
             extra=("0*log({c})", "(x - x)/(({c})**2)")))
def test_antiderivative_verifier_and_checker_agree(case):
    agree(*case)
